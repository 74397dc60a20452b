-- Waiting-list numbers come from the event's counter again (as on SQLite), taken under
-- the event row's lock: numbers commit in the order they were taken and a rolled-back
-- transaction gives its numbers back, so the places fans are told (number − left) never
-- skip one, and the list as read at any moment holds every number below its last
-- (`meetups::waiting_ranks`). In a rush the sign-up desk takes numbers for a whole batch
-- in one statement (`meetups::desk`), so the lock is taken once a batch, not once a fan.
-- Keep in step with migrations/sqlite.
DO $$
DECLARE
    e RECORD;
    handed_out BIGINT;
BEGIN
    FOR e IN SELECT id FROM events LOOP
        IF to_regclass(format('waitlist_event_%s', e.id)) IS NOT NULL THEN
            EXECUTE format('SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM waitlist_event_%s', e.id) INTO handed_out;
            UPDATE events SET waitlist_counter = GREATEST(waitlist_counter, handed_out) WHERE id = e.id;
            EXECUTE format('DROP SEQUENCE waitlist_event_%s', e.id);
        END IF;
    END LOOP;
END $$;

DROP TRIGGER events_waitlist_sequence ON events;
DROP FUNCTION create_waitlist_sequence();
