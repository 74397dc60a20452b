-- A fan joining a waiting list is told their place without counting the list:
-- place = their number on that event's list − fans who have since left it.
-- Numbers come from one sequence per event (taking one locks nothing, so a burst of
-- fans joining a full meetup commits in parallel); `waitlist_left` counts cancellations
-- and promotions out of the list. Keep in step with migrations/sqlite.
ALTER TABLE events ADD COLUMN waitlist_left BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION create_waitlist_sequence() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE SEQUENCE waitlist_event_%s', NEW.id);
    RETURN NEW;
END $$;

CREATE TRIGGER events_waitlist_sequence AFTER INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION create_waitlist_sequence();

-- Existing events continue after the highest number they handed out.
UPDATE events SET waitlist_counter = COALESCE((SELECT MAX(waitlist_seq) FROM registrations r WHERE r.event_id = events.id), 0);
UPDATE events SET waitlist_left = waitlist_counter
    - (SELECT COUNT(*) FROM registrations r WHERE r.event_id = events.id AND r.status = 'waitlisted');
DO $$
DECLARE e RECORD;
BEGIN
    FOR e IN SELECT id, waitlist_counter FROM events LOOP
        EXECUTE format('CREATE SEQUENCE waitlist_event_%s START WITH %s', e.id, e.waitlist_counter + 1);
    END LOOP;
END $$;

DROP SEQUENCE waitlist_seq;
