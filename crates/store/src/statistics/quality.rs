//! Data-quality checks in SQL: the condition each check puts on a person
//! row `p`, for the lists behind a quality report's counts, and the counts of
//! the checks that compare two records (the others are counters).

use renkou_domain::Field;
use renkou_domain::quality::Check;

/// The column a required field is stored in.
fn column(field: Field) -> &'static str {
    match field {
        Field::IdNumber => "id_number",
        Field::Ethnicity => "ethnicity",
        Field::HukouRegion => "hukou_region",
        Field::HukouType => "hukou_type",
        Field::Household => "household_id",
        Field::Relation => "relation",
        Field::MaritalStatus => "marital_status",
        Field::Education => "education",
        // Never required: no row fails.
        _ => "id",
    }
}

/// The SQL condition on `p` (a living person) that the check finds. The
/// other record a comparing check looks at is only one living in the range
/// `[low, high)` (placeholders of the query), so that a list never tells of
/// a record outside the reader's regions.
pub(crate) fn condition(check: Check, low: &str, high: &str) -> String {
    match check {
        Check::Missing(field) => format!("p.{} IS NULL", column(field)),
        // Stored numbers are the 18-character form.
        Check::IdBirthDate => "p.id_number IS NOT NULL AND substr(p.id_number, 7, 8) <> \
             replace(CAST(p.birth_date AS TEXT), '-', '')"
            .into(),
        Check::IdSex => "p.id_number IS NOT NULL AND p.sex IN ('1', '2') AND \
             (CAST(substr(p.id_number, 17, 1) AS INTEGER) % 2 = 1) <> (p.sex = '1')"
            .into(),
        Check::MotherNotOlder => "EXISTS (SELECT 1 FROM persons m WHERE m.id = p.mother_id \
             AND m.birth_date >= p.birth_date)"
            .into(),
        Check::HouseholdWithoutHead => "p.household_id IS NOT NULL AND NOT EXISTS (SELECT 1 \
             FROM persons h WHERE h.household_id = p.household_id AND h.relation = '02' \
             AND h.status = 'active')"
            .into(),
        Check::PossibleDuplicate => format!(
            "EXISTS (SELECT 1 FROM persons q WHERE q.name = p.name \
             AND q.birth_date = p.birth_date AND q.sex = p.sex AND q.status = 'active' AND q.id <> p.id \
             AND q.residence >= {low} AND q.residence < {high})"
        ),
    }
}
