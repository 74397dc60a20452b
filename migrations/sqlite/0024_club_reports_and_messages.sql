-- Clubs, second part: reports about club news, officers' messages to members, and one
-- weekly digest per fan (not per club). Keep in step with migrations/postgres.

-- A fan's report about a club's news post; one per fan and post. News is written by
-- officers, so these reports are staff's to answer.
CREATE TABLE club_news_reports (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    news_id     INTEGER NOT NULL REFERENCES club_news (id) ON DELETE CASCADE,
    reporter_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    category    TEXT    NOT NULL CHECK (category IN ('spam', 'unsafe', 'wrong_information')),
    details     TEXT    NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('open', 'resolved')),
    created_at  INTEGER NOT NULL,
    UNIQUE (news_id, reporter_id)
);
CREATE INDEX club_news_reports_status ON club_news_reports (status, id);

-- What officers sent to their club's members and followers: the record staff read.
CREATE TABLE club_messages (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    city_id     INTEGER NOT NULL REFERENCES cities (id),
    author_id   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    author_name TEXT    NOT NULL,
    subject     TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    recipients  INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX club_messages_city ON club_messages (city_id, created_at);

-- The weekly digest, once a week for everybody: its news ends at `covered_until`, where
-- the next week's starts (src/clubs/digest.rs). Replaces the per-club claims.
CREATE TABLE digest_runs (
    week          TEXT    PRIMARY KEY,
    covered_until INTEGER NOT NULL,
    queued        INTEGER NOT NULL
);
INSERT INTO digest_runs (week, covered_until, queued) SELECT week, MAX(covered_until), 0 FROM club_digests GROUP BY week;
DROP TABLE club_digests;
