//! Data quality (DESIGN.md §5: 村不漏户、户不漏人、人不漏项、项不出错): the
//! checks a quality report counts, each with the list of persons behind it.
//! Checks on one record are pure functions here and kept as counters; checks
//! that compare two records (a mother and her child, a household and its
//! head, two records of one person) are counted by the store on demand.

use crate::codes::Sex;
use crate::event::Field;
use crate::person::Person;

/// Fields every living person's record should have.
pub const REQUIRED: [Field; 7] = [
    Field::IdNumber,
    Field::Ethnicity,
    Field::HukouRegion,
    Field::HukouType,
    Field::Household,
    Field::Relation,
    Field::MaritalStatus,
];

/// One data-quality check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Check {
    /// A required field is empty.
    Missing(Field),
    /// The birth date inside the identity number differs from the birth date.
    IdBirthDate,
    /// The sex inside the identity number differs from the sex.
    IdSex,
    /// The mother is not older than the child.
    MotherNotOlder,
    /// A member of a household that has no living head.
    HouseholdWithoutHead,
    /// Another living record has the same name, sex and birth date.
    PossibleDuplicate,
}

impl Check {
    /// Every check, in report order.
    pub fn all() -> Vec<Check> {
        let mut out: Vec<Check> = REQUIRED.into_iter().map(Check::Missing).collect();
        out.extend([
            Check::IdBirthDate,
            Check::IdSex,
            Check::MotherNotOlder,
            Check::HouseholdWithoutHead,
            Check::PossibleDuplicate,
        ]);
        out
    }

    /// The name in URLs, counters and report columns.
    pub fn as_str(&self) -> String {
        match self {
            Check::Missing(f) => format!("missing_{}", f.as_str()),
            Check::IdBirthDate => "id_birth_date".into(),
            Check::IdSex => "id_sex".into(),
            Check::MotherNotOlder => "mother_not_older".into(),
            Check::HouseholdWithoutHead => "household_without_head".into(),
            Check::PossibleDuplicate => "possible_duplicate".into(),
        }
    }

    /// The check a name stands for.
    pub fn parse(text: &str) -> Option<Check> {
        Check::all().into_iter().find(|c| c.as_str() == text)
    }

    /// What the check finds, in Chinese.
    pub fn chinese(&self) -> String {
        match self {
            Check::Missing(f) => format!("缺{}", f.chinese()),
            Check::IdBirthDate => "身份号码与出生日期不符".into(),
            Check::IdSex => "身份号码与性别不符".into(),
            Check::MotherNotOlder => "母亲与子女年龄倒挂".into(),
            Check::HouseholdWithoutHead => "所在户无户主".into(),
            Check::PossibleDuplicate => "疑似重复登记".into(),
        }
    }

    /// Whether the check looks at one record only (and is kept as a counter).
    pub fn is_on_one_record(&self) -> bool {
        matches!(self, Check::Missing(_) | Check::IdBirthDate | Check::IdSex)
    }
}

/// The one-record checks a person fails.
pub fn problems_of(p: &Person) -> Vec<Check> {
    let mut out: Vec<Check> = REQUIRED
        .into_iter()
        .filter(|f| f.get(p).is_none())
        .map(Check::Missing)
        .collect();
    if let Some(n) = p.id_number {
        if n.birth_date() != p.birth_date {
            out.push(Check::IdBirthDate);
        }
        if matches!(p.sex, Sex::Male | Sex::Female) && n.sex() != p.sex {
            out.push(Check::IdSex);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id_number::IdNumber;

    #[test]
    fn check_names_round_trip() {
        for c in Check::all() {
            assert_eq!(Check::parse(&c.as_str()), Some(c));
        }
        assert_eq!(Check::all().len(), 12);
    }

    #[test]
    fn an_identity_number_that_disagrees_with_the_record_is_found() {
        let json = serde_json::json!({
            "id": 1, "id_number": "510104198503120010", "name": "李明", "sex": "2",
            "birth_date": "1985-03-13", "ethnicity": "01", "residence": "510104017001",
            "hukou_region": "510104017001", "hukou_type": "1", "household_id": 1,
            "relation": "02", "marital_status": "20", "education": null,
            "status": "active", "death_date": null, "mother_id": null,
            "father_id": null, "spouse_id": null
        });
        let p: Person = serde_json::from_value(json).unwrap();
        assert_eq!(
            problems_of(&p),
            vec![Check::IdBirthDate, Check::IdSex],
            "{:?}",
            IdNumber::parse("510104198503120010")
        );
    }
}
