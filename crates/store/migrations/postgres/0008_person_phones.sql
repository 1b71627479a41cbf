-- Contact phone numbers, apart from the register record: they change often,
-- carry no history of their own (the audit log records each change), and
-- are shown masked to roles that do not see them whole.
CREATE TABLE person_phones (
    person_id  BIGINT PRIMARY KEY,
    phone      TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    updated_by TEXT NOT NULL
);
