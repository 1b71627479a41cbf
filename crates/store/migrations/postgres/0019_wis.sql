-- Women of childbearing age (WIS, issue 14).
--
-- A grant opens subsystems (NULL: the role's own): the family-planning
-- records are read only under a grant that opens 'wis'.
ALTER TABLE grants ADD COLUMN subsystems TEXT;

-- The woman's current family-planning state is part of the person's
-- projection, changed only by her events like every other field: the
-- current method and since when, an open pregnancy (last menstrual period
-- and expected delivery), and for a child the birth order among the
-- mother's live births.
ALTER TABLE persons ADD COLUMN contraception TEXT;
ALTER TABLE persons ADD COLUMN contraception_since DATE;
ALTER TABLE persons ADD COLUMN pregnant_since DATE;
ALTER TABLE persons ADD COLUMN expected_delivery DATE;
ALTER TABLE persons ADD COLUMN birth_order BIGINT;

-- What an event records beyond the fields it changes (a check's result, the
-- facility, the outcome of a pregnancy), as JSON.
ALTER TABLE events ADD COLUMN details JSONB;

-- A mother's children: the birth order of a newborn, the card's children.
CREATE INDEX persons_mother ON persons (mother_id) WHERE mother_id IS NOT NULL;
