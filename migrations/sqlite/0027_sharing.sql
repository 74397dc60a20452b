-- Sharing and growth (src/sharing): fans' referral codes and who brought whom.
-- Keep in step with migrations/postgres.

-- The code a fan's shared links carry (`?ref=…`); made the first time they share.
CREATE TABLE referral_codes (
    user_id    INTEGER NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    code       TEXT    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

-- A fan who registered within 30 days of arriving through another fan's link. It counts
-- for the referrer from the moment the new fan confirms their email (counted_at); a
-- registration deleted within 7 days is removed, a later deletion keeps the count
-- (fan_id becomes NULL). One row per inbox ever (inbox: SHA-256 of the address as
-- sharing::inbox::normalize reads it), so one person's aliases count once.
CREATE TABLE referrals (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    referrer_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    fan_id        INTEGER UNIQUE REFERENCES users (id) ON DELETE SET NULL,
    inbox         TEXT    NOT NULL UNIQUE,
    arrived_at    INTEGER NOT NULL,
    registered_at INTEGER NOT NULL,
    counted_at    INTEGER
);
CREATE INDEX referrals_referrer ON referrals (referrer_id, counted_at);
CREATE INDEX referrals_counted ON referrals (counted_at);
