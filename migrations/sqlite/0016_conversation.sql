-- The meetup conversation: fans' questions before (with one up-vote per fan per
-- question) and attendees' feedback after. Keep in step with migrations/postgres.

CREATE TABLE questions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id    INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    -- The asker; a deleted account leaves its question, unsigned.
    user_id     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    body        TEXT    NOT NULL,
    -- Staff (or the gathering's organizer) answered it at the meetup.
    answered_at INTEGER,
    -- Hidden by staff (moderation): fans no longer see it.
    hidden      INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),
    created_at  INTEGER NOT NULL
);
CREATE INDEX questions_event ON questions (event_id, hidden);
CREATE INDEX questions_user ON questions (user_id, event_id);

-- One vote per fan per question: voting twice is a unique-key conflict (a no-op).
CREATE TABLE question_votes (
    question_id INTEGER NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (question_id, user_id)
);

-- One rating (1–5) and comment per attendee and event.
CREATE TABLE feedback (
    event_id   INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    rating     INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment    TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    PRIMARY KEY (event_id, user_id)
);

-- Fans report questions in the same queue as gatherings: a report about a question
-- names it (and its event).
ALTER TABLE reports ADD COLUMN question_id INTEGER REFERENCES questions (id) ON DELETE CASCADE;

-- The moderation log also records decisions about questions. SQLite cannot change a
-- CHECK in place: the table is rebuilt with the same rows.
CREATE TABLE moderation_log_new (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    subject      TEXT    NOT NULL CHECK (subject IN ('application', 'gathering', 'report', 'organizer', 'question')),
    subject_id   INTEGER NOT NULL,
    action       TEXT    NOT NULL,
    reason       TEXT    NOT NULL DEFAULT '',
    staff_id     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    staff_name   TEXT    NOT NULL,
    created_at   INTEGER NOT NULL
);
INSERT INTO moderation_log_new (id, subject, subject_id, action, reason, staff_id, staff_name, created_at)
    SELECT id, subject, subject_id, action, reason, staff_id, staff_name, created_at FROM moderation_log;
DROP TABLE moderation_log;
ALTER TABLE moderation_log_new RENAME TO moderation_log;
CREATE INDEX moderation_log_subject ON moderation_log (subject, subject_id);
