-- Participation: who came (attendance, written when the door closes), points (an
-- append-only ledger) and badges. Keep in step with migrations/postgres.

-- When staff or the organizer closed the door (attendance recorded); null while open.
ALTER TABLE events ADD COLUMN door_closed_at INTEGER;
-- A fan's page and their name in the city's honour lists are public only if they say so.
ALTER TABLE users ADD COLUMN public_profile INTEGER NOT NULL DEFAULT 0 CHECK (public_profile IN (0, 1));

CREATE TABLE attendance (
    event_id    INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    outcome     TEXT    NOT NULL CHECK (outcome IN ('attended', 'no_show')),
    recorded_at INTEGER NOT NULL,
    PRIMARY KEY (event_id, user_id)
);
CREATE INDEX attendance_user ON attendance (user_id, outcome);

-- `source_key` names what earned the points (`attend:{event}:{user}`,
-- `organize:{event}`, `badge:{user}:{badge}`): paying twice is a unique-key conflict.
CREATE TABLE points_ledger (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    source_key TEXT    NOT NULL UNIQUE,
    amount     INTEGER NOT NULL,
    reason     TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX points_ledger_user ON points_ledger (user_id);

-- `city_id` and `city_rank` say "early fan #city_rank of city" for the early-fan badge.
CREATE TABLE badges (
    user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    badge     TEXT    NOT NULL,
    earned_at INTEGER NOT NULL,
    city_id   INTEGER REFERENCES cities (id),
    city_rank INTEGER,
    PRIMARY KEY (user_id, badge)
);
-- A city's early fans in order, for its honour list.
CREATE INDEX badges_city ON badges (badge, city_id, city_rank);

-- Organizers' gatherings per city and organizer, for honour lists and badges.
CREATE INDEX events_organizer ON events (organizer_id, kind);
