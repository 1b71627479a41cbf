//! A second child's birth to a certificate's holders raises the
//! certificate's revocation (收回光荣证), in the birth's own transaction,
//! as a case at the township where the mother lives, decided by the county.

use chrono::{DateTime, Utc};
use renkou_domain::Person;
use renkou_domain::cases::{CaseKind, DeadlineRule};

use crate::cases::PLATFORM;
use crate::cases::open::{Application, open_application};
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
        let mut subjects = vec![(holder, "applicant"), (child.id.0, "child")];
        subjects.extend(spouse.map(|s| (s, "spouse")));
        let application = Application {
            kind: CaseKind::CertificateRevocation,
            source: "certificates".into(),
            external_id: Some(format!("revoke:{certificate}")),
            person_id: holder,
            // Handed in where the child lives.
            village: child.residence,
            facts: serde_json::json!({ "certificate": certificate, "child": child.id.0 }),
            note: format!("持证夫妻又生育子女（{}，{}）", child.name, child.birth_date),
            actor: PLATFORM,
            subjects,
        };
        open_application(tx, &application, now, deadline).await?;
    }
    Ok(())
}
