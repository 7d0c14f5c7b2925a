-- The reference MDM's database. Each migration starts with a line `-- migration N`;
-- `db.rs` applies, in order and each in one transaction, those above the database's
-- `PRAGMA user_version`, then sets it to N. Add a migration at the end; never edit one
-- that has shipped.

-- migration 1
-- This installation: its MDM id (written as Apple's mdmInfo.id) and the secret Apple
-- sends with every notification. Both are generated once, at the first start.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- One row per location (content token). `account` is the serde JSON of the crate's
-- VppAccount: it holds the credential, so this file is a secret. `fence` is the largest
-- lease fencing number any sync write carried: a write with a smaller one is refused.
CREATE TABLE locations (
    uid                TEXT PRIMARY KEY,
    name               TEXT NOT NULL,
    account            TEXT NOT NULL,
    assignments_cursor TEXT,             -- sinceVersionId of the next incremental sync
    users_cursor       TEXT,
    fence              INTEGER NOT NULL DEFAULT 0,
    tracker            TEXT              -- the crate's EventTracker, as JSON
) STRICT;

-- Every sync unit (the three lists under one lease), and every page it stored.
CREATE TABLE sync_runs (
    id          INTEGER PRIMARY KEY,
    uid         TEXT NOT NULL REFERENCES locations(uid),
    fence       INTEGER NOT NULL,
    full        INTEGER NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    complete    INTEGER
) STRICT;
CREATE TABLE page_writes (
    id         INTEGER PRIMARY KEY,
    sync_run   INTEGER NOT NULL REFERENCES sync_runs(id),
    list       TEXT NOT NULL,
    page_index INTEGER NOT NULL,
    pass       INTEGER NOT NULL,
    fence      INTEGER NOT NULL,
    records    INTEGER NOT NULL
) STRICT;

-- Apple's lists. `seen_run` / `seen_pass`: the sync run and pass that last showed the
-- row; a full and complete sync deletes the rows it did not show.
CREATE TABLE assets (
    uid               TEXT NOT NULL REFERENCES locations(uid),
    adam_id           TEXT NOT NULL,
    pricing_param     TEXT NOT NULL,
    product_type      TEXT,
    assigned          INTEGER NOT NULL,
    available         INTEGER NOT NULL,
    retired           INTEGER NOT NULL,
    total             INTEGER NOT NULL,
    device_assignable INTEGER NOT NULL,
    revocable         INTEGER NOT NULL,
    seen_run          INTEGER NOT NULL,
    seen_pass         INTEGER NOT NULL,
    PRIMARY KEY (uid, adam_id, pricing_param)
) STRICT;
-- One of serial_number / client_user_id is '' (a license goes to a device or a user).
CREATE TABLE assignments (
    uid            TEXT NOT NULL REFERENCES locations(uid),
    adam_id        TEXT NOT NULL,
    pricing_param  TEXT NOT NULL,
    serial_number  TEXT NOT NULL,
    client_user_id TEXT NOT NULL,
    seen_run       INTEGER NOT NULL,
    seen_pass      INTEGER NOT NULL,
    PRIMARY KEY (uid, adam_id, pricing_param, serial_number, client_user_id)
) STRICT;
-- Apple may list one clientUserId several times (retired records and one active one):
-- a record is told apart by its invitation code, else its idHash.
CREATE TABLE users (
    uid            TEXT NOT NULL REFERENCES locations(uid),
    client_user_id TEXT NOT NULL,
    record         TEXT NOT NULL,
    email          TEXT,
    status         TEXT,
    invite_code    TEXT,
    id_hash        TEXT,
    seen_run       INTEGER NOT NULL,
    seen_pass      INTEGER NOT NULL,
    PRIMARY KEY (uid, client_user_id, record)
) STRICT;

-- How each license (asset x device or user) of an asynchronous request ended.
CREATE TABLE events (
    uid           TEXT NOT NULL REFERENCES locations(uid),
    event_id      TEXT NOT NULL,
    event_type    TEXT NOT NULL,
    adam_id       TEXT NOT NULL,      -- '' for revoke and user events
    pricing_param TEXT NOT NULL,
    subject_kind  TEXT NOT NULL,      -- 'serial' or 'user'
    subject_id    TEXT NOT NULL,
    result        TEXT NOT NULL,      -- 'succeeded', 'failed' or 'unknown'
    error_number  INTEGER,
    message       TEXT,
    completed_at  TEXT NOT NULL,
    PRIMARY KEY (uid, event_id, adam_id, pricing_param, subject_kind, subject_id)
) STRICT;

-- Every notification handled, once (Apple delivers some more than once).
CREATE TABLE notifications (
    notification_id TEXT PRIMARY KEY,
    uid             TEXT,
    type            TEXT NOT NULL,
    event_id        TEXT,
    received_at     TEXT NOT NULL
) STRICT;

-- migration 2
-- The catalog screen: each asset's name and icon from Apple's metadata services.
ALTER TABLE assets ADD COLUMN name TEXT;
ALTER TABLE assets ADD COLUMN artwork_url TEXT;

-- migration 3
-- What replicas share through this file, as the crate's store traits (`shared.rs`): the
-- notification secrets of each location (the newest two: Apple may still sign with the
-- previous one while a new one is set; they are secrets, like `account`), stored BEFORE
-- the location is subscribed, and the version of the stored event tracker, which every
-- write of it raises (a write over an older version is refused).
CREATE TABLE notification_secrets (
    id     INTEGER PRIMARY KEY,
    uid    TEXT NOT NULL,
    secret TEXT NOT NULL
) STRICT;
ALTER TABLE locations ADD COLUMN tracker_version INTEGER NOT NULL DEFAULT 0;
