-- The county population counters again, one row per county and sex with the
-- counts in an array indexed by birth year. A province report then reads a
-- few hundred rows instead of ~34,000 (one per county, sex and birth year).
-- It is a projection of stat_stock, kept by the trigger below in the same
-- transaction, like an index: stat_stock stays the record that verify checks.
CREATE TABLE stat_pyramid (
    region_code TEXT COLLATE "C" NOT NULL,  -- the county
    sex         TEXT NOT NULL,              -- GB/T 2261.1 code
    counts      BIGINT[] NOT NULL,          -- subscript = birth year; NULL = none
    PRIMARY KEY (region_code, sex)
) WITH (
    -- Every event rewrites a row of ~1 KB: room on each page for the new
    -- version (a HOT update, pruned on the next read) and a vacuum after
    -- every few thousand updates keep the table at a few pages.
    fillfactor = 20,
    autovacuum_vacuum_scale_factor = 0,
    autovacuum_vacuum_threshold = 2000
);

-- Databases that already hold counters, each array built in one go (NULL
-- where a birth year has no row), before the trigger exists.
INSERT INTO stat_pyramid (region_code, sex, counts)
SELECT b.region_code, b.sex,
       ('[' || b.lo || ':' || b.hi || ']=' ||
        array_agg(s.n ORDER BY y)::TEXT)::BIGINT[]
FROM (SELECT region_code, split_part(key, '|', 1) AS sex,
             min(split_part(key, '|', 2)::INT) AS lo, max(split_part(key, '|', 2)::INT) AS hi
      FROM stat_stock_county WHERE indicator = 'pop' GROUP BY 1, 2) b
CROSS JOIN LATERAL generate_series(b.lo, b.hi) AS y
LEFT JOIN stat_stock_county s
  ON s.indicator = 'pop' AND s.region_code = b.region_code AND s.key = b.sex || '|' || y
GROUP BY b.region_code, b.sex, b.lo, b.hi;

CREATE FUNCTION stat_pyramid_follow() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r stat_stock_county%ROWTYPE;
    v_n BIGINT;
    v_sex TEXT;
    v_born INT;
BEGIN
    IF TG_OP = 'DELETE' THEN
        r := OLD;
        v_n := 0;
    ELSE
        r := NEW;
        v_n := NEW.n;
    END IF;
    v_sex := split_part(r.key, '|', 1);
    v_born := split_part(r.key, '|', 2)::INT;
    INSERT INTO stat_pyramid AS p (region_code, sex, counts)
    VALUES (r.region_code, v_sex, array_fill(v_n, ARRAY[1], ARRAY[v_born]))
    ON CONFLICT (region_code, sex) DO UPDATE SET counts[v_born] = v_n;
    RETURN NULL;
END
$$;

CREATE TRIGGER stat_pyramid_follow_write
    AFTER INSERT OR UPDATE ON stat_stock_county
    FOR EACH ROW WHEN (NEW.indicator = 'pop')
    EXECUTE FUNCTION stat_pyramid_follow();
CREATE TRIGGER stat_pyramid_follow_delete
    AFTER DELETE ON stat_stock_county
    FOR EACH ROW WHEN (OLD.indicator = 'pop')
    EXECUTE FUNCTION stat_pyramid_follow();
