//! Converting a legacy WIS export (核、换、补、采): each card is found in the
//! register with the reconciliation engine (women only; her spouse and
//! children confirm an uncertain match); a found card becomes the events of
//! what it adds (her marriage, her children, her method, a pregnancy); a
//! card found nowhere is a task for its village to enter her (补录); a
//! difference between card and register is a task to verify (核). Cards go
//! in batches, each its own transaction with the cards' links, so a run cut
//! short is taken up where it stopped, and running the same files again
//! changes nothing.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use renkou_domain::event::EventKind;
use renkou_domain::verification::TaskKind;
use renkou_domain::wis::PolicyRule;
use renkou_domain::wis::conversion::{RegisterSide, plan_card};
use renkou_domain::{IdNumber, Person, PersonId, RegionCode, RegionLevel};
use renkou_formats::{CardProblem, WisCards, WomanCard};
use renkou_link::{RawFields, Record};
use serde::Serialize;

use crate::access::scope::Scope;
use crate::database::rows::SourceLink;
use crate::database::tx::{ImportRow, Tx};
use crate::error::{StoreError, StoreResult};
use crate::registry::record::{EventMeta, Rules, record_in_tx};
use crate::verification::tasks::NewTask;
use crate::{Store, on_pool, with_tx};

/// Cards converted per transaction.
const BATCH: usize = 500;
/// A match less sure than this needs her spouse or a child to agree.
const SURE: f64 = 0.9;

/// What a conversion did, in all and per township.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ConversionReport {
    /// Cards read (usable and not).
    pub cards: usize,
    /// Children read and placed on their cards.
    pub children: usize,
    /// Cards found in the register and converted (or already converted).
    pub converted: usize,
    /// Of those, cards already converted by an earlier run, unchanged since.
    pub unchanged: usize,
    /// Cards found nowhere: a task for their village to enter them.
    pub unmatched: usize,
    /// Cards that differ from the register: tasks to verify.
    pub conflicting: usize,
    /// Cards (rows of the women's file) that could not be used: kept for
    /// correction with why.
    pub unreadable: usize,
    /// Rows of the children's file that could not be used, kept likewise.
    pub unreadable_children: usize,
    /// Events recorded.
    pub events: usize,
    /// Tasks raised (findings already on record are not raised again).
    pub tasks: u64,
    /// The same counts per township.
    pub townships: BTreeMap<String, TownshipCounts>,
    /// Every value not understood: file, line, column, value, reason.
    pub problems: Vec<CardProblem>,
    /// Cards of villages outside the converter's regions, left as they
    /// are: (line, card, village).
    pub outside: Vec<(u64, String, RegionCode)>,
}

/// An export to convert, as read, with where it came from.
#[derive(Debug, Clone)]
pub struct ConversionInput {
    pub cards: WisCards,
    /// The export's name (`legacy` → events and tasks from `wis:legacy`).
    pub source: String,
    /// The files, as named in the report (`women.csv + children.csv`).
    pub file: String,
    /// SHA-256 of the files' bytes, kept with the run.
    pub file_sha256: String,
    /// Who runs the conversion.
    pub recorder: String,
    /// The regions the converter may change (`None`: the whole register, as
    /// on the command line). Cards of other villages are left out and
    /// listed; only women living inside are candidates for a card.
    pub within: Option<Scope>,
}

impl ConversionInput {
    /// Reads an export's two files (refused whole when either is not a card
    /// file) and fingerprints them.
    pub fn read(
        women: &[u8],
        women_file: &str,
        children: &[u8],
        children_file: &str,
        source: &str,
        recorder: &str,
    ) -> Result<Self, renkou_formats::FileError> {
        use sha2::{Digest, Sha256};
        let cards = renkou_formats::read_wis_cards(women, women_file, children, children_file)?;
        let mut sha = Sha256::new();
        sha.update(women);
        sha.update(children);
        Ok(ConversionInput {
            cards,
            source: source.to_string(),
            file: format!("{women_file} + {children_file}"),
            file_sha256: hex::encode(sha.finalize()),
            recorder: recorder.to_string(),
            within: None,
        })
    }
}

/// A township's part of a conversion.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TownshipCounts {
    pub cards: usize,
    pub converted: usize,
    pub unmatched: usize,
    pub conflicting: usize,
}

/// The card as the linkage engine reads it: a woman of her village.
fn card_record(card: &WomanCard) -> Record {
    let birth = card.birth_date.to_string();
    let region = card.region.to_string();
    let raw = RawFields {
        record_id: &card.card_id,
        id_number: &card.id_text,
        name: &card.name,
        sex: "2",
        birth_date: &birth,
        ethnicity: "",
        region_code: &region,
        status: "",
        death_date: "",
    };
    Record::normalize(card.line, &raw).0
}

