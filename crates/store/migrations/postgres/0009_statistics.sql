-- Statistics counters (DESIGN.md §3), changed in the same transaction as the
-- events that change them; `renkou stats verify` recounts and compares.

-- Today's counts: per village, and rolled up per county. A region's rows sit
-- together, so an event dirties few pages.
CREATE TABLE stat_stock (
    level       TEXT NOT NULL,       -- village | county
    region_code TEXT COLLATE "C" NOT NULL,
    indicator   TEXT NOT NULL,       -- pop | hukou | women | members | households | quality
    key         TEXT COLLATE "C" NOT NULL,       -- the breakdown (pop: sex|birth_year ...)
    n           BIGINT NOT NULL,
    PRIMARY KEY (level, region_code, indicator, key)
) PARTITION BY LIST (level);
-- The county roll-up apart: a province report reads a few hundred pages of it.
CREATE TABLE stat_stock_village PARTITION OF stat_stock FOR VALUES IN ('village');
CREATE TABLE stat_stock_county PARTITION OF stat_stock FOR VALUES IN ('county');

-- What each event changed, per village and the day it took effect.
CREATE TABLE stat_flows (
    region_code    TEXT COLLATE "C" NOT NULL,
    effective_date DATE NOT NULL,
    recorded_date  DATE NOT NULL,    -- China date it was entered: later than the period = late
    kind           TEXT NOT NULL,    -- the event kind
    indicator      TEXT NOT NULL,
    key            TEXT NOT NULL,
    sign           SMALLINT NOT NULL, -- +1 counted in, -1 counted out
    other          TEXT NOT NULL,    -- a move's village on the other side ('' = outside)
    n              BIGINT NOT NULL,
    PRIMARY KEY (region_code, effective_date, recorded_date, kind, indicator, key, sign, other)
);
CREATE INDEX stat_flows_date ON stat_flows (effective_date, region_code);
-- Registered population is found by hukou region, wherever people live.
CREATE INDEX stat_stock_key ON stat_stock (level, indicator, key);
-- The monthly change list finds the moves out of a village by kind and date.
CREATE INDEX events_kind_date ON events (kind, effective_date);
-- Reports list the regions of one level inside another.
CREATE INDEX regions_level ON regions (level, code);
