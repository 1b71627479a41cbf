-- Living residents per region as one counter (indicator `living`), so that
-- a home page reads one row per village instead of summing every
-- `sex|birth_year` key of the population counter. Filled from that counter.
INSERT INTO stat_stock (level, region_code, indicator, key, n)
SELECT level, region_code, 'living', '', SUM(n) FROM stat_stock
WHERE indicator = 'pop' GROUP BY level, region_code HAVING SUM(n) <> 0;
-- The flows of one kind in a region over a period (births and deaths this
-- year): equality on indicator and kind, then the region and date ranges.
-- Without it a prepared (generic) plan scans the whole province's flows of
-- the period by date and filters the region.
CREATE INDEX stat_flows_by_kind ON stat_flows (indicator, kind, region_code, effective_date);
-- Statistics for the new rows now, not when autovacuum comes round: until
-- then the planner would take the by-indicator index for `living` and scan
-- the province.
ANALYZE stat_stock;
ANALYZE stat_flows;
