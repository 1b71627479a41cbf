//! Merging two records of one person, and undoing it.

use chrono::NaiveDate;

use super::{
    MergeFacts, RuleViolation, TAKEN_FROM_ANOTHER_RECORD, apply_all, changing, event, not_future,
};
use crate::event::{EventKind, Field, FieldChange, PlannedEvent};
use crate::person::{LifeStatus, Person};

/// Folds `merged` into `survivor`: the merged record's status becomes
/// merged (it stops counting), and the survivor takes the values of `take`.
/// Both get a merge event naming the other, so that both histories stay.
pub(super) fn plan_merge(
    survivor: &Person,
    merged: &Person,
    take: &[Field],
    date: NaiveDate,
    reason: &str,
    today: NaiveDate,
) -> Result<Vec<PlannedEvent>, RuleViolation> {
    if survivor.id == merged.id {
        return Err(RuleViolation::SamePerson);
    }
    not_future(date, today)?;
    if let Some(f) = take.iter().find(|f| !TAKEN_FROM_ANOTHER_RECORD.contains(f)) {
        return Err(RuleViolation::InvalidValue(format!(
            "{} cannot be taken from the merged record",
            f.as_str()
        )));
    }
    // A spouse points at one record; it must be the one that stays.
    if merged.spouse_id.is_some() && merged.spouse_id != survivor.spouse_id {
        return Err(RuleViolation::InvalidValue(format!(
            "person {} has a spouse recorded: keep that record and merge the other into it",
            merged.id
        )));
    }
    let mut folded = changing(
        merged,
        EventKind::Merge,
        date,
        [(Field::Status, Some(LifeStatus::Merged.as_str().into()))],
    )?;
    folded.related_id = Some(survivor.id);
    folded.note = Some(reason.to_string());
    let taken: Vec<FieldChange> = take
        .iter()
        .filter_map(|f| survivor.change_to(*f, f.get(merged)))
        .collect();
    apply_all(survivor, &taken)?;
    let mut kept = event(Some(survivor.id), EventKind::Merge, date, taken);
    kept.related_id = Some(merged.id);
    kept.note = Some(reason.to_string());
    // The merged record first: an identity number it gives up is free
    // before the survivor takes it.
    Ok(vec![folded, kept])
}

/// Undoes a merge: the survivor gives back the values it took, except where
/// an event since has changed them again (that later value stays), and the
/// merged record gets its status back. Events recorded on the survivor since
/// the merge stay on it.
pub(super) fn plan_unmerge(
    survivor: &Person,
    merged: &Person,
    facts: &MergeFacts,
    date: NaiveDate,
    reason: &str,
    today: NaiveDate,
) -> Result<Vec<PlannedEvent>, RuleViolation> {
    if merged.status != LifeStatus::Merged {
        return Err(RuleViolation::NotMerged(merged.id));
    }
    not_future(date, today)?;
    let given_back: Vec<FieldChange> = facts
        .on_survivor
        .iter()
        .filter(|c| c.field.get(survivor) == c.to)
        .filter_map(|c| survivor.change_to(c.field, c.from.clone()))
        .collect();
    apply_all(survivor, &given_back)?;
    let mut back = event(Some(survivor.id), EventKind::Unmerge, date, given_back);
    back.related_id = Some(merged.id);
    back.note = Some(reason.to_string());
    let mut restored = changing(
        merged,
        EventKind::Unmerge,
        date,
        [(Field::Status, Some(facts.status_before.as_str().into()))],
    )?;
    restored.related_id = Some(survivor.id);
    restored.note = Some(reason.to_string());
    // The survivor first: a number it gives back is free for the restored record.
    Ok(vec![back, restored])
}
