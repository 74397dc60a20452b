-- The worker claims pending messages in id order. A partial index over the pending ones
-- keeps that a short walk however many sent messages the outbox has piled up (the old
-- index on (status, next_attempt_at) could not give id order).
CREATE INDEX outbox_pending ON outbox (id) WHERE status = 'pending';
DROP INDEX outbox_due;
