-- PostgreSQL's migration 0027 adds functions for look-ups by a list of
-- keys; SQLite's json_each needs none. Kept so both engines number alike.
SELECT 1;
