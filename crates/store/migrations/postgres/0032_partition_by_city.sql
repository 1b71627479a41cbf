-- Partitioning by city (issue 17, DESIGN.md §1): persons, households, events
-- and the village counters are range-partitioned on their region code, one
-- partition per city (the codes' first four digits), so that a region's
-- queries read only its city's tables and a city can later move to a server
-- of its own. Rows of a city that has no partition yet wait in a DEFAULT
-- partition; `renkou_city_partitions` gives a city its partitions (moving
-- those rows) when an import brings its first residents and after every
-- bulk change (re-zoning). Partitions follow residents rather than the
-- region table, which names all 342 cities of China for the migrants' home
-- places while a province's register lives in a score of them.
--
-- A partitioned table's unique indexes must hold the partition key, so the
-- two province-wide unique numbers move to tables of their own, kept by
-- statement triggers in the same statement (and transaction) as the rows:
-- the identity number of a living person and the household number.
-- An existing database is converted here, in one transaction.

-- Gives each listed city (4-digit prefix; NULL: every city that has rows
-- waiting in a default partition) its partitions; returns how many cities
-- got them. Serialised by an advisory lock: two imports may race for a city.
CREATE FUNCTION renkou_city_partitions(cities TEXT[] DEFAULT NULL) RETURNS INTEGER
LANGUAGE plpgsql AS $$
DECLARE
    city TEXT;
    made INTEGER := 0;
    t RECORD;
    part TEXT;
    high TEXT;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('renkou_city_partitions'));
    IF cities IS NULL THEN
        SELECT array_agg(DISTINCT c) INTO cities FROM (
            SELECT substr(residence, 1, 4) AS c FROM persons_default
            UNION SELECT substr(region_code, 1, 4) FROM households_default
            UNION SELECT substr(region_code, 1, 4) FROM events_default
            UNION SELECT substr(region_code, 1, 4) FROM stat_flows_default
            UNION SELECT substr(region_code, 1, 4) FROM stat_stock_village_default
        ) waiting;
    END IF;
    FOREACH city IN ARRAY coalesce(cities, '{}') LOOP
        -- Only a city of the region table: never a province (xx00) or a stray
        -- value (an import's rejected row names any code).
        CONTINUE WHEN city !~ '^[0-9]{2}(0[1-9]|[1-9][0-9])$'
            OR NOT EXISTS (SELECT 1 FROM regions WHERE code = city || '00000000');
        CONTINUE WHEN to_regclass('persons_c' || city) IS NOT NULL;
        high := lpad(((city::INTEGER) + 1)::TEXT, 4, '0');
        FOR t IN SELECT * FROM (VALUES
            ('persons', 'residence'), ('households', 'region_code'), ('events', 'region_code'),
            ('stat_flows', 'region_code'), ('stat_stock_village', 'region_code')) AS v(tab, col)
        LOOP
            part := t.tab || '_c' || city;
            EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING GENERATED)', part, t.tab);
            EXECUTE format(
                'WITH moved AS (DELETE FROM %I WHERE %I >= %L AND %I < %L RETURNING *) INSERT INTO %I SELECT * FROM moved',
                t.tab || '_default', t.col, city, t.col, high, part);
            EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                t.tab, part, city, high);
        END LOOP;
        made := made + 1;
    END LOOP;
    RETURN made;
END $$;

-- Sets one table aside (as `<name>_flat`) and creates it again with the same
-- columns, defaults and identity, partitioned on `col`, with a default
-- partition and the primary key, which now holds the partition column.
CREATE FUNCTION renkou_partition_table(tab TEXT, col TEXT, key_columns TEXT) RETURNS VOID
LANGUAGE plpgsql AS $$
DECLARE
    flat TEXT := tab || '_flat';
BEGIN
    EXECUTE format('ALTER TABLE %I RENAME TO %I', tab, flat);
    EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING GENERATED) PARTITION BY RANGE (%I)',
        tab, flat, col);
    EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I PRIMARY KEY (%s)', tab, tab || '_by_city_pkey', key_columns);
    EXECUTE format('CREATE TABLE %I PARTITION OF %I DEFAULT', tab || '_default', tab);
END $$;

-- The conversion ---------------------------------------------------------
ALTER SEQUENCE persons_id_seq OWNED BY NONE;
CREATE TEMPORARY TABLE index_definitions AS
    SELECT pg_get_indexdef(x.indexrelid) AS definition, c.relname::text AS tab
      FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid
     WHERE c.relname IN ('persons', 'households', 'events', 'stat_flows')
       AND NOT x.indisunique AND NOT x.indisprimary;
CREATE TEMPORARY TABLE identity_tops AS
    SELECT 'households' AS tab, coalesce(max(id), 0) AS top FROM households
    UNION ALL SELECT 'events', coalesce(max(id), 0) FROM events;

SELECT renkou_partition_table('persons', 'residence', 'id, residence');
SELECT renkou_partition_table('households', 'region_code', 'id, region_code');
SELECT renkou_partition_table('events', 'region_code', 'id, region_code');
SELECT renkou_partition_table('stat_flows', 'region_code',
    'region_code, effective_date, recorded_date, kind, indicator, key, sign, other');

-- The village counters are a partition of stat_stock already (by level):
-- that partition is partitioned again, by city.
ALTER TABLE stat_stock DETACH PARTITION stat_stock_village;
ALTER TABLE stat_stock_village RENAME TO stat_stock_village_flat;
CREATE TABLE stat_stock_village (LIKE stat_stock_village_flat INCLUDING DEFAULTS)
    PARTITION BY RANGE (region_code);
