-- Foundation: cities, accounts, sessions, single-use tokens, email outbox, settings.
-- Times are unix seconds (UTC). Keep in step with migrations/postgres.

CREATE TABLE cities (
    id            INTEGER PRIMARY KEY,          -- GeoNames id
    country       TEXT    NOT NULL,
    province_en   TEXT    NOT NULL,
    province_zh   TEXT    NOT NULL,
    name_en       TEXT    NOT NULL,
    name_zh       TEXT    NOT NULL,
    pinyin        TEXT    NOT NULL,
    population    INTEGER NOT NULL CHECK (population >= 0),
    latitude      REAL    NOT NULL,
    longitude     REAL    NOT NULL,
    timezone      TEXT    NOT NULL,
    verified_fans INTEGER NOT NULL DEFAULT 0 CHECK (verified_fans >= 0)
);

CREATE TABLE users (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    email             TEXT    NOT NULL UNIQUE,  -- stored lower-cased
    display_name      TEXT    NOT NULL,
    password_hash     TEXT    NOT NULL,
    home_city_id      INTEGER NOT NULL REFERENCES cities (id),
    role              TEXT    NOT NULL DEFAULT 'fan' CHECK (role IN ('fan', 'organizer', 'staff', 'admin')),
    email_verified_at INTEGER,
    wants_invitations INTEGER NOT NULL DEFAULT 1 CHECK (wants_invitations IN (0, 1)),
    session_version   INTEGER NOT NULL DEFAULT 0,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
CREATE INDEX users_city_verified ON users (home_city_id, email_verified_at);

CREATE TABLE sessions (
    id         TEXT    PRIMARY KEY,
    data       TEXT    NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE tokens (
    token_hash TEXT    PRIMARY KEY,             -- sha256 of the secret sent by email
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT    NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
    expires_at INTEGER NOT NULL,
    used_at    INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX tokens_user ON tokens (user_id, purpose);

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    idempotency_key TEXT    NOT NULL UNIQUE,
    kind            TEXT    NOT NULL,
    recipient       TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    body_text       TEXT    NOT NULL,
    body_html       TEXT    NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    locked_until    INTEGER,
    sent_at         INTEGER,
    delivered_via   TEXT,
    last_error      TEXT,
    created_at      INTEGER NOT NULL
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
