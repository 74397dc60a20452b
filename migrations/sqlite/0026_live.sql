-- Live at the meetup (src/live): polls and quiz questions answered on fans' phones, the
-- lucky draw, and the room's screen. Keep in step with migrations/postgres.

-- A poll or quiz question of one event, prepared before and opened during it.
CREATE TABLE live_items (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id    INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL,            -- 'poll' or 'quiz'
    question    TEXT    NOT NULL,
    options     TEXT    NOT NULL,            -- a JSON list of 2 to 4 texts
    correct     INTEGER,                     -- quiz: the right option (0-based)
    seconds     INTEGER,                     -- quiz: how long it is open
    status      TEXT    NOT NULL DEFAULT 'draft', -- draft, open, closed
    opened_at   INTEGER,                     -- milliseconds (answers are timed)
    closes_at   INTEGER,                     -- milliseconds; NULL while open without limit
    closed_at   INTEGER,
    created_by  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX live_items_event ON live_items (event_id, id);

-- One answer per fan and item: pressed twice (or from two phones), the first counts.
CREATE TABLE live_answers (
    item_id     INTEGER NOT NULL REFERENCES live_items (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    choice      INTEGER NOT NULL,
    elapsed_ms  INTEGER NOT NULL,            -- from opening to the answer
    score       INTEGER NOT NULL,            -- quiz: live::scoring::points; polls 0
    answered_at INTEGER NOT NULL,
    PRIMARY KEY (item_id, user_id)
);

-- Lucky draws: the seed and who could win are kept, so anyone re-runs it
-- (live::lucky::pick) and gets the same winner.
CREATE TABLE live_draws (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id    INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    round       INTEGER NOT NULL,
    seed        TEXT    NOT NULL,
    eligible    TEXT    NOT NULL,            -- JSON list of user ids, ascending
    winner_id   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    winner_name TEXT    NOT NULL,
    drawn_by    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    drawn_at    INTEGER NOT NULL,
    UNIQUE (event_id, round)
);

-- The quiz's result, decided once per event from the answers: its places earn points
-- and the first a badge (participation::awards).
CREATE TABLE quiz_winners (
    event_id    INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    place       INTEGER NOT NULL,
    user_id     INTEGER REFERENCES users (id) ON DELETE SET NULL,  -- the place stays decided
    score       INTEGER NOT NULL,
    decided_at  INTEGER NOT NULL,
    PRIMARY KEY (event_id, place)
);
CREATE UNIQUE INDEX quiz_winners_user ON quiz_winners (user_id, event_id);

-- The room's screen opens without logging in, with a link staff make: its key's hash.
CREATE TABLE live_screens (
    event_id    INTEGER PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE,
    key_hash    TEXT    NOT NULL,
    created_by  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at  INTEGER NOT NULL
);

-- Every change to an event's live state, numbered: a stream's event id; a phone that
-- reconnects says the last it saw (Last-Event-ID).
CREATE TABLE live_changes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id    INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL
);
CREATE INDEX live_changes_event ON live_changes (event_id, id);
