-- Append-only audit log, chained by hash: each entry's hash covers its fields
-- and the previous entry's hash, so an altered or deleted entry breaks the chain.
CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    person_id INTEGER,
    detail    TEXT NOT NULL,
    address   TEXT,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE INDEX audit_person ON audit_log (person_id);
CREATE INDEX audit_actor ON audit_log (actor);
