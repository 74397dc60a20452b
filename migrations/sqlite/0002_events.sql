-- One event engine for official meetups and self-run gatherings, and the record of
-- host-city decisions. Keep in step with migrations/postgres.

CREATE TABLE events (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    kind             TEXT    NOT NULL CHECK (kind IN ('official', 'gathering')),
    city_id          INTEGER NOT NULL REFERENCES cities (id),
    organizer_id     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    title            TEXT    NOT NULL,
    description      TEXT    NOT NULL DEFAULT '',
    venue            TEXT    NOT NULL DEFAULT '',
    address          TEXT    NOT NULL DEFAULT '',
    starts_at        INTEGER NOT NULL,
    ends_at          INTEGER NOT NULL,
    capacity         INTEGER CHECK (capacity IS NULL OR capacity > 0),
    confirmed_count  INTEGER NOT NULL DEFAULT 0,
    waitlist_counter INTEGER NOT NULL DEFAULT 0,  -- last waitlist_seq handed out
    signup_opens_at  INTEGER,
    signup_closes_at INTEGER,
    status           TEXT    NOT NULL CHECK (status IN ('draft', 'pending_review', 'published', 'postponed', 'cancelled', 'rejected', 'hidden')),
    created_by       INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    CHECK (ends_at >= starts_at),
    -- The seat cap, as a backstop to the conditional update that takes seats.
    CHECK (confirmed_count >= 0 AND (capacity IS NULL OR confirmed_count <= capacity))
);
CREATE INDEX events_city_start ON events (city_id, starts_at);
CREATE INDEX events_kind_start ON events (kind, starts_at);

CREATE TABLE registrations (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id      INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status        TEXT    NOT NULL CHECK (status IN ('confirmed', 'waitlisted', 'cancelled')),
    waitlist_seq  INTEGER,
    ticket_code   TEXT    NOT NULL UNIQUE,
    checked_in_at INTEGER,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    UNIQUE (event_id, user_id),
    CHECK (status <> 'waitlisted' OR waitlist_seq IS NOT NULL)
);
CREATE INDEX registrations_queue ON registrations (event_id, status, waitlist_seq);
CREATE INDEX registrations_user ON registrations (user_id);

-- "Fans who joined in the last 30 days" per city, read from the index alone.
CREATE INDEX users_verified_city ON users (email_verified_at, home_city_id);

CREATE TABLE host_decisions (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id        INTEGER NOT NULL REFERENCES cities (id),
    event_id       INTEGER REFERENCES events (id) ON DELETE SET NULL,
    slot_starts_at INTEGER NOT NULL,
    source         TEXT    NOT NULL CHECK (source IN ('proposal', 'swap', 'manual')),
    decided_by     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    decided_by_name TEXT   NOT NULL,
    decided_at     INTEGER NOT NULL,
    figures        TEXT    NOT NULL               -- JSON: the city's ranking figures then
);
CREATE INDEX host_decisions_time ON host_decisions (decided_at);
