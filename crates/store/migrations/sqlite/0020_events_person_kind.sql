-- The work lists read, for each woman of a township, the date of her last
-- IUD check, visit or marriage: one seek each in this index rather than a
-- walk through her whole history.
CREATE INDEX events_person_kind ON events (person_id, kind, effective_date);
