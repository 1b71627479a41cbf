-- A duplicate merged into another record keeps its row, with status
-- 'merged': it no longer holds its identity number, and the survivor may
-- take that number over.
DROP INDEX persons_living_id_number;
DROP INDEX persons_dead_id_number;
CREATE UNIQUE INDEX persons_living_id_number ON persons (id_number) WHERE status NOT IN ('dead', 'merged');
CREATE INDEX persons_dead_id_number ON persons (id_number) WHERE status IN ('dead', 'merged');

-- Which record each merged one was folded into, while the merge stands
-- (an unmerge deletes the row; both events stay in the history).
CREATE TABLE person_merges (
    merged_id   BIGINT PRIMARY KEY,
    survivor_id BIGINT NOT NULL,
    merged_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX person_merges_survivor ON person_merges (survivor_id);

-- The source's record a task is about, as the linkage engine read it (JSON),
-- so that a person missing from the registry can be entered from it.
ALTER TABLE verification_tasks ADD COLUMN source_record TEXT;

-- What the last reconciliation of a source with a region settled, so that a
-- newer extract compares only what changed: the weights the first run
-- learned (JSON), and for each source record its fingerprint, the registry
-- person it matched (0 = nobody) and that person's fingerprint, packed in
-- one value (see store/src/reconcile_state.rs): read and written whole, in
-- one statement, a million records at a time.
CREATE TABLE reconciliation_state (
    source  TEXT COLLATE "C" NOT NULL,
    scope   TEXT COLLATE "C" NOT NULL,
    model   TEXT NOT NULL,
    records BYTEA NOT NULL,
    PRIMARY KEY (source, scope)
);
