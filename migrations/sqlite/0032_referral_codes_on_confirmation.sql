-- Referral codes are given when an address is confirmed (src/sharing/referrals.rs,
-- give_code), so the pages showing them only read. Fans confirmed before get theirs
-- here: ten hexadecimal digits, 0 and 1 written g and h (within the code alphabet). A
-- clash leaves a fan without one until their first share makes it. Keep in step with
-- migrations/postgres.
INSERT INTO referral_codes (user_id, code, created_at)
SELECT u.id, replace(replace(lower(hex(randomblob(5))), '0', 'g'), '1', 'h'), CAST(strftime('%s', 'now') AS INTEGER)
FROM users u
WHERE u.email_verified_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM referral_codes r WHERE r.user_id = u.id)
ON CONFLICT DO NOTHING;
