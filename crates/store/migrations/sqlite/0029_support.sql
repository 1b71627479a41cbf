-- Reward and special support (奖励扶助 / 特别扶助, issue 16).
--
-- Disability certificates as the disabled persons' federation (残联)
-- registers them: the special support reads a child's grade (1–3 pays).
CREATE TABLE disabilities (
    person_id      BIGINT PRIMARY KEY,
    grade          INTEGER NOT NULL CHECK (grade BETWEEN 1 AND 4),
    certificate_no TEXT,
    certified_on   TEXT,
    source         TEXT NOT NULL,
    recorded_at    TEXT NOT NULL
);

-- A father's children, as the mother's are found by persons_mother.
CREATE INDEX persons_father ON persons (father_id) WHERE father_id IS NOT NULL;

-- A yearly roll of a program for a region, kept once made: who was
-- included (with the reason and amount), the counts of every reason (both
-- ways), and where its review stands (the case that carries it).
CREATE TABLE support_rolls (
    id            INTEGER PRIMARY KEY,
    program       TEXT NOT NULL,
    year          INTEGER NOT NULL,
    region_code   TEXT NOT NULL,
    made_at       TEXT NOT NULL,
    made_by       TEXT NOT NULL,
    considered    BIGINT NOT NULL,
    eligible      BIGINT NOT NULL,
    total_amount  BIGINT NOT NULL,
    reasons       TEXT NOT NULL,           -- JSON: [{eligible, reason, count}]
    case_id       BIGINT,
    UNIQUE (program, year, region_code)
);

-- The persons included, and the persons of last year's roll now excluded
-- (eligible false), each with the reason: the changes since last year.
CREATE TABLE support_roll_entries (
    roll_id   BIGINT NOT NULL REFERENCES support_rolls (id),
    person_id BIGINT NOT NULL,
    eligible  BOOLEAN NOT NULL,
    reason    TEXT NOT NULL,
    amount    BIGINT NOT NULL,
    PRIMARY KEY (roll_id, person_id)
);
