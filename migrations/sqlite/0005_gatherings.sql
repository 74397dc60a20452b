-- Self-run gatherings: organizer applications, reports, and the moderation log.
-- Gatherings themselves are rows of `events` with kind 'gathering'.
-- Keep in step with migrations/postgres.

-- Trusted organizers' gatherings publish without review.
ALTER TABLE users ADD COLUMN trusted_organizer INTEGER NOT NULL DEFAULT 0;

CREATE TABLE organizer_applications (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    city_id         INTEGER NOT NULL REFERENCES cities (id),
    reason          TEXT    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('pending', 'approved', 'declined', 'revoked')),
    decision_reason TEXT,
    created_at      INTEGER NOT NULL,
    decided_at      INTEGER
);
CREATE INDEX organizer_applications_status ON organizer_applications (status, created_at);
CREATE INDEX organizer_applications_user ON organizer_applications (user_id);

CREATE TABLE reports (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id    INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    reporter_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    category    TEXT    NOT NULL CHECK (category IN ('spam', 'unsafe', 'wrong_information')),
    details     TEXT    NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('open', 'resolved')),
    created_at  INTEGER NOT NULL
);
CREATE INDEX reports_status ON reports (status, created_at);
CREATE INDEX reports_event ON reports (event_id);

-- Every moderation decision: who, when, what, why.
CREATE TABLE moderation_log (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    subject      TEXT    NOT NULL CHECK (subject IN ('application', 'gathering', 'report', 'organizer')),
    subject_id   INTEGER NOT NULL,
    action       TEXT    NOT NULL,
    reason       TEXT    NOT NULL DEFAULT '',
    staff_id     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    staff_name   TEXT    NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX moderation_log_subject ON moderation_log (subject, subject_id);

-- Messages organizers send to their attendees (rate-limited per gathering).
CREATE INDEX outbox_kind_event_time ON outbox (kind, event_id, created_at);
