-- Audit entries written inside the transaction of the change they record.
-- The group-commit writer chains them into audit_log and deletes them here,
-- so a change committed is a change audited, even if the server dies before
-- answering.
CREATE TABLE audit_pending (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    person_id INTEGER,
    detail    TEXT NOT NULL,
    address   TEXT
);

-- Entries chained with a keyed hash (HMAC-SHA256, the key outside the database).
ALTER TABLE audit_log ADD COLUMN keyed BOOLEAN NOT NULL DEFAULT FALSE;

-- The first answer to a write sent with an Idempotency-Key, per caller:
-- a retry with the same key gets it again instead of a second change.
CREATE TABLE idempotency_keys (
    actor        TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    response     TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (actor, key)
) WITHOUT ROWID;

-- Login attempts per user name (existing or not) and per network address,
-- counted before the password is checked.
CREATE TABLE login_throttle (
    key          TEXT PRIMARY KEY,
    attempts     BIGINT NOT NULL,
    locked_until TEXT
);
