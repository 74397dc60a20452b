-- Admission: first come (as before), or apply then select by a seeded, reproducible
-- draw; and seats that fans with repeated no-shows must reconfirm. Keep in step with
-- migrations/postgres.
--
-- Applications are their own table, not registrations with a new status: a
-- registration is a place (seat or waiting list) everywhere else in the code, and
-- SQLite can change the CHECK on registrations.status only by rebuilding the table
-- (its indexes, foreign keys and the columns other migrations add). After the draw
-- every applicant holds an ordinary registration, so the one engine keeps the seats.

-- 'first_come' or 'draw'; a draw event takes applications until
-- `application_closes_at`, then the draw (guarded by `drawn_at IS NULL`) runs once.
ALTER TABLE events ADD COLUMN admission TEXT NOT NULL DEFAULT 'first_come' CHECK (admission IN ('first_come', 'draw'));
ALTER TABLE events ADD COLUMN application_closes_at INTEGER;
-- The optional question staff ask applicants.
ALTER TABLE events ADD COLUMN application_question TEXT NOT NULL DEFAULT '';
-- The draw's seed (64 hex digits: a ChaCha20 key), when and by whom it ran (null: the timer).
ALTER TABLE events ADD COLUMN draw_seed TEXT;
ALTER TABLE events ADD COLUMN drawn_at INTEGER;
ALTER TABLE events ADD COLUMN drawn_by INTEGER REFERENCES users (id) ON DELETE SET NULL;
CREATE INDEX events_draw_due ON events (admission, drawn_at, application_closes_at);

-- One application per fan and event (applying twice updates the answer).
-- A staff pick (`picked_by`, `picked_at`) gives the fan a seat before the draw's seats.
CREATE TABLE applications (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id   INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status     TEXT    NOT NULL CHECK (status IN ('applied', 'withdrawn')),
    answer     TEXT    NOT NULL DEFAULT '',
    picked_by  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    picked_at  INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (event_id, user_id)
);
CREATE INDEX applications_user ON applications (user_id);

-- The draw as it ran: its inputs (each application's weight; the order of inputs is
-- the application id) and its result (position 1.. in drawn order, staff picks first).
-- Kept when an account is deleted (user_id becomes null), so the draw can still be re-run.
CREATE TABLE draw_entries (
    event_id       INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    application_id INTEGER NOT NULL,
    user_id        INTEGER REFERENCES users (id) ON DELETE SET NULL,
    weight         INTEGER NOT NULL CHECK (weight > 0),
    position       INTEGER NOT NULL,
    picked         INTEGER NOT NULL CHECK (picked IN (0, 1)),
    selected       INTEGER NOT NULL CHECK (selected IN (0, 1)),
    drawn_at       INTEGER NOT NULL,
    PRIMARY KEY (event_id, application_id)
);
-- "Not selected last time": a fan's latest draw.
CREATE INDEX draw_entries_user ON draw_entries (user_id, drawn_at);

-- Every manual pick (and unpick) and every draw started by hand: who, when, which fan.
CREATE TABLE admission_log (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id   INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    actor_id   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    actor_name TEXT    NOT NULL,
    fan_id     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    fan_name   TEXT    NOT NULL DEFAULT '',
    action     TEXT    NOT NULL CHECK (action IN ('pick', 'unpick', 'draw')),
    created_at INTEGER NOT NULL
);
CREATE INDEX admission_log_event ON admission_log (event_id, id);

-- A seat held by a fan with repeated no-shows: asked to reconfirm, due by `due_at`;
-- confirmed, or released to the waiting list once.
CREATE TABLE reconfirmations (
    event_id     INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    asked_at     INTEGER NOT NULL,
    due_at       INTEGER NOT NULL,
    confirmed_at INTEGER,
    released_at  INTEGER,
    PRIMARY KEY (event_id, user_id)
);
CREATE INDEX reconfirmations_due ON reconfirmations (due_at);
