-- The servers' caches (issue 17) are invalidated by the database itself: a
-- committed change to what a cache holds sends a notification on channel
-- `renkou_cache`, delivered to every server at commit (and never for a
-- transaction that rolls back), whoever made the change — a server, the
-- command line or an administrator's SQL. Payloads:
--   accounts         sessions, users, grants or API tokens changed
--   regions          the region table changed
--   county:<6 digits> the register or the counters of that county changed
-- Identical notifications of one transaction are delivered once.

CREATE FUNCTION renkou_notify_accounts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('renkou_cache', 'accounts');
    RETURN NULL;
END $$;

-- A new session changes no cached one; its end does, and any change of a
-- grant or a token, or of a user's name, password or status (not the
-- failed-login count each login writes).
CREATE TRIGGER sessions_notify AFTER UPDATE OR DELETE ON sessions
    FOR EACH STATEMENT EXECUTE FUNCTION renkou_notify_accounts();
CREATE TRIGGER users_notify AFTER INSERT OR DELETE OR UPDATE OF username, display_name, password_hash, status ON users
    FOR EACH STATEMENT EXECUTE FUNCTION renkou_notify_accounts();
CREATE TRIGGER grants_notify AFTER INSERT OR UPDATE OR DELETE ON grants
    FOR EACH STATEMENT EXECUTE FUNCTION renkou_notify_accounts();
CREATE TRIGGER api_tokens_notify AFTER INSERT OR UPDATE OR DELETE ON api_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION renkou_notify_accounts();

CREATE FUNCTION renkou_notify_regions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('renkou_cache', 'regions');
    RETURN NULL;
END $$;
CREATE TRIGGER regions_notify AFTER INSERT OR UPDATE OR DELETE ON regions
    FOR EACH STATEMENT EXECUTE FUNCTION renkou_notify_regions();

-- The counties a statement touched, from its transition tables: every
-- change of a person, a household or an event, and every counter change
-- (a move changes the counters of the county left behind too). The trigger
-- names the column holding the region code (persons live in `residence`).
CREATE FUNCTION renkou_notify_counties() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    county TEXT;
    changed TEXT := CASE TG_OP
        WHEN 'INSERT' THEN 'SELECT %1$I AS code FROM new_rows'
        WHEN 'DELETE' THEN 'SELECT %1$I AS code FROM old_rows'
        ELSE 'SELECT %1$I AS code FROM new_rows UNION ALL SELECT %1$I FROM old_rows'
    END;
BEGIN
    FOR county IN EXECUTE format(
        'SELECT DISTINCT substr(code, 1, 6) FROM (' || changed || ') changed', TG_ARGV[0])
    LOOP
        PERFORM pg_notify('renkou_cache', 'county:' || county);
    END LOOP;
    RETURN NULL;
END $$;

CREATE TRIGGER persons_notify_inserted AFTER INSERT ON persons REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION renkou_notify_counties('residence');
CREATE TRIGGER persons_notify_updated AFTER UPDATE ON persons REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION renkou_notify_counties('residence');
CREATE TRIGGER persons_notify_deleted AFTER DELETE ON persons REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION renkou_notify_counties('residence');
CREATE TRIGGER households_notify_inserted AFTER INSERT ON households REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION renkou_notify_counties('region_code');
CREATE TRIGGER households_notify_updated AFTER UPDATE ON households REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION renkou_notify_counties('region_code');
CREATE TRIGGER households_notify_deleted AFTER DELETE ON households REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION renkou_notify_counties('region_code');
CREATE TRIGGER events_notify_inserted AFTER INSERT ON events REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION renkou_notify_counties('region_code');
CREATE TRIGGER stat_stock_notify_inserted AFTER INSERT ON stat_stock REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION renkou_notify_counties('region_code');
CREATE TRIGGER stat_stock_notify_updated AFTER UPDATE ON stat_stock REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION renkou_notify_counties('region_code');
CREATE TRIGGER stat_stock_notify_deleted AFTER DELETE ON stat_stock REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION renkou_notify_counties('region_code');
