-- Cases (办件, issue 15): work handed from one office to another, step by
-- step, with a deadline and escalation to the level above. The first kind
-- is the migrant notice (流动人口信息交换): opened where a migrant is
-- registered, in the arrival's own transaction, for the place of
-- registration. A case sent from outside carries the sender's message id,
-- unique per sender: a message delivered twice is opened once.
CREATE TABLE cases (
    id            BIGSERIAL PRIMARY KEY,
    kind          TEXT NOT NULL,
    source        TEXT NOT NULL,           -- who sent it: a form, a register, a department
    external_id   TEXT,                    -- the sender's message id (NULL: opened here)
    person_id     BIGINT NOT NULL,         -- the person of the register it is about
    sender_region TEXT COLLATE "C" NOT NULL,          -- the office that sent it (its outbox)
    recipient_region TEXT COLLATE "C" NOT NULL,       -- the office it was sent to
    owner_region  TEXT COLLATE "C" NOT NULL,          -- the office that has it now (its inbox)
    state         TEXT NOT NULL,           -- the last step but escalation
    confidence    DOUBLE PRECISION,                    -- of the match to the person
    inside_province BOOLEAN NOT NULL,
    opened_at     TIMESTAMPTZ NOT NULL,
    due_at        TIMESTAMPTZ,                   -- NULL once handled
    closed_at     TIMESTAMPTZ,
    escalations   INTEGER NOT NULL DEFAULT 0,
    facts         JSONB,                   -- JSON: what the sender said
    reply         JSONB,                   -- JSON: what the recipient answered
    UNIQUE (source, external_id)
);
CREATE INDEX cases_owner ON cases (owner_region, state);
CREATE INDEX cases_sender ON cases (sender_region, state);
CREATE INDEX cases_recipient ON cases (recipient_region, opened_at);
CREATE INDEX cases_due ON cases (due_at) WHERE due_at IS NOT NULL;
CREATE INDEX cases_person ON cases (person_id);

-- Every step: who took it, at which office, when, and what they said.
CREATE TABLE case_steps (
    id          BIGSERIAL PRIMARY KEY,
    case_id     BIGINT NOT NULL REFERENCES cases (id),
    step        TEXT NOT NULL,
    region_code TEXT NOT NULL,
    actor       TEXT NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    note        TEXT
);
CREATE INDEX case_steps_case ON case_steps (case_id, id);
