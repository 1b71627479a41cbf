//! Only-child parents' certificates (独生子女父母光荣证): an application
//! checked against the register (the couple and their children, by the
//! province's rules), reviewed by the township and approved by the county,
//! which issues the certificate with its county's next number in the same
//! transaction; a second child's birth raises the certificate's revocation
//! as a case for the county (`revocation.rs`).

pub(crate) mod revocation;

use chrono::{DateTime, Datelike, Utc};
use renkou_domain::cases::{CaseKind, DeadlineRule};
use renkou_domain::support::SupportProgram;
use renkou_domain::{PersonId, RegionCode, RegionLevel};
use serde::Serialize;

use crate::access::scope::Scope;
use crate::cases::Case;
use crate::cases::open::Application;
use crate::cases::steps::now;
use crate::error::{StoreError, StoreResult};
use crate::{Store, on_pool};

/// A certificate to issue (read from its approved application).
#[derive(Debug, Clone)]
pub(crate) struct NewCertificate {
    pub county: RegionCode,
    pub year: i32,
    pub case_id: i64,
    pub holder: i64,
    pub spouse: Option<i64>,
    pub child: i64,
    pub issued_by: String,
}

impl NewCertificate {
    /// The certificate an application approved at `office` asks for.
    pub(crate) fn of(
        case: &Case,
        office: &RegionCode,
        actor: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Self> {
        let facts = case.facts.as_ref().map(|f| &f.0);
        let id = |key: &str| {
            facts
                .and_then(|f| f.get(key))
                .and_then(serde_json::Value::as_i64)
        };
        let child = id("child").ok_or_else(|| StoreError::Corrupt {
            what: format!("case {}", case.id),
            reason: "the application names no child".into(),
        })?;
        Ok(NewCertificate {
            county: office.ancestor(RegionLevel::County),
            year: now.year(),
            case_id: case.id,
            holder: case.person_id,
            spouse: id("spouse"),
            child,
            issued_by: actor.into(),
        })
    }
}

/// An issued certificate.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Certificate {
    pub id: i64,
    /// `510104-2026-00001`: county, year, sequence.
    pub number: String,
    pub county_code: String,
    /// The application.
    pub case_id: i64,
    pub holder_id: i64,
    pub spouse_id: Option<i64>,
    pub child_id: i64,
    pub issued_at: DateTime<Utc>,
    pub issued_by: String,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_reason: Option<String>,
    pub revocation_case_id: Option<i64>,
}

const COLUMNS: &str = "id, number, county_code, case_id, holder_id, spouse_id, child_id, issued_at, \
     issued_by, revoked_at, revoked_reason, revocation_case_id FROM certificates";

impl Store {
    /// Hands in an application for the couple of `applicant` at the
    /// township where the applicant lives: refused with the rules' reason
    /// when the register says they may not hold one, or when they hold one.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn apply_certificate(
        &self,
        applicant: PersonId,
        actor: &str,
        scope: &Scope,
        rules: &SupportProgram,
        deadline: &DeadlineRule,
    ) -> StoreResult<Case> {
        let person = self.applicant(applicant, scope).await?;
        let (verdict, _, children) = self.judged(applicant, now().year(), rules).await?;
        if !verdict.eligible {
            return Err(StoreError::Invalid(format!(
                "不符合领证条件：{}",
                verdict.reason
            )));
        }
        let child = *children
            .first()
            .ok_or_else(|| StoreError::Invalid("人口库中没有其子女".into()))?;
        let spouse = person.spouse_id.map(|s| s.0);
        let mut couple = vec![applicant.0];
        couple.extend(spouse);
        if !self.live_certificates(&couple).await?.is_empty() {
            return Err(StoreError::Invalid("已持有独生子女父母光荣证".into()));
        }
        let mut subjects = vec![(applicant.0, "applicant"), (child, "child")];
        subjects.extend(spouse.map(|s| (s, "spouse")));
        let application = Application {
            kind: CaseKind::OnlyChildCertificate,
            source: "certificates".into(),
            external_id: None,
            person_id: person.id.0,
            village: person.residence,
            facts: serde_json::json!({
                "spouse": spouse, "child": child, "check": verdict.reason,
            }),
            note: format!("人口库核查：{}", verdict.reason),
            actor,
            subjects,
        };
        self.apply(&application, deadline).await
    }

    /// The certificates not revoked that these persons hold.
    pub async fn live_certificates(&self, persons: &[i64]) -> StoreResult<Vec<Certificate>> {
        let mut out: Vec<Certificate> = Vec::new();
        for person in persons {
            let rows: Vec<Certificate> = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} WHERE revoked_at IS NULL AND (holder_id = $1 OR spouse_id = $1)"
            )))
            .bind(person)
            .fetch_all(pool)
            .await?);
            out.extend(
                rows.into_iter()
                    .filter(|r| !out.iter().any(|o| o.id == r.id))
                    .collect::<Vec<_>>(),
            );
        }
        Ok(out)
    }

    /// A certificate by id.
    pub async fn certificate(&self, id: i64) -> StoreResult<Option<Certificate>> {
        Ok(
            on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} WHERE id = $1")))
            .bind(id)
            .fetch_optional(pool)
            .await?),
        )
    }

    /// The certificate an application issued.
    pub async fn certificate_of_case(&self, case: i64) -> StoreResult<Option<Certificate>> {
        Ok(
            on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} WHERE case_id = $1")))
            .bind(case)
            .fetch_optional(pool)
            .await?),
        )
    }

    /// The certificates issued by the counties inside `region` (or by the
    /// county of `region`), newest first, at most `limit`.
    pub async fn certificates_in(
        &self,
        region: &RegionCode,
        limit: i64,
    ) -> StoreResult<Vec<Certificate>> {
        let county = if region.level() > RegionLevel::County {
            region.ancestor(RegionLevel::County)
        } else {
            *region
        };
        let (low, high) = county.descendant_range();
        Ok(
            on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} WHERE county_code >= $1 AND county_code < $2 ORDER BY id DESC LIMIT $3"
        )))
        .bind(&low)
        .bind(&high)
        .bind(limit)
        .fetch_all(pool)
        .await?),
        )
    }
}