ALTER TABLE stat_stock ATTACH PARTITION stat_stock_village FOR VALUES IN ('village');
CREATE TABLE stat_stock_village_default PARTITION OF stat_stock_village DEFAULT;

SELECT renkou_city_partitions(ARRAY(
    SELECT DISTINCT substr(residence, 1, 4) FROM persons_flat
    UNION SELECT DISTINCT substr(region_code, 1, 4) FROM households_flat
    UNION SELECT DISTINCT substr(region_code, 1, 4) FROM events_flat));

INSERT INTO persons SELECT * FROM persons_flat;
INSERT INTO households SELECT * FROM households_flat;
INSERT INTO events SELECT * FROM events_flat;
INSERT INTO stat_flows SELECT * FROM stat_flows_flat;
INSERT INTO stat_stock_village SELECT * FROM stat_stock_village_flat;
DROP TABLE persons_flat, households_flat, events_flat, stat_flows_flat, stat_stock_village_flat;

-- The identity numbers of living persons (neither dead nor merged), unique
-- province-wide as the old partial unique index kept them; its name stays.
CREATE TABLE living_id_numbers (
    id_number TEXT COLLATE "C" NOT NULL,
    person_id BIGINT NOT NULL,
    CONSTRAINT persons_living_id_number PRIMARY KEY (id_number)
);
CREATE TABLE household_numbers (
    household_no TEXT COLLATE "C" NOT NULL,
    household_id BIGINT NOT NULL,
    CONSTRAINT households_household_no_key PRIMARY KEY (household_no)
);

INSERT INTO living_id_numbers (id_number, person_id)
    SELECT id_number, id FROM persons WHERE id_number IS NOT NULL AND status NOT IN ('dead', 'merged');
INSERT INTO household_numbers (household_no, household_id) SELECT household_no, id FROM households;
ALTER SEQUENCE persons_id_seq OWNED BY persons.id;
SELECT setval(pg_get_serial_sequence(tab, 'id'), greatest(top, 1), top > 0) FROM identity_tops;

DO $$
DECLARE d TEXT;
BEGIN
    FOR d IN SELECT definition FROM index_definitions LOOP
        EXECUTE d;
    END LOOP;
END $$;
-- Living persons are still found by identity number in each partition.
CREATE INDEX persons_living_id_number_lookup ON persons (id_number) WHERE status NOT IN ('dead', 'merged');
CREATE INDEX households_number ON households (household_no);
DROP TABLE index_definitions, identity_tops;
DROP FUNCTION renkou_partition_table(TEXT, TEXT, TEXT);

-- The unique numbers follow the rows, statement by statement (a COPY of a
-- whole import fires each once).
CREATE FUNCTION persons_claim_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO living_id_numbers (id_number, person_id)
        SELECT id_number, id FROM new_rows WHERE id_number IS NOT NULL AND status NOT IN ('dead', 'merged');
    RETURN NULL;
END $$;
CREATE FUNCTION persons_claim_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM living_id_numbers c USING old_rows o JOIN new_rows n ON n.id = o.id
     WHERE c.id_number = o.id_number AND c.person_id = o.id
       AND (n.id_number IS DISTINCT FROM o.id_number OR n.status IN ('dead', 'merged'));
    INSERT INTO living_id_numbers (id_number, person_id)
        SELECT n.id_number, n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
         WHERE n.id_number IS NOT NULL AND n.status NOT IN ('dead', 'merged')
           AND (o.id_number IS DISTINCT FROM n.id_number OR o.status IN ('dead', 'merged'));
    RETURN NULL;
END $$;
CREATE FUNCTION persons_claim_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM living_id_numbers c USING old_rows o WHERE c.id_number = o.id_number AND c.person_id = o.id;
    RETURN NULL;
END $$;
CREATE TRIGGER persons_claim_inserted AFTER INSERT ON persons
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION persons_claim_inserted();
CREATE TRIGGER persons_claim_updated AFTER UPDATE ON persons
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION persons_claim_updated();
CREATE TRIGGER persons_claim_deleted AFTER DELETE ON persons
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION persons_claim_deleted();

CREATE FUNCTION households_claim_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO household_numbers (household_no, household_id) SELECT household_no, id FROM new_rows;
    RETURN NULL;
END $$;
CREATE FUNCTION households_claim_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM household_numbers c USING old_rows o JOIN new_rows n ON n.id = o.id
     WHERE c.household_no = o.household_no AND n.household_no <> o.household_no;
    INSERT INTO household_numbers (household_no, household_id)
        SELECT n.household_no, n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
         WHERE n.household_no <> o.household_no;
    RETURN NULL;
END $$;
CREATE FUNCTION households_claim_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM household_numbers c USING old_rows o WHERE c.household_no = o.household_no;
    RETURN NULL;
END $$;
CREATE TRIGGER households_claim_inserted AFTER INSERT ON households
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION households_claim_inserted();
CREATE TRIGGER households_claim_updated AFTER UPDATE ON households
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION households_claim_updated();
CREATE TRIGGER households_claim_deleted AFTER DELETE ON households
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION households_claim_deleted();

ANALYZE persons;
ANALYZE households;
ANALYZE events;
ANALYZE stat_flows;
ANALYZE stat_stock;
