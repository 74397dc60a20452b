-- The annual fan festival (米粉节): one festival, sessions in many cities, one opening
-- instant. Sessions are ordinary events (`events.festival_id`) and go through the one
-- seat engine; `festival_places` holds each fan's one place (seat or waiting list) per
-- festival: its primary key decides a race between two sessions, and it is written in
-- the same transaction as the registration. Keep in step with migrations/postgres.
CREATE TABLE festivals (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT    NOT NULL,
    description  TEXT    NOT NULL DEFAULT '',
    festival_day TEXT    NOT NULL,               -- 'YYYY-MM-DD', the day of every session
    opens_at     INTEGER NOT NULL,               -- sign-up opens for every session at once
    invited_at   INTEGER,                        -- when the invitations were queued
    created_by   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);

ALTER TABLE events ADD COLUMN festival_id INTEGER REFERENCES festivals (id);
CREATE INDEX events_festival ON events (festival_id);

CREATE TABLE festival_places (
    festival_id INTEGER NOT NULL REFERENCES festivals (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    event_id    INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (festival_id, user_id)
);
CREATE INDEX festival_places_event ON festival_places (event_id);
