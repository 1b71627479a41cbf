-- Statistics counters (DESIGN.md §3), changed in the same transaction as the
-- events that change them; `renkou stats verify` recounts and compares.

-- Today's counts: per village, and rolled up per county. A region's rows sit
-- together, so an event dirties few pages.
CREATE TABLE stat_stock (
    level       TEXT NOT NULL,       -- village | county
    region_code TEXT NOT NULL,
    indicator   TEXT NOT NULL,       -- pop | hukou | women | members | households | quality
    key         TEXT NOT NULL,       -- the breakdown (pop: sex|birth_year ...)
    n           INTEGER NOT NULL,
    PRIMARY KEY (level, region_code, indicator, key)
) WITHOUT ROWID;

-- What each event changed, per village and the day it took effect.
CREATE TABLE stat_flows (
    region_code    TEXT NOT NULL,
    effective_date TEXT NOT NULL,
    recorded_date  TEXT NOT NULL,    -- China date it was entered: later than the period = late
    kind           TEXT NOT NULL,    -- the event kind
    indicator      TEXT NOT NULL,
    key            TEXT NOT NULL,
    sign           INTEGER NOT NULL, -- +1 counted in, -1 counted out
    other          TEXT NOT NULL,    -- a move's village on the other side ('' = outside)
    n              INTEGER NOT NULL,
    PRIMARY KEY (region_code, effective_date, recorded_date, kind, indicator, key, sign, other)
) WITHOUT ROWID;
CREATE INDEX stat_flows_date ON stat_flows (effective_date, region_code);
-- Registered population is found by hukou region, wherever people live.
CREATE INDEX stat_stock_key ON stat_stock (level, indicator, key);
-- The monthly change list finds the moves out of a village by kind and date.
CREATE INDEX events_kind_date ON events (kind, effective_date);
-- Reports list the regions of one level inside another.
CREATE INDEX regions_level ON regions (level, code);
