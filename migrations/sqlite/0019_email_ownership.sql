-- What a fan controls about their email (issue 16): changing the address with a link to
-- the new one, and unsubscribing from bulk mail without logging in. Keep in step with
-- migrations/postgres.

-- A requested change of address. The link goes to the new address; only the secret's
-- SHA-256 is kept. A newer request or the confirmation uses a row up (`used_at`); the
-- confirmed rows tell which addresses the account had when (deleting the account
-- anonymises the mail sent to each in its time).
CREATE TABLE email_changes (
    token_hash   TEXT    PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    old_email    TEXT    NOT NULL,
    new_email    TEXT    NOT NULL,
    expires_at   INTEGER NOT NULL,
    used_at      INTEGER,
    confirmed_at INTEGER,
    created_at   INTEGER NOT NULL
);
CREATE INDEX email_changes_user ON email_changes (user_id, used_at);

-- The secret in a fan's unsubscribe links (128 random bits, hex). Bulk mail is copied
-- per fan in SQL, so the link's secret is stored, not derived.
ALTER TABLE users ADD COLUMN unsubscribe_token TEXT;
UPDATE users SET unsubscribe_token = lower(hex(randomblob(16)));
CREATE UNIQUE INDEX users_unsubscribe_token ON users (unsubscribe_token);

-- The unsubscribe URL of bulk mail (List-Unsubscribe, RFC 8058); NULL for other mail.
ALTER TABLE outbox ADD COLUMN list_unsubscribe TEXT;

-- The mail sent to one address (a fan's data export, deleting an account, the mailbox).
CREATE INDEX outbox_recipient ON outbox (recipient, created_at);
