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

-- The weekly digest, once a week for everybody (src/clubs/digest.rs): a post is in the
-- digest of the week it names (`digest_week`, set by the digest that carried it), so a
-- post that commits while a digest runs, or is put back later, goes out the week after.
-- A week is claimed once in `digest_runs`. Replaces the per-club claims.
ALTER TABLE club_news ADD COLUMN digest_week TEXT;
CREATE INDEX club_news_undigested ON club_news (created_at) WHERE digest_week IS NULL;
UPDATE club_news SET digest_week = (SELECT MAX(d.week) FROM club_digests d WHERE d.city_id = club_news.city_id AND d.covered_until >= club_news.created_at);
CREATE TABLE digest_runs (
    week    TEXT    PRIMARY KEY,
    ran_at  INTEGER NOT NULL,
    queued  INTEGER NOT NULL
);
INSERT INTO digest_runs (week, ran_at, queued) SELECT week, MAX(covered_until), 0 FROM club_digests GROUP BY week;
DROP TABLE club_digests;
