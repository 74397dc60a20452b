-- A fan joining a waiting list is told their place without counting the list:
-- place = their number on that event's list (`waitlist_counter`) − fans who have since
-- left it (`waitlist_left`: cancellations and promotions). Keep in step with
-- migrations/postgres, which takes the numbers from one sequence per event.
ALTER TABLE events ADD COLUMN waitlist_left INTEGER NOT NULL DEFAULT 0;
UPDATE events SET waitlist_left = waitlist_counter
    - (SELECT COUNT(*) FROM registrations r WHERE r.event_id = events.id AND r.status = 'waitlisted');
