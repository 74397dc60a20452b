-- The user a session is logged in as (also in its data), so the session and its user
-- are read in one statement (infra::session_store::Companion). NULL: nobody, or a
-- session stored before this column (its user is then read separately).
ALTER TABLE sessions ADD COLUMN user_id BIGINT;
