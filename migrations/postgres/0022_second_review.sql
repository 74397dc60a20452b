-- Fixes from the second security review (issue 24). Keep in step with the other backend.

-- The admission log also records changes to a draw's schedule (with what changed),
-- draws the timer ran, and picks that lapsed when their fan withdrew
-- (src/admission/repo.rs).
ALTER TABLE admission_log DROP CONSTRAINT admission_log_action_check;
ALTER TABLE admission_log ADD CONSTRAINT admission_log_action_check CHECK (action IN ('pick', 'unpick', 'draw', 'schedule', 'withdraw'));
ALTER TABLE admission_log ADD COLUMN detail TEXT NOT NULL DEFAULT '';

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
-- and follows the drawn (src/admission/draw.rs).
ALTER TABLE draw_entries DROP CONSTRAINT draw_entries_weight_check;
ALTER TABLE draw_entries ADD CONSTRAINT draw_entries_weight_check CHECK (weight >= 0);
