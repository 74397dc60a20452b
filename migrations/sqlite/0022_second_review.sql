-- Fixes from the second security review (issue 24). Keep in step with the other backend.

-- The admission log also records changes to a draw's schedule (with what changed),
-- draws the timer ran, and picks that lapsed when their fan withdrew
-- (src/admission/repo.rs). SQLite cannot change a CHECK: the table is rebuilt.
CREATE TABLE admission_log_new (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id   INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    actor_id   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    actor_name TEXT    NOT NULL,
    fan_id     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    fan_name   TEXT    NOT NULL DEFAULT '',
    action     TEXT    NOT NULL CHECK (action IN ('pick', 'unpick', 'draw', 'schedule', 'withdraw')),
    created_at INTEGER NOT NULL,
    detail     TEXT    NOT NULL DEFAULT ''
);
INSERT INTO admission_log_new (id, event_id, actor_id, actor_name, fan_id, fan_name, action, created_at)
    SELECT id, event_id, actor_id, actor_name, fan_id, fan_name, action, created_at FROM admission_log;
DROP TABLE admission_log;
ALTER TABLE admission_log_new RENAME TO admission_log;
CREATE INDEX admission_log_event ON admission_log (event_id, id);

-- One report per fan and gathering (or question). Earlier duplicates by the same fan
-- add nothing for moderators.
DELETE FROM reports WHERE reporter_id IS NOT NULL AND id NOT IN
    (SELECT MIN(id) FROM reports WHERE reporter_id IS NOT NULL GROUP BY reporter_id, event_id, COALESCE(question_id, 0));
CREATE UNIQUE INDEX reports_one_per_fan ON reports (reporter_id, event_id, COALESCE(question_id, 0));

-- The personal calendar feed's secret is kept as its SHA-256 only (like one-time links):
-- the old plain secrets go, and fans make a new link on "My meetups".
DROP INDEX users_calendar_token;
ALTER TABLE users DROP COLUMN calendar_token;
ALTER TABLE users ADD COLUMN calendar_secret_hash TEXT;
CREATE UNIQUE INDEX users_calendar_secret_hash ON users (calendar_secret_hash);

-- A second application from one inbox enters a draw with weight 0: it draws nothing
-- and follows the drawn (src/admission/draw.rs). SQLite cannot change a CHECK: rebuilt.
CREATE TABLE draw_entries_new (
    event_id       INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    application_id INTEGER NOT NULL,
    user_id        INTEGER REFERENCES users (id) ON DELETE SET NULL,
    weight         INTEGER NOT NULL CHECK (weight >= 0),
    position       INTEGER NOT NULL,
    picked         INTEGER NOT NULL CHECK (picked IN (0, 1)),
    selected       INTEGER NOT NULL CHECK (selected IN (0, 1)),
    drawn_at       INTEGER NOT NULL,
    PRIMARY KEY (event_id, application_id)
);
INSERT INTO draw_entries_new SELECT event_id, application_id, user_id, weight, position, picked, selected, drawn_at FROM draw_entries;
DROP TABLE draw_entries;
ALTER TABLE draw_entries_new RENAME TO draw_entries;
CREATE INDEX draw_entries_user ON draw_entries (user_id, drawn_at);