/// A card's fingerprint: what it says, so that a card unchanged since the
/// last run is not looked at again.
fn fingerprint(card: &WomanCard) -> String {
    use sha2::{Digest, Sha256};
    let text = serde_json::json!([
        card.id_text,
        card.name,
        card.birth_date,
        card.region,
        card.spouse_name,
        card.facts,
    ])
    .to_string();
    hex::encode(&Sha256::digest(text.as_bytes())[..16])
}

/// What a card whose woman the register lacks carries to the task that
/// enters her (the fields `补录入库` reads).
fn source_record(card: &WomanCard) -> String {
    serde_json::json!({
        "record_id": card.card_id,
        "id_number": card.id_number.map(|n| n.to_string()).unwrap_or_default(),
        "name": card.name,
        "sex": "2",
        "birth_date": card.birth_date.to_string(),
        "region_code": card.region.to_string(),
    })
    .to_string()
}

impl Store {
    /// Converts a legacy export read by [`renkou_formats::read_wis_cards`],
    /// from `source` (the events' and tasks' source is `wis:<source>`).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn convert_wis_cards(
        &self,
        input: ConversionInput,
        policies: &[PolicyRule],
        today: NaiveDate,
    ) -> StoreResult<ConversionReport> {
        let rules = Rules {
            policies: policies.to_vec(),
            ..Rules::default()
        };
        let started_at = chrono::Utc::now();
        let ConversionInput {
            cards,
            source,
            file,
            file_sha256,
            recorder,
            within,
        } = input;
        let recorder = recorder.as_str();
        let source = format!("wis:{source}");
        let unreadable_cards = cards.unreadable.iter().filter(|u| u.is_card).count();
        let mut report = ConversionReport {
            cards: cards.cards_read,
            children: cards.children,
            unreadable: unreadable_cards,
            unreadable_children: cards.unreadable.len() - unreadable_cards,
            problems: cards.problems.clone(),
            ..ConversionReport::default()
        };
        let inside = |region: &RegionCode| within.as_ref().is_none_or(|s| s.contains(region));
        let (women, outside): (Vec<WomanCard>, Vec<WomanCard>) =
            cards.women.into_iter().partition(|w| inside(&w.region));
        report.outside = outside
            .into_iter()
            .map(|w| (w.line, w.card_id, w.region))
            .collect();
        // The register's living women of the cards' counties.
        let mut counties: Vec<RegionCode> = women
            .iter()
            .map(|w| w.region.ancestor(RegionLevel::County))
            .collect();
        counties.sort_unstable();
        counties.dedup();
        let mut registry = Vec::new();
        for county in &counties {
            registry.extend(
                self.linkage_records(county)
                    .await?
                    .into_iter()
                    .filter(|r| r.sex != Some(1) && r.status == renkou_link::Status::Active)
                    .filter(|r| {
                        let code = r.region.map(|c| format!("{c:012}")).unwrap_or_default();
                        RegionCode::parse(&code).is_ok_and(|c| inside(&c))
                    }),
            );
        }
        let records: Vec<Record> = women.iter().map(card_record).collect();
        let linkage = renkou_link::reconcile(&registry, &records, &|_| {});
        let mut found: HashMap<usize, (PersonId, f64)> = HashMap::new();
        for m in &linkage.matches {
            if let Ok(id) = registry[m.a as usize].record_id.parse::<i64>() {
                found.insert(m.b as usize, (PersonId(id), m.probability));
            }
        }
        // A woman carded twice: both cards are her.
        for d in &linkage.duplicates_right {
            let (a, b) = (d.a as usize, d.b as usize);
            match (found.get(&a).copied(), found.get(&b).copied()) {
                (Some(link), None) => {
                    found.insert(b, link);
                }
                (None, Some(link)) => {
                    found.insert(a, link);
                }
                _ => {}
            }
        }
        let mut tasks: Vec<NewTask> = Vec::new();
        let mut conflicting = vec![false; women.len()];
        for c in &linkage.conflicts {
            let j = c.right as usize;
            if matches!(c.field, "sex" | "status" | "ethnicity") {
                continue;
            }
            let Some((person, _)) = found.get(&j) else {
                continue;
            };
            conflicting[j] = true;
            tasks.push(NewTask {
                kind: TaskKind::Conflict,
                region: women[j].region,
                person: Some(*person),
                record_id: Some(women[j].card_id.clone()),
                field: Some(c.field.to_string()),
                registry_value: Some(c.left_value.clone()),
                source_value: Some(c.right_value.clone()),
                source_record: None,
            });
        }
        let order: Vec<usize> = (0..women.len()).collect();
        let mut unchanged: Vec<usize> = Vec::new();
        for batch in order.chunks(BATCH) {
            let outcome = with_tx!(self, tx => {
                let mut tx = tx;
                let done = convert_batch(
                    &mut tx, &women, batch, &found, &source, recorder, &rules, today,
                ).await?;
                tx.commit().await?;
                Ok::<_, StoreError>(done)
            })?;
            report.events += outcome.events;
            report.unchanged += outcome.unchanged.len();
            unchanged.extend(outcome.unchanged);
            for j in outcome.rejected {
                found.remove(&j);
            }
            for (j, conflicts) in outcome.conflicts {
                conflicting[j] = true;
                let Some((person, _)) = found.get(&j) else {
                    continue;
                };
                for c in conflicts {
                    tasks.push(NewTask {
                        kind: TaskKind::Conflict,
                        region: women[j].region,
                        person: Some(*person),
                        record_id: Some(women[j].card_id.clone()),
                        field: Some(c.field.to_string()),
                        registry_value: Some(c.registry),
                        source_value: Some(c.card),
                        source_record: None,
                    });
                }
            }
        }
        // A card unchanged since the last run is conflicting while the
        // differences it was found with are still open.
        if !unchanged.is_empty() {
            let open: std::collections::HashSet<String> =
                on_pool!(self, pool => sqlx::query_scalar(
                "SELECT DISTINCT record_id FROM verification_tasks \
                 WHERE source = $1 AND kind = 'conflict' AND status = 'open'",
            )
            .bind(&source)
            .fetch_all(pool)
            .await?)
                .into_iter()
                .collect();
            for j in unchanged {
                conflicting[j] |= open.contains(&women[j].card_id);
            }
        }
        for (j, card) in women.iter().enumerate() {
            let township = card.region.ancestor(RegionLevel::Township).to_string();
            let t = report.townships.entry(township).or_default();
            t.cards += 1;
            if found.contains_key(&j) {
                report.converted += 1;
                t.converted += 1;
                if conflicting[j] {
                    report.conflicting += 1;
                    t.conflicting += 1;
                }
            } else {
                report.unmatched += 1;
                t.unmatched += 1;
                tasks.push(NewTask {
                    kind: TaskKind::MissingInRegistry,
                    region: card.region,
                    person: None,
                    record_id: Some(card.card_id.clone()),
                    field: None,
                    registry_value: None,
                    source_value: Some(format!("{} {}", card.name, card.birth_date)),
                    source_record: Some(source_record(card)),
                });
            }
        }
        report.tasks = self.raise_tasks(&source, &tasks).await?.raised;
        // The run and its unusable rows, kept for correction as an import's are.
        let run = ImportRow {
            source: source.clone(),
            file: file.clone(),
            file_sha256: file_sha256.clone(),
            recorder: recorder.to_string(),
            started_at,
            finished_at: chrono::Utc::now(),
            inserted: report.converted as i64 - report.unchanged as i64,
            updated: 0,
            unchanged: report.unchanged as i64,
            rejected: (report.unreadable + report.unreadable_children) as i64,
        };
        self.keep_run(&run, &cards.unreadable, &cards.problems)
            .await?;
        Ok(report)
    }
}

