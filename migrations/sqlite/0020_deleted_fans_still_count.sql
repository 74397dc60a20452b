-- A deleted account leaves its past behind, unsigned: the places, attendance, feedback
-- and votes of events that had started stay (user_id becomes NULL), so a meetup's
-- seats taken, attendance, ratings and votes do not change when a fan leaves. One fan,
-- one row stays a unique key (NULLs are distinct). Keep in step with migrations/postgres.
-- SQLite cannot change a column's NOT NULL or foreign key in place: each table is
-- rebuilt with the same rows. No table references these four, so dropping them
-- inside the migration's transaction removes nothing else.

CREATE TABLE registrations_new (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id      INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    user_id       INTEGER REFERENCES users (id) ON DELETE SET NULL,
    status        TEXT    NOT NULL CHECK (status IN ('confirmed', 'waitlisted', 'cancelled')),
    waitlist_seq  INTEGER,
    ticket_code   TEXT    NOT NULL UNIQUE,
    checked_in_at INTEGER,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    generation    INTEGER NOT NULL DEFAULT 1,
    reminded_at   INTEGER,
    UNIQUE (event_id, user_id),
    CHECK (status <> 'waitlisted' OR waitlist_seq IS NOT NULL)
);
INSERT INTO registrations_new (id, event_id, user_id, status, waitlist_seq, ticket_code, checked_in_at, created_at, updated_at, generation, reminded_at)
    SELECT id, event_id, user_id, status, waitlist_seq, ticket_code, checked_in_at, created_at, updated_at, generation, reminded_at FROM registrations;
-- Ids are never reused (ticket mail is keyed by the registration's id): the new table
-- continues the old one's sequence, not its highest surviving id.
DELETE FROM sqlite_sequence WHERE name = 'registrations_new';
INSERT INTO sqlite_sequence (name, seq) SELECT 'registrations_new', seq FROM sqlite_sequence WHERE name = 'registrations';
DROP TABLE registrations;
ALTER TABLE registrations_new RENAME TO registrations;
CREATE INDEX registrations_queue ON registrations (event_id, status, waitlist_seq);
CREATE INDEX registrations_user ON registrations (user_id);

CREATE TABLE attendance_new (
    event_id    INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    user_id     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    outcome     TEXT    NOT NULL CHECK (outcome IN ('attended', 'no_show')),
    recorded_at INTEGER NOT NULL,
    UNIQUE (event_id, user_id)
);
INSERT INTO attendance_new (event_id, user_id, outcome, recorded_at) SELECT event_id, user_id, outcome, recorded_at FROM attendance;
DROP TABLE attendance;
ALTER TABLE attendance_new RENAME TO attendance;
CREATE INDEX attendance_user ON attendance (user_id, outcome);

CREATE TABLE feedback_new (
    event_id   INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    user_id    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    rating     INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment    TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    UNIQUE (event_id, user_id)
);
INSERT INTO feedback_new (event_id, user_id, rating, comment, created_at) SELECT event_id, user_id, rating, comment, created_at FROM feedback;
DROP TABLE feedback;
ALTER TABLE feedback_new RENAME TO feedback;

CREATE TABLE question_votes_new (
    question_id INTEGER NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    user_id     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at  INTEGER NOT NULL,
    UNIQUE (question_id, user_id)
);
INSERT INTO question_votes_new (question_id, user_id, created_at) SELECT question_id, user_id, created_at FROM question_votes;
DROP TABLE question_votes;
ALTER TABLE question_votes_new RENAME TO question_votes;
