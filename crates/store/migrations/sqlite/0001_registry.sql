-- Registry core: regions, households, persons, their events, and imports.
-- Codes are TEXT (leading zeros matter); dates are ISO TEXT.

CREATE TABLE regions (
    code        TEXT PRIMARY KEY,        -- 12-digit statistical division code
    name        TEXT NOT NULL,
    level       TEXT NOT NULL,           -- province | city | county | township | village
    parent      TEXT,
    valid_from  TEXT,                    -- NULL: valid since the table was loaded
    valid_to    TEXT,                    -- NULL: still valid; else the day it was retired
    replaced_by TEXT                     -- the code that took over on valid_to
) WITHOUT ROWID;
CREATE INDEX regions_parent ON regions (parent);

CREATE TABLE households (
    id           INTEGER PRIMARY KEY,
    household_no TEXT NOT NULL UNIQUE,
    region_code  TEXT NOT NULL,
    address      TEXT,
    kind         TEXT NOT NULL DEFAULT 'family',   -- family | collective
    head_id      INTEGER
);
CREATE INDEX households_region ON households (region_code);

CREATE TABLE persons (
    id             INTEGER PRIMARY KEY,
    id_number      TEXT,
    name           TEXT NOT NULL,
    sex            TEXT NOT NULL,
    birth_date     TEXT NOT NULL,
    ethnicity      TEXT,
    residence      TEXT NOT NULL,
    hukou_region   TEXT,
    hukou_type     TEXT,
    household_id   INTEGER,
    relation       TEXT,
    marital_status TEXT,
    education      TEXT,
    status         TEXT NOT NULL,          -- active | dead | moved_out
    death_date     TEXT,
    mother_id      INTEGER,
    father_id      INTEGER,
    spouse_id      INTEGER,
    updated_at     TEXT NOT NULL
);
-- No two living persons share an identity number; the dead keep theirs.
CREATE UNIQUE INDEX persons_living_id_number ON persons (id_number) WHERE status <> 'dead';
CREATE INDEX persons_dead_id_number ON persons (id_number) WHERE status = 'dead';
CREATE INDEX persons_residence ON persons (residence);
CREATE INDEX persons_household ON persons (household_id);

CREATE TABLE events (
    id             INTEGER PRIMARY KEY,
    person_id      INTEGER NOT NULL,
    kind           TEXT NOT NULL,
    effective_date TEXT NOT NULL,
    recorded_at    TEXT NOT NULL,
    recorder       TEXT NOT NULL,
    source         TEXT NOT NULL,
    region_code    TEXT NOT NULL,          -- the person's residence after the event
    related_id     INTEGER,
    changes        TEXT NOT NULL,          -- JSON list of {field, from, to}
    note           TEXT
);
CREATE INDEX events_person ON events (person_id, id);
CREATE INDEX events_region_date ON events (region_code, effective_date);

CREATE TABLE imports (
    id          INTEGER PRIMARY KEY,
    source      TEXT NOT NULL,
    file        TEXT NOT NULL,
    file_sha256 TEXT NOT NULL,
    recorder    TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    inserted    INTEGER NOT NULL,
    updated     INTEGER NOT NULL,
    unchanged   INTEGER NOT NULL,
    rejected    INTEGER NOT NULL
);

-- Which person each record of each source is; the hash spots changed records.
CREATE TABLE source_records (
    source    TEXT NOT NULL,
    record_id TEXT NOT NULL,
    person_id INTEGER NOT NULL,
    row_hash  TEXT NOT NULL,
    PRIMARY KEY (source, record_id)
) WITHOUT ROWID;

-- Rows an import could not take, kept whole until someone corrects them.
CREATE TABLE pending_records (
    id         INTEGER PRIMARY KEY,
    source     TEXT NOT NULL,
    import_id  INTEGER NOT NULL,
    file       TEXT NOT NULL,
    line       INTEGER NOT NULL,
    record_id  TEXT,
    raw        TEXT NOT NULL,             -- JSON object of the row as written
    errors     TEXT NOT NULL,             -- JSON list of {line, column, value, reason}
    row_hash   TEXT NOT NULL,
    status     TEXT NOT NULL DEFAULT 'open',
    UNIQUE (source, row_hash)
);