impl Store {
    /// Every card of a conversion source and the person it was linked to.
    pub async fn converted_cards(&self, source: &str) -> StoreResult<Vec<(String, PersonId)>> {
        self.source_links_of(&format!("wis:{source}")).await
    }

    /// Every record of a source (as stored, `wis:…`, `migrants:…`) and the
    /// person it was linked to.
    pub async fn source_links_of(&self, source: &str) -> StoreResult<Vec<(String, PersonId)>> {
        let rows: Vec<(String, i64)> = on_pool!(self, pool => sqlx::query_as(
            "SELECT record_id, person_id FROM source_records WHERE source = $1 ORDER BY record_id",
        )
        .bind(source)
        .fetch_all(pool)
        .await?);
        Ok(rows
            .into_iter()
            .map(|(card, id)| (card, PersonId(id)))
            .collect())
    }
}

/// What one batch did.
#[derive(Default)]
struct BatchOutcome {
    events: usize,
    /// Cards converted by an earlier run, unchanged since.
    unchanged: Vec<usize>,
    /// Cards whose uncertain match the spouse or children contradict.
    rejected: Vec<usize>,
    /// Per card, the differences to verify.
    conflicts: Vec<(usize, Vec<renkou_domain::wis::conversion::CardConflict>)>,
}

