-- Only organizer messages are counted by gathering and time (their daily limit), yet
-- every row of the outbox had an entry in that index: a flash sale queues 100,000
-- notices in a minute, each paying for one more index. Now only those messages do.
-- Keep in step with migrations/sqlite.
DROP INDEX outbox_kind_event_time;
CREATE INDEX outbox_organizer_messages ON outbox (event_id, created_at) WHERE kind = 'organizer_message';
