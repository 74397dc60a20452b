-- Referral codes are given when an address is confirmed (src/sharing/referrals.rs,
-- give_code), so the pages showing them only read. Fans confirmed before get theirs
-- here: ten hexadecimal digits, 0 and 1 written g and h (within the code alphabet). A
-- clash leaves a fan without one until their first share makes it. Keep in step with
-- migrations/sqlite.
INSERT INTO referral_codes (user_id, code, created_at)
SELECT u.id, translate(substr(md5(random()::text || u.id::text), 1, 10), '01', 'gh'), CAST(EXTRACT(EPOCH FROM now()) AS BIGINT)
FROM users u
WHERE u.email_verified_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM referral_codes r WHERE r.user_id = u.id)
ON CONFLICT DO NOTHING;