/// Converts the found cards of a batch in the caller's transaction.
#[allow(clippy::too_many_arguments)]
async fn convert_batch<T: Tx>(
    tx: &mut T,
    women: &[WomanCard],
    batch: &[usize],
    found: &HashMap<usize, (PersonId, f64)>,
    source: &str,
    recorder: &str,
    rules: &Rules,
    today: NaiveDate,
) -> StoreResult<BatchOutcome> {
    let mut out = BatchOutcome::default();
    let ids: Vec<String> = batch.iter().map(|j| women[*j].card_id.clone()).collect();
    let known: HashMap<String, (i64, String)> = tx
        .source_links(source, &ids)
        .await?
        .into_iter()
        .map(|(card, person, hash)| (card, (person, hash)))
        .collect();
    let meta = EventMeta {
        recorder: recorder.to_string(),
        source: source.to_string(),
    };
    for &j in batch {
        let Some(&(person, probability)) = found.get(&j) else {
            continue;
        };
        let card = &women[j];
        let hash = fingerprint(card);
        if known.get(&card.card_id) == Some(&(person.0, hash.clone())) {
            out.unchanged.push(j);
            continue;
        }
        let Some(woman) = tx
            .persons(&[person.0])
            .await?
            .into_iter()
            .next()
            .map(Person::try_from)
            .transpose()?
        else {
            continue;
        };
        let children: Vec<Person> = tx
            .children(person.0)
            .await?
            .into_iter()
            .map(Person::try_from)
            .collect::<StoreResult<_>>()?;
        let numbers: Vec<String> = card
            .facts
            .children
            .iter()
            .filter_map(|c| c.id_number.map(|n| n.to_string()))
            .chain(card.facts.spouse_id_number.map(|n| n.to_string()))
            .collect();
        let by_number = tx.persons_by_id_numbers(&numbers).await?;
        let numbered_ids: Vec<i64> = by_number.iter().map(|(_, id, _)| *id).collect();
        let numbered: Vec<Person> = tx
            .persons(&numbered_ids)
            .await?
            .into_iter()
            .map(Person::try_from)
            .collect::<StoreResult<_>>()?;
        let spouse = card
            .facts
            .spouse_id_number
            .and_then(|n: IdNumber| numbered.iter().find(|p| p.id_number == Some(n)));
        // An uncertain match stands only if her spouse or a child agrees,
        // when the card names any.
        if probability < SURE {
            let spouse_agrees = card.facts.spouse_id_number.is_some_and(|n| {
                woman.spouse_id.is_some()
                    && spouse
                        .is_some_and(|s| Some(s.id) == woman.spouse_id && s.id_number == Some(n))
            });
            let child_agrees = card.facts.children.iter().any(|c| {
                children
                    .iter()
                    .any(|r| (r.birth_date - c.birth_date).num_days().abs() <= 3)
            });
            let evidence = card.facts.spouse_id_number.is_some() || !card.facts.children.is_empty();
            if evidence && !spouse_agrees && !child_agrees {
                out.rejected.push(j);
                continue;
            }
        }
        let outcomes: Vec<NaiveDate> = tx
            .events_of_person(person.0)
            .await?
            .into_iter()
            .filter(|e| EventKind::parse(&e.kind) == Some(EventKind::PregnancyOutcome))
            .map(|e| e.effective_date)
            .collect();
        let side = RegisterSide {
            woman: &woman,
            children: &children,
            outcomes: &outcomes,
            spouse,
            numbered: &numbered,
        };
        let plan = plan_card(&card.facts, &side, today);
        let mut conflicts = plan.conflicts;
        for command in &plan.commands {
            match record_in_tx(tx, command, &meta, today, None, rules).await {
                Ok(recorded) => out.events += recorded.events,
                // What the register's rules refuse is for a person to look at.
                Err(StoreError::Rule(rule)) => {
                    conflicts.push(renkou_domain::wis::conversion::CardConflict {
                        field: "card",
                        registry: String::new(),
                        card: rule.chinese(),
                    })
                }
                Err(e) => return Err(e),
            }
        }
        if !conflicts.is_empty() {
            out.conflicts.push((j, conflicts));
        }
        tx.upsert_source_link(&SourceLink::of_record(
            source,
            &card.card_id,
            person.0,
            hash,
            &card.extra,
        ))
        .await?;
    }
    Ok(out)
}
