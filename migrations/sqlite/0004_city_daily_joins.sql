-- New verified fans per city and day, kept in step with users in the same transaction,
-- so "fans who joined in the last 30 days" reads ~10,000 small rows instead of
-- scanning a million users. Keep in step with migrations/postgres.
CREATE TABLE city_daily_joins (
    city_id INTEGER NOT NULL REFERENCES cities (id),
    day     INTEGER NOT NULL,  -- email_verified_at / 86400
    fans    INTEGER NOT NULL,
    PRIMARY KEY (city_id, day)
);
INSERT INTO city_daily_joins (city_id, day, fans)
SELECT home_city_id, email_verified_at / 86400, COUNT(*) FROM users
WHERE email_verified_at IS NOT NULL GROUP BY home_city_id, email_verified_at / 86400;
DROP INDEX users_verified_city;
