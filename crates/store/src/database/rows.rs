//! Rows as the database holds them, and their conversion to domain values.

use chrono::{DateTime, NaiveDate, Utc};
use renkou_domain::event::{EventDetails, EventKind, FieldChange};
use renkou_domain::wis::Method;
use renkou_domain::{
    Education, Ethnicity, HukouType, IdNumber, LifeStatus, MaritalStatus, Person, PersonId,
    PersonName, RegionCode, Relation, Sex,
};
use serde::Serialize;
use sqlx::types::Json;

use crate::error::{StoreError, StoreResult};

/// The person columns in the order [`PersonRow`] lists them.
macro_rules! person_columns {
    () => {
        "id, id_number, name, sex, birth_date, ethnicity, residence, hukou_region, hukou_type, \
         household_id, relation, marital_status, education, status, death_date, mother_id, \
         father_id, spouse_id, contraception, contraception_since, pregnant_since, \
         expected_delivery, birth_order, arrived_on"
    };
}
pub(crate) use person_columns;

/// The region columns in the order [`RegionRow`] lists them.
macro_rules! region_columns {
    () => {
        "code, name, level, parent, valid_from, valid_to, replaced_by"
    };
}
pub(crate) use region_columns;

/// The event columns in the order [`EventRow`] lists them.
macro_rules! event_columns {
    () => {
        "id, person_id, kind, effective_date, recorded_at, recorder, source, region_code, \
         related_id, changes, note, details"
    };
}
pub(crate) use event_columns;

/// One column's value of a [`PersonRow`], as every writer binds it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ColumnValue<'a> {
    Int(Option<i64>),
    Text(Option<&'a str>),
    Date(Option<NaiveDate>),
}

