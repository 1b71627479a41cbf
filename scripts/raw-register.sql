-- The raw engine's side of the import benchmarks (bench-core.sh,
-- bench-scale.sh): the register CSV's columns in a plain table with the
-- indexes the register has — record id (unique per source), identity
-- number, region, household number.
CREATE TABLE register (record_id TEXT, id_number TEXT, name TEXT, sex TEXT, birth_date TEXT,
  ethnicity TEXT, region_code TEXT, household_no TEXT, relation TEXT, hukou_type TEXT, status TEXT, death_date TEXT);
CREATE UNIQUE INDEX register_record ON register (record_id);
CREATE INDEX register_id_number ON register (id_number);
CREATE INDEX register_region ON register (region_code);
CREATE INDEX register_household ON register (household_no);
