-- A drawn waiting list is written in batches after the draw (src/admission/waiting.rs):
-- the first drawn position still to be written, NULL when none is left.
ALTER TABLE events ADD COLUMN draw_pending_from BIGINT;
