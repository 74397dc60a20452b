-- The language a user reads Tongcheng in: emails go out in it, whoever triggers them.
ALTER TABLE users ADD COLUMN locale TEXT NOT NULL DEFAULT 'zh-CN';
