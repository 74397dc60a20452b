-- Mail that cannot wait (src/email/rush.rs): during a sign-up rush the outbox worker
-- claims only these, so it must find them without reading past the waiting-list notices.
CREATE INDEX outbox_urgent ON outbox (id) WHERE status = 'pending' AND kind NOT IN ('waitlisted');
-- Notices held longer than rush::HOLD_AT_MOST go out even during a rush, oldest first:
-- read in this order, the worker stops at the first notice held too briefly instead of
-- reading past the many thousands a rush has queued.
CREATE INDEX outbox_held ON outbox (created_at, id) WHERE status = 'pending' AND kind IN ('waitlisted');
