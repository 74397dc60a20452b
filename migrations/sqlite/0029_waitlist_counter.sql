-- PostgreSQL takes waiting-list numbers from the event's counter again, as SQLite always
-- has (see migrations/postgres/0029). Kept so both folders number alike.
SELECT 1;
