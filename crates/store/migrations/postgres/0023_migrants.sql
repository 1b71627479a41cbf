-- Migrants (issue 15). Since when a person lives in the county of their
-- residence (or, moved out, outside the province): a migrant's stay is
-- counted from it. Part of the person's projection, set by the events that
-- move them (a move to another county, a move out or back, a migrant's
-- arrival) and empty where the register does not know.
ALTER TABLE persons ADD COLUMN arrived_on DATE;

-- The outflow register of a village: persons registered there, wherever
-- they live (only those registered elsewhere than they live are indexed).
CREATE INDEX persons_registered_away ON persons (hukou_region)
  WHERE hukou_region IS NOT NULL AND hukou_region <> residence;

-- The migrant counters (inflow, outflow) are new: the counters are emptied
-- here and rebuilt from the register when the store is next opened (the
-- county arrays with them, so without their row triggers).
TRUNCATE stat_flows, stat_stock, stat_pyramid, stat_methods;
