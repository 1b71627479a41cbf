-- The work lists read, for every woman of a township, the few fields the
-- lists decide by: from this index alone (no visit to the table's pages,
-- where the township's men and children sit beside them). SQLite steps the
-- same query fast enough from the residence index.
CREATE INDEX persons_women ON persons (residence, birth_date)
    INCLUDE (id, spouse_id, marital_status, contraception, contraception_since,
             pregnant_since, expected_delivery, name)
    WHERE sex = '2' AND status = 'active';
