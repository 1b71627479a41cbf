//! A second child's birth to a certificate's holders raises the
//! certificate's revocation (收回光荣证), in the birth's own transaction,
//! as a case at the township where the mother lives, decided by the county.

use chrono::{DateTime, Utc};
use renkou_domain::cases::{CaseKind, DeadlineRule, Step};
use renkou_domain::{Person, RegionLevel};

use crate::cases::Case;
use crate::cases::PLATFORM;
use crate::cases::open::{NewCase, NewStep, open_case};
use crate::cases::steps::days;
use crate::database::tx::Tx;
use crate::error::StoreResult;

/// Opens the revocation of every certificate the child's parents hold for
/// another child (once per certificate, however often the birth is sent).
pub(crate) async fn raise_revocations<T: Tx>(
    tx: &mut T,
    child: &Person,
    now: DateTime<Utc>,
    deadline: &DeadlineRule,
) -> StoreResult<()> {
    let parents: Vec<i64> = [child.mother_id, child.father_id]
        .into_iter()
        .flatten()
        .map(|p| p.0)
        .collect();
    if parents.is_empty() {
        return Ok(());
    }
    for (certificate, holder, spouse, only_child) in tx.live_certificates_of(&parents).await? {
        if only_child == child.id.0 {
            continue;
        }
        let office = child.residence.ancestor(RegionLevel::Township);
        let due = days(
            deadline,
            &Case::unopened(CaseKind::CertificateRevocation, office.as_str()),
            RegionLevel::Township,
        )?;
        let case = NewCase {
            kind: CaseKind::CertificateRevocation,
            source: "certificates".into(),
            external_id: Some(format!("revoke:{certificate}")),
            person_id: holder,
            sender_region: office.to_string(),
            recipient_region: office.to_string(),
            owner_region: office.to_string(),
            confidence: None,
            inside_province: true,
            due_at: Some(now + chrono::Duration::days(i64::from(due))),
            facts: serde_json::json!({ "certificate": certificate, "child": child.id.0 }),
            steps: vec![NewStep {
                step: Step::Applied,
                region: office.to_string(),
                actor: PLATFORM.into(),
                note: Some(format!(
                    "持证夫妻又生育子女（{}，{}）",
                    child.name, child.birth_date
                )),
            }],
        };
        if let Some(id) = open_case(tx, &case, now).await? {
            let mut subjects = vec![(holder, "applicant"), (child.id.0, "child")];
            subjects.extend(spouse.map(|s| (s, "spouse")));
            tx.insert_case_subjects(id, &subjects).await?;
        }
    }
    Ok(())
}
