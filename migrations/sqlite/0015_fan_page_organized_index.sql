-- A fan's page lists the gatherings they organized, newest first. With (organizer_id,
-- kind) alone SQLite, which has no statistics, preferred to read every gathering in date
-- order (events_kind_start) and skip the other organizers' (16 ms a page with 100,000
-- events); this index finds the organizer's and reads them in date order. It makes
-- events_organizer redundant. Keep in step with migrations/postgres.
CREATE INDEX events_organizer_start ON events (organizer_id, kind, starts_at);
DROP INDEX events_organizer;
