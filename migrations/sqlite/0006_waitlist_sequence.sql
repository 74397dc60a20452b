-- PostgreSQL adds a sequence for waiting-list numbers here; SQLite has a single writer
-- and keeps using events.waitlist_counter. Kept so both folders number alike.
SELECT 1;
