-- A deleted account leaves its past behind, unsigned: the places, attendance, feedback
-- and votes of events that had started stay (user_id becomes NULL), so a meetup's
-- seats taken, attendance, ratings and votes do not change when a fan leaves. One fan,
-- one row stays a unique key (NULLs are distinct). Keep in step with migrations/sqlite.

ALTER TABLE registrations ALTER COLUMN user_id DROP NOT NULL;
ALTER TABLE registrations DROP CONSTRAINT registrations_user_id_fkey;
ALTER TABLE registrations ADD CONSTRAINT registrations_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE SET NULL;

ALTER TABLE attendance DROP CONSTRAINT attendance_pkey;
ALTER TABLE attendance ALTER COLUMN user_id DROP NOT NULL;
ALTER TABLE attendance ADD CONSTRAINT attendance_event_id_user_id_key UNIQUE (event_id, user_id);
ALTER TABLE attendance DROP CONSTRAINT attendance_user_id_fkey;
ALTER TABLE attendance ADD CONSTRAINT attendance_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE SET NULL;

ALTER TABLE feedback DROP CONSTRAINT feedback_pkey;
ALTER TABLE feedback ALTER COLUMN user_id DROP NOT NULL;
ALTER TABLE feedback ADD CONSTRAINT feedback_event_id_user_id_key UNIQUE (event_id, user_id);
ALTER TABLE feedback DROP CONSTRAINT feedback_user_id_fkey;
ALTER TABLE feedback ADD CONSTRAINT feedback_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE SET NULL;

ALTER TABLE question_votes DROP CONSTRAINT question_votes_pkey;
ALTER TABLE question_votes ALTER COLUMN user_id DROP NOT NULL;
ALTER TABLE question_votes ADD CONSTRAINT question_votes_question_id_user_id_key UNIQUE (question_id, user_id);
ALTER TABLE question_votes DROP CONSTRAINT question_votes_user_id_fkey;
ALTER TABLE question_votes ADD CONSTRAINT question_votes_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE SET NULL;
