-- Waiting-list numbers come from a sequence on PostgreSQL, so fans joining a full
-- meetup's waiting list do not queue on the event row's lock (SQLite has a single
-- writer and keeps the per-event counter). Keep in step with migrations/sqlite.
CREATE SEQUENCE waitlist_seq;
