-- Meetup email: messages tied to an event (invitation counts), attachments (.ics),
-- reminders, personal calendar feeds. Keep in step with migrations/sqlite.

ALTER TABLE outbox ADD COLUMN event_id BIGINT REFERENCES events (id) ON DELETE SET NULL;
-- JSON list of {filename, content_type, content}.
ALTER TABLE outbox ADD COLUMN attachments TEXT NOT NULL DEFAULT '[]';
CREATE INDEX outbox_event ON outbox (event_id, kind, status);

-- Bumped each time a registration takes a seat or joins the queue again, so each
-- such change gets its own email.
ALTER TABLE registrations ADD COLUMN generation BIGINT NOT NULL DEFAULT 1;
ALTER TABLE registrations ADD COLUMN reminded_at BIGINT;

-- Secret for the personal calendar feed (calendar apps cannot log in).
ALTER TABLE users ADD COLUMN calendar_token TEXT;
CREATE UNIQUE INDEX users_calendar_token ON users (calendar_token);
