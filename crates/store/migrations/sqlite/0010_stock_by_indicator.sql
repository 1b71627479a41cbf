-- The stock counters ordered by indicator before region: a report reads one
-- indicator over a range of regions (a province report: the ~34,000 county
-- rows of `pop`), which this order makes one contiguous run of the table
-- instead of a run over every indicator of those regions, filtered.
CREATE TABLE stat_stock_by_indicator (
    level       TEXT NOT NULL,
    region_code TEXT NOT NULL,
    indicator   TEXT NOT NULL,
    key         TEXT NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (level, indicator, region_code, key)
) WITHOUT ROWID;
INSERT INTO stat_stock_by_indicator (level, region_code, indicator, key, n)
SELECT level, region_code, indicator, key, n FROM stat_stock ORDER BY level, indicator, region_code, key;
DROP TABLE stat_stock;
ALTER TABLE stat_stock_by_indicator RENAME TO stat_stock;
CREATE INDEX stat_stock_key ON stat_stock (level, indicator, key);
