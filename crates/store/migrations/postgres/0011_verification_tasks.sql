-- Each finding of a reconciliation against the registry is a task for the
-- village it concerns (核查任务). A finding is identified by its source,
-- kind, person, record and field: raising it again (a newer extract of the
-- same source) finds it there, open or resolved, and adds nothing.
CREATE TABLE verification_tasks (
    id             BIGSERIAL PRIMARY KEY,
    source         TEXT NOT NULL,
    kind           TEXT NOT NULL,  -- missing_in_registry | missing_in_source | conflict | deceased | duplicate
    region_code    TEXT COLLATE "C" NOT NULL,  -- the village that verifies it
    person_id      BIGINT NOT NULL DEFAULT 0,   -- the registry's person (0 = none)
    record_id      TEXT NOT NULL DEFAULT '',    -- the source's record ('' = none)
    field          TEXT NOT NULL DEFAULT '',    -- for a conflict
    registry_value TEXT,
    source_value   TEXT,
    status         TEXT NOT NULL DEFAULT 'open',  -- open | resolved
    resolution     TEXT,          -- keep_registry | correct | record_death
    reason         TEXT,          -- the verifier's own words
    resolved_by    TEXT,
    resolved_at    TIMESTAMPTZ,
    raised_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (source, kind, person_id, record_id, field)
);
CREATE INDEX verification_tasks_region ON verification_tasks (region_code, status);