/// The person columns, `prefix.`-qualified (for a query that joins).
pub(crate) fn person_columns_of(prefix: &str) -> String {
    person_columns!()
        .split(", ")
        .map(|c| format!("{prefix}.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `col = $2, …, name_key = $25, updated_at = $26` for every person column
/// but `id` ($1), then the written-only columns.
pub(crate) fn person_assignments() -> String {
    let columns: Vec<&str> = person_columns!().split(", ").collect();
    let mut set: Vec<String> = columns
        .iter()
        .enumerate()
        .skip(1)
        .map(|(i, c)| format!("{c} = ${}", i + 1))
        .collect();
    set.push(format!("name_key = ${}", columns.len() + 1));
    set.push(format!("updated_at = ${}", columns.len() + 2));
    set.join(", ")
}

/// The columns every writer sets after [`person_columns!`]: derived from
/// the row ([`PersonRow::name_key`]) or the time of the write.
macro_rules! written_columns {
    () => {
        ", name_key, updated_at"
    };
}
pub(crate) use written_columns;

impl PersonRow {
    /// The name's search key (pinyin and initials), written beside the name.
    pub(crate) fn name_key(&self) -> String {
        renkou_link::chinese::search_key(&self.name)
    }

    /// Every column's value in [`person_columns!`] order: the one list the
    /// inserts, the update and the COPY writer bind from.
    pub(crate) fn values(&self) -> [ColumnValue<'_>; PERSON_COLUMNS] {
        use ColumnValue::{Date, Int, Text};
        [
            Int(Some(self.id)),
            Text(self.id_number.as_deref()),
            Text(Some(&self.name)),
            Text(Some(&self.sex)),
            Date(Some(self.birth_date)),
            Text(self.ethnicity.as_deref()),
            Text(Some(&self.residence)),
            Text(self.hukou_region.as_deref()),
            Text(self.hukou_type.as_deref()),
            Int(self.household_id),
            Text(self.relation.as_deref()),
            Text(self.marital_status.as_deref()),
            Text(self.education.as_deref()),
            Text(Some(&self.status)),
            Date(self.death_date),
            Int(self.mother_id),
            Int(self.father_id),
            Int(self.spouse_id),
            Text(self.contraception.as_deref()),
            Date(self.contraception_since),
            Date(self.pregnant_since),
            Date(self.expected_delivery),
            Int(self.birth_order),
            Date(self.arrived_on),
        ]
    }
}

/// How many columns [`person_columns!`] lists.
pub(crate) const PERSON_COLUMNS: usize = 24;

/// One row of `persons`.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PersonRow {
    pub id: i64,
    pub id_number: Option<String>,
    pub name: String,
    pub sex: String,
    pub birth_date: NaiveDate,
    pub ethnicity: Option<String>,
    pub residence: String,
    pub hukou_region: Option<String>,
    pub hukou_type: Option<String>,
    pub household_id: Option<i64>,
    pub relation: Option<String>,
    pub marital_status: Option<String>,
    pub education: Option<String>,
    pub status: String,
    pub death_date: Option<NaiveDate>,
    pub mother_id: Option<i64>,
    pub father_id: Option<i64>,
    pub spouse_id: Option<i64>,
    pub contraception: Option<String>,
    pub contraception_since: Option<NaiveDate>,
    pub pregnant_since: Option<NaiveDate>,
    pub expected_delivery: Option<NaiveDate>,
    pub birth_order: Option<i64>,
    pub arrived_on: Option<NaiveDate>,
}

impl From<&Person> for PersonRow {
    fn from(p: &Person) -> Self {
        fn code<T: ToString>(v: &Option<T>) -> Option<String> {
            v.as_ref().map(ToString::to_string)
        }
        PersonRow {
            id: p.id.0,
            id_number: code(&p.id_number),
            name: p.name.to_string(),
            sex: p.sex.code().to_string(),
            birth_date: p.birth_date,
            ethnicity: code(&p.ethnicity),
            residence: p.residence.to_string(),
            hukou_region: code(&p.hukou_region),
            hukou_type: code(&p.hukou_type),
            household_id: p.household_id,
            relation: code(&p.relation),
            marital_status: code(&p.marital_status),
            education: code(&p.education),
            status: p.status.as_str().to_string(),
            death_date: p.death_date,
            mother_id: p.mother_id.map(|i| i.0),
            father_id: p.father_id.map(|i| i.0),
            spouse_id: p.spouse_id.map(|i| i.0),
            contraception: code(&p.contraception),
            contraception_since: p.contraception_since,
            pregnant_since: p.pregnant_since,
            expected_delivery: p.expected_delivery,
            birth_order: p.birth_order.map(i64::from),
            arrived_on: p.arrived_on,
        }
    }
}

impl TryFrom<PersonRow> for Person {
    type Error = StoreError;
    fn try_from(r: PersonRow) -> StoreResult<Person> {
        let what = || format!("person {}", r.id);
        let bad = |e: &dyn std::fmt::Display| StoreError::Corrupt {
            what: what(),
            reason: e.to_string(),
        };
        fn opt<T, E: std::fmt::Display>(
            v: &Option<String>,
            parse: impl Fn(&str) -> Result<T, E>,
        ) -> Result<Option<T>, String> {
            v.as_deref()
                .map(|s| parse(s).map_err(|e| e.to_string()))
                .transpose()
        }
        // Stored identity numbers were valid when written; re-check only the form.
        let id_number =
            opt(&r.id_number, |s| IdNumber::parse_at(s, NaiveDate::MAX)).map_err(|e| bad(&e))?;
        Ok(Person {
            id: PersonId(r.id),
            id_number,
            name: PersonName::parse(&r.name).map_err(|e| bad(&e))?,
            sex: Sex::parse(&r.sex).map_err(|e| bad(&e))?,
            birth_date: r.birth_date,
            ethnicity: opt(&r.ethnicity, Ethnicity::parse).map_err(|e| bad(&e))?,
            residence: RegionCode::parse(&r.residence).map_err(|e| bad(&e))?,
            hukou_region: opt(&r.hukou_region, RegionCode::parse).map_err(|e| bad(&e))?,
            hukou_type: opt(&r.hukou_type, HukouType::parse).map_err(|e| bad(&e))?,
            household_id: r.household_id,
            relation: opt(&r.relation, Relation::parse).map_err(|e| bad(&e))?,
            marital_status: opt(&r.marital_status, MaritalStatus::parse).map_err(|e| bad(&e))?,
            education: opt(&r.education, Education::parse).map_err(|e| bad(&e))?,
            status: LifeStatus::parse(&r.status).ok_or_else(|| bad(&"unknown status"))?,
            death_date: r.death_date,
            mother_id: r.mother_id.map(PersonId),
            father_id: r.father_id.map(PersonId),
            spouse_id: r.spouse_id.map(PersonId),
            contraception: opt(&r.contraception, Method::parse).map_err(|e| bad(&e))?,
            contraception_since: r.contraception_since,
            pregnant_since: r.pregnant_since,
            expected_delivery: r.expected_delivery,
            birth_order: r
                .birth_order
                .map(u8::try_from)
                .transpose()
                .map_err(|e| bad(&e))?,
            arrived_on: r.arrived_on,
        })
    }
}

/// One row of `events`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRow {
    pub id: i64,
    pub person_id: i64,
    pub kind: String,
    pub effective_date: NaiveDate,
    pub recorded_at: DateTime<Utc>,
    pub recorder: String,
    pub source: String,
    pub region_code: String,
    pub related_id: Option<i64>,
    pub changes: Json<Vec<FieldChange>>,
    pub note: Option<String>,
    pub details: Option<Json<EventDetails>>,
}

/// An event as stored, for history and reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoredEvent {
    pub id: i64,
    pub person_id: PersonId,
    pub kind: EventKind,
    pub effective_date: NaiveDate,
    pub recorded_at: DateTime<Utc>,
    pub recorder: String,
    pub source: String,
    pub region_code: String,
    pub related_id: Option<PersonId>,
    pub changes: Vec<FieldChange>,
    pub note: Option<String>,
    /// A subsystem's facts (a check's result, a pregnancy's outcome).
    pub details: Option<EventDetails>,
}

