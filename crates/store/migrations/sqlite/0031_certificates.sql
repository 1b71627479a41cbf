-- Only-child parents' certificates (独生子女父母光荣证, issue 16): issued
-- when the county approves an application, numbered per county and year
-- (unique), revoked when the county approves the revocation a second
-- child's birth raised.
CREATE TABLE certificates (
    id            INTEGER PRIMARY KEY,
    number        TEXT NOT NULL UNIQUE,    -- 510104-2026-00001
    county_code   TEXT NOT NULL,
    year          INTEGER NOT NULL,
    sequence      INTEGER NOT NULL,
    case_id       BIGINT NOT NULL UNIQUE,  -- the application
    holder_id     BIGINT NOT NULL,         -- the applicant
    spouse_id     BIGINT,
    child_id      BIGINT NOT NULL,
    issued_at     TEXT NOT NULL,
    issued_by     TEXT NOT NULL,
    revoked_at    TEXT,
    revoked_reason TEXT,
    revocation_case_id BIGINT,
    UNIQUE (county_code, year, sequence)
);
CREATE INDEX certificates_holder ON certificates (holder_id);
CREATE INDEX certificates_spouse ON certificates (spouse_id) WHERE spouse_id IS NOT NULL;
