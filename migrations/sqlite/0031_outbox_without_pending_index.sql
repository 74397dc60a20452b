-- Every pending message is in one of two partial indexes, by kind (outbox_urgent,
-- outbox_held; src/email/outbox.rs claims through each). This one, of all pending mail,
-- misled the planner: analysed while the outbox was idle, it looked empty, and the claim
-- of held notices walked every one of them instead of outbox_held. Keep in step with
-- migrations/postgres.
DROP INDEX outbox_pending;
