-- City clubs (同城会): every city's row is its club. Its officers serve terms; fans of
-- other cities follow it; its officers post news. Keep in step with migrations/postgres.

-- An officer's term: in power while `starts_at <= now < ends_at` and not ended early
-- (`ended_at`: resigned or removed). Rows stay when a term ends: the record.
CREATE TABLE club_officers (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id      INTEGER NOT NULL REFERENCES cities (id),
    user_id      INTEGER REFERENCES users (id) ON DELETE SET NULL,
    role         TEXT    NOT NULL CHECK (role IN ('president', 'vice_president', 'organizer')),
    starts_at    INTEGER NOT NULL,
    ends_at      INTEGER NOT NULL,
    ended_at     INTEGER,
    appointed_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    reason       TEXT    NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX club_officers_city ON club_officers (city_id, ends_at);
CREATE INDEX club_officers_user ON club_officers (user_id, ends_at);

-- Fans following clubs other than their home city's (at most 3, checked on write).
CREATE TABLE club_follows (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    city_id    INTEGER NOT NULL REFERENCES cities (id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, city_id)
);
CREATE INDEX club_follows_city ON club_follows (city_id);

CREATE TABLE club_news (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id     INTEGER NOT NULL REFERENCES cities (id),
    author_id   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    author_name TEXT    NOT NULL,
    title       TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('published', 'hidden')),
    created_at  INTEGER NOT NULL
);
CREATE INDEX club_news_city ON club_news (city_id, created_at);

-- Each club's weekly digest, once: the news it covered ends at `covered_until`, where
-- the next one starts (src/clubs/digest.rs).
CREATE TABLE club_digests (
    city_id       INTEGER NOT NULL REFERENCES cities (id),
    week          TEXT    NOT NULL,
    covered_until INTEGER NOT NULL,
    PRIMARY KEY (city_id, week)
);

-- One audit log for staff's and officers' decisions: the moderation log also records
-- officers' terms and club news, and which club a decision was made for. SQLite cannot
-- change a CHECK in place: the table is rebuilt with the same rows.
CREATE TABLE moderation_log_new (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    subject      TEXT    NOT NULL CHECK (subject IN ('application', 'gathering', 'report', 'organizer', 'question', 'officer', 'news')),
    subject_id   INTEGER NOT NULL,
    action       TEXT    NOT NULL,
    reason       TEXT    NOT NULL DEFAULT '',
    staff_id     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    staff_name   TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    city_id      INTEGER REFERENCES cities (id)
);
INSERT INTO moderation_log_new (id, subject, subject_id, action, reason, staff_id, staff_name, created_at)
    SELECT id, subject, subject_id, action, reason, staff_id, staff_name, created_at FROM moderation_log;
DROP TABLE moderation_log;
ALTER TABLE moderation_log_new RENAME TO moderation_log;
CREATE INDEX moderation_log_subject ON moderation_log (subject, subject_id);
CREATE INDEX moderation_log_city ON moderation_log (city_id, id);
