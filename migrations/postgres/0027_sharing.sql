-- Sharing and growth (src/sharing): fans' referral codes and who brought whom.
-- Keep in step with migrations/sqlite.

-- The code a fan's shared links carry (`?ref=…`); made the first time they share.
CREATE TABLE referral_codes (
    user_id    BIGINT NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    code       TEXT    NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

-- A fan who registered within 30 days of arriving through another fan's link. It counts
-- for the referrer from the moment the new fan confirms their email (counted_at); a
-- registration deleted within 7 days is withdrawn (withdrawn_at, counted_at NULL), a
-- later deletion keeps the count (fan_id becomes NULL). One row per inbox ever (inbox:
-- SHA-256 of the install's salt, settings 'referral_salt', and the address as
-- sharing::inbox::normalize reads it), so one person's aliases count once.
CREATE TABLE referrals (
    id            BIGSERIAL PRIMARY KEY,
    referrer_id   BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    fan_id        BIGINT UNIQUE REFERENCES users (id) ON DELETE SET NULL,
    inbox         TEXT    NOT NULL UNIQUE,
    arrived_at    BIGINT NOT NULL,
    registered_at BIGINT NOT NULL,
    counted_at    BIGINT,
    withdrawn_at  BIGINT
);
CREATE INDEX referrals_referrer ON referrals (referrer_id, counted_at);
CREATE INDEX referrals_counted ON referrals (counted_at);

-- Each account's inbox as sharing::inbox::normalize reads its address (lower case, no
-- "+tag", Gmail without dots): an alias of an existing account is not a new fan.
ALTER TABLE users ADD COLUMN inbox TEXT;
UPDATE users SET inbox = split_part(split_part(email, '@', 1), '+', 1) || '@' || split_part(email, '@', 2);
UPDATE users SET inbox = replace(split_part(inbox, '@', 1), '.', '') || '@gmail.com'
WHERE inbox LIKE '%@gmail.com' OR inbox LIKE '%@googlemail.com';
CREATE INDEX users_inbox ON users (inbox);
