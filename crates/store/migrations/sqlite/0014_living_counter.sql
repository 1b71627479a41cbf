-- Living residents per region as one counter (indicator `living`), so that
-- a home page reads one row per village instead of summing every
-- `sex|birth_year` key of the population counter. Filled from that counter.
INSERT INTO stat_stock (level, region_code, indicator, key, n)
SELECT level, region_code, 'living', '', SUM(n) FROM stat_stock
WHERE indicator = 'pop' GROUP BY level, region_code HAVING SUM(n) <> 0;