impl TryFrom<EventRow> for StoredEvent {
    type Error = StoreError;
    fn try_from(r: EventRow) -> StoreResult<StoredEvent> {
        Ok(StoredEvent {
            id: r.id,
            person_id: PersonId(r.person_id),
            kind: EventKind::parse(&r.kind).ok_or_else(|| StoreError::Corrupt {
                what: format!("event {}", r.id),
                reason: format!("unknown kind {:?}", r.kind),
            })?,
            effective_date: r.effective_date,
            recorded_at: r.recorded_at,
            recorder: r.recorder,
            source: r.source,
            region_code: r.region_code,
            related_id: r.related_id.map(PersonId),
            changes: r.changes.0,
            note: r.note,
            details: r.details.map(|d| d.0),
        })
    }
}

/// An event about to be inserted.
#[derive(Debug, Clone)]
pub struct NewEventRow {
    pub person_id: i64,
    pub kind: EventKind,
    pub effective_date: NaiveDate,
    pub recorded_at: DateTime<Utc>,
    pub recorder: String,
    pub source: String,
    pub region_code: String,
    pub related_id: Option<i64>,
    pub changes: Vec<FieldChange>,
    pub note: Option<String>,
    pub details: Option<EventDetails>,
}

/// One row of `regions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegionRow {
    pub code: String,
    pub name: String,
    pub level: String,
    pub parent: Option<String>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    pub replaced_by: Option<String>,
}

/// One row of `households` about to be inserted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HouseholdRow {
    pub id: i64,
    pub household_no: String,
    pub region_code: String,
    pub address: Option<String>,
    pub kind: String,
    pub head_id: Option<i64>,
}

/// Which person a source's record is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceLink {
    pub source: String,
    pub record_id: String,
    pub person_id: i64,
    pub row_hash: String,
    /// The record's columns beyond the format, as a JSON object.
    pub extra: Option<String>,
}

impl SourceLink {
    /// The link of a record read leniently, with the columns it carried
    /// beyond its format (none: no JSON).
    pub fn of_record(
        source: &str,
        record_id: &str,
        person_id: i64,
        row_hash: String,
        extra: &[(String, String)],
    ) -> SourceLink {
        SourceLink {
            source: source.to_string(),
            record_id: record_id.to_string(),
            person_id,
            row_hash,
            extra: (!extra.is_empty()).then(|| {
                serde_json::Value::Object(
                    extra
                        .iter()
                        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                        .collect(),
                )
                .to_string()
            }),
        }
    }
}
