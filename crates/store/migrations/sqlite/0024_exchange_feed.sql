-- The exchange feed (issue 15) reads events in id order: SQLite has one
-- writer at a time, so ids are handed out in the order transactions commit
-- and the primary key serves the feed. Nothing to add (PostgreSQL adds the
-- writing transaction's id, see its migration 0024).
SELECT 1;
