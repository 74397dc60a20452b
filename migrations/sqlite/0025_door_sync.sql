-- Doors on phones, offline (src/participation/door_sync.rs): several doors of one event
-- check tickets in, online or later from what they stored. Keep in step with
-- migrations/postgres.

-- Which door let a ticket in (a device's name, e.g. "B"); NULL before doors had names.
ALTER TABLE registrations ADD COLUMN checked_in_door TEXT;

-- Every scan a door sent, with the server's verdict: the first check-in of a ticket
-- wins, a later one is a refused duplicate. A door sends each scan with its own id;
-- sent again (a retry after a dropped answer), it gets the same verdict.
CREATE TABLE door_scans (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id        INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    door            TEXT    NOT NULL,
    scan_id         TEXT    NOT NULL,
    registration_id INTEGER REFERENCES registrations (id) ON DELETE SET NULL,
    outcome         TEXT    NOT NULL,
    scanned_at      INTEGER NOT NULL,
    received_at     INTEGER NOT NULL,
    message         TEXT    NOT NULL DEFAULT '',
    user_id         INTEGER REFERENCES users (id) ON DELETE SET NULL,
    UNIQUE (event_id, door, scan_id)
);
-- Erasing an account or a registration finds its scans without reading them all.
CREATE INDEX door_scans_registration ON door_scans (registration_id);
CREATE INDEX door_scans_user ON door_scans (user_id);
