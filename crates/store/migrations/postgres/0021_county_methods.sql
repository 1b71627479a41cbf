-- The contraception report at province level reads, per county, the
-- married women of each method by birth year, summed over the 35 birth
-- years of 15–49: one array per county and method here (like stat_pyramid,
-- migration 0010) instead of ~150 rows per county. A projection of
-- stat_stock, kept by the trigger below in the same transaction.
CREATE TABLE stat_methods (
    region_code TEXT COLLATE "C" NOT NULL,  -- the county
    method      TEXT NOT NULL,              -- project-local method code ('00' none)
    counts      BIGINT[] NOT NULL,          -- subscript = birth year; NULL = none
    PRIMARY KEY (region_code, method)
) WITH (
    fillfactor = 20,
    autovacuum_vacuum_scale_factor = 0,
    autovacuum_vacuum_threshold = 2000
);

INSERT INTO stat_methods (region_code, method, counts)
SELECT b.region_code, b.method,
       ('[' || b.lo || ':' || b.hi || ']=' ||
        array_agg(s.n ORDER BY y)::TEXT)::BIGINT[]
FROM (SELECT region_code, split_part(key, '|', 2) AS method,
             min(split_part(key, '|', 1)::INT) AS lo, max(split_part(key, '|', 1)::INT) AS hi
      FROM stat_stock_county WHERE indicator = 'contraception' GROUP BY 1, 2) b
CROSS JOIN LATERAL generate_series(b.lo, b.hi) AS y
LEFT JOIN stat_stock_county s
  ON s.indicator = 'contraception' AND s.region_code = b.region_code
 AND s.key = y || '|' || b.method
GROUP BY b.region_code, b.method, b.lo, b.hi;

CREATE FUNCTION stat_methods_follow() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r stat_stock_county%ROWTYPE;
    v_n BIGINT;
    v_born INT;
    v_method TEXT;
BEGIN
    IF TG_OP = 'DELETE' THEN
        r := OLD;
        v_n := 0;
    ELSE
        r := NEW;
        v_n := NEW.n;
    END IF;
    v_born := split_part(r.key, '|', 1)::INT;
    v_method := split_part(r.key, '|', 2);
    INSERT INTO stat_methods AS m (region_code, method, counts)
    VALUES (r.region_code, v_method, array_fill(v_n, ARRAY[1], ARRAY[v_born]))
    ON CONFLICT (region_code, method) DO UPDATE SET counts[v_born] = v_n;
    RETURN NULL;
END
$$;

CREATE TRIGGER stat_methods_follow_write
    AFTER INSERT OR UPDATE ON stat_stock_county
    FOR EACH ROW WHEN (NEW.indicator = 'contraception')
    EXECUTE FUNCTION stat_methods_follow();
CREATE TRIGGER stat_methods_follow_delete
    AFTER DELETE ON stat_stock_county
    FOR EACH ROW WHEN (OLD.indicator = 'contraception')
    EXECUTE FUNCTION stat_methods_follow();
