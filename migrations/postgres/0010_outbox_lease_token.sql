-- Each claim of outbox messages carries a random token; a worker records an outcome
-- only for messages it still holds (a worker whose lease ran out cannot mark messages
-- that another worker has claimed since).
ALTER TABLE outbox ADD COLUMN lease_token TEXT;
