-- Cases of the family-planning services (issue 16): a case names every
-- person it is about (a couple) in case_subjects, beside cases.person_id
-- (its main person; 0 for a case about a region, as a yearly support roll
-- under review, like a notice from outside not yet matched), and carries
-- the documents handed in (case_documents).
-- An office's list of open cases by deadline.
CREATE INDEX cases_owner_due ON cases (owner_region, due_at) WHERE due_at IS NOT NULL;

CREATE TABLE case_subjects (
    case_id   BIGINT NOT NULL REFERENCES cases (id),
    person_id BIGINT NOT NULL,
    role      TEXT NOT NULL,               -- applicant, spouse, child …
    PRIMARY KEY (case_id, person_id)
);
CREATE INDEX case_subjects_person ON case_subjects (person_id);

CREATE TABLE case_documents (
    id          INTEGER PRIMARY KEY,
    case_id     BIGINT NOT NULL REFERENCES cases (id),
    name        TEXT NOT NULL,             -- what the document is (结婚证 …)
    file_name   TEXT NOT NULL,
    content_type TEXT NOT NULL,
    bytes       BLOB NOT NULL,
    sha256      TEXT NOT NULL,
    added_by    TEXT NOT NULL,
    added_at    TEXT NOT NULL,
    checked_by  TEXT,                      -- who checked it against the original
    checked_at  TEXT
);
CREATE INDEX case_documents_case ON case_documents (case_id, id);
