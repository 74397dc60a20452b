-- Rate-limit counters, shared by every app process: attempts per key per fixed window.
CREATE TABLE rate_limit_hits (
    limit_key    TEXT    NOT NULL,
    window_start INTEGER NOT NULL,
    hits         INTEGER NOT NULL,
    PRIMARY KEY (limit_key, window_start)
);
CREATE INDEX rate_limit_hits_window ON rate_limit_hits (window_start);
