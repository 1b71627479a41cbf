-- Columns a source file carries beyond the register format, kept as written
-- (a JSON object), never an error and never lost.
ALTER TABLE source_records ADD COLUMN extra TEXT;
