//! The statistics counters (DESIGN.md §3): what each write adds to them,
//! gathered while a use case runs and written in its transaction, so a
//! committed event and its counts are never apart.
//!
//! Two tables. `stat_stock` holds today's counts per village and, rolled up,
//! per county (a province or city report reads a few hundred county rows, not
//! tens of thousands of villages; cities and the province are not stored, so
//! that every writer in a city does not queue on one hot row). `stat_flows`
//! holds each event's difference, per village and the day it took effect, so
//! that period reports and any earlier date are sums too.

use rustc_hash::FxHashMap as HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, NaiveDate, Utc};
use renkou_domain::event::{EventDetails, EventKind, FieldChange};
use renkou_domain::stats::{self, CounterKey, FlowKey};
use renkou_domain::{Person, RegionCode};

use crate::database::rows::EventRow;
use crate::error::{StoreError, StoreResult};

/// The level a stock row is kept at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Level {
    Village,
    County,
}

impl Level {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Level::Village => "village",
            Level::County => "county",
        }
    }
}

/// A flow counter's full key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct FlowRow {
    pub effective_date: NaiveDate,
    pub recorded_date: NaiveDate,
    pub kind: EventKind,
    pub flow: FlowKey,
}

impl FlowRow {
    /// The table's key order, so that writes go in key order and concurrent
    /// writers lock rows in the same order (no deadlock).
    fn sort_key(&self) -> (&str, NaiveDate, NaiveDate, &str, &str, &str, i8, &str) {
        (
            self.flow.counter.region.as_str(),
            self.effective_date,
            self.recorded_date,
            self.kind.as_str(),
            self.flow.counter.indicator.as_str(),
            &self.flow.counter.key,
            self.flow.sign,
            &self.flow.other,
        )
    }
}

/// Counts to add.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct CounterDelta {
    pub stock: HashMap<(Level, CounterKey), i64>,
    pub flows: HashMap<FlowRow, i64>,
}

/// Off only in the benchmark that measures what counting costs.
static ENABLED: AtomicBool = AtomicBool::new(true);

/// Turns counting off (or on again) for this process. Only the benchmark that
/// measures the counters' cost does this; `stats verify` then disagrees.
pub fn set_counters_enabled(enabled: bool) {
    ENABLED.store(enabled, Ordering::Relaxed);
}

pub(crate) fn counters_enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// Off only in the benchmark that measures what the women's cards' counters cost.
static WIS_ENABLED: AtomicBool = AtomicBool::new(true);

/// Turns the women's cards' counters (contraception, pregnancies, births,
/// outcomes, policy) off or on again for this process: the register as it
/// counted before them, for the benchmark only.
pub fn set_wis_counters_enabled(enabled: bool) {
    WIS_ENABLED.store(enabled, Ordering::Relaxed);
}

/// Whether a counter is kept now.
fn kept(indicator: stats::Indicator) -> bool {
    !indicator.is_wis() || WIS_ENABLED.load(Ordering::Relaxed)
}

/// The day (China time) a moment falls on: lateness is judged by the office's calendar.
pub(crate) fn china_date(at: DateTime<Utc>) -> NaiveDate {
    (at + chrono::Duration::hours(8)).date_naive()
}

impl CounterDelta {
    /// Nothing to add.
    pub fn is_empty(&self) -> bool {
        self.stock.is_empty() && self.flows.is_empty()
    }

    fn stock(&mut self, key: CounterKey, n: i64) {
        if !kept(key.indicator) {
            return;
        }
        // Quality counts are kept per village only: they are many keys per
        // person, and only the quality report (which scans anyway) sums them.
        if key.indicator != stats::Indicator::Quality {
            let up = key.county_rollup();
            *self.stock.entry((Level::County, up)).or_default() += n;
        }
        *self.stock.entry((Level::Village, key)).or_default() += n;
    }

    /// A person entered without an event (an import's new record, a loaded population).
    pub fn person_added(&mut self, p: &Person) {
        for key in stats::stock_of(p) {
            self.stock(key, 1);
        }
    }

    /// Households created (or, with a negative `n`, moved away) in a region.
    pub fn households(&mut self, region: RegionCode, n: i64) {
        self.stock(stats::household_stock(region), n);
    }

    /// An event changed `before` (absent if it brought the person in) into
    /// `after`; `details` are the event's own facts (a pregnancy's outcome).
    pub fn event(
        &mut self,
        kind: EventKind,
        effective_date: NaiveDate,
        recorded_at: DateTime<Utc>,
        before: Option<&Person>,
        after: &Person,
        details: Option<&EventDetails>,
    ) {
        self.person_changed(before, after);
        self.event_flows(kind, effective_date, recorded_at, before, after, details);
    }

    /// Today's counts of a person who changed from `before` into `after`.
    fn person_changed(&mut self, before: Option<&Person>, after: &Person) {
        for key in before.map(stats::stock_of).unwrap_or_default() {
            self.stock(key, -1);
        }
        for key in stats::stock_of(after) {
            self.stock(key, 1);
        }
    }

    /// The dated differences an event made, and what it counts for by its
    /// kind: a birth by order, sex and mother's age group, an outcome by how.
    fn event_flows(
        &mut self,
        kind: EventKind,
        effective_date: NaiveDate,
        recorded_at: DateTime<Utc>,
        before: Option<&Person>,
        after: &Person,
        details: Option<&EventDetails>,
    ) {
        let recorded_date = china_date(recorded_at);
        let mut flows = stats::flows_of(before, after);
        let mut of_kind = Vec::new();
        match (kind, details) {
            (EventKind::Birth, details) => {
                let (mother, verdicts) = match details {
                    Some(EventDetails::Birth {
                        mother_born,
                        policy,
                    }) => (Some(*mother_born), Some(policy)),
                    _ => (None, None),
                };
                of_kind.push(stats::birth_key(after, mother));
                if let Some(verdicts) = verdicts {
                    of_kind.extend(stats::policy_keys(after, verdicts));
                }
            }
            (EventKind::PregnancyOutcome, Some(EventDetails::Wis(d))) => {
                of_kind.extend(d.outcome.map(|o| stats::outcome_key(after, o.code())));
            }
            _ => {}
        }
        flows.extend(of_kind.into_iter().map(|counter| stats::FlowKey {
            counter,
            sign: 1,
            other: String::new(),
        }));
        for flow in flows.into_iter().filter(|f| kept(f.counter.indicator)) {
            *self
                .flows
                .entry(FlowRow {
                    effective_date,
                    recorded_date,
                    kind,
                    flow,
                })
                .or_default() += 1;
        }
    }

    /// Adds everything of another delta (partial counts made in parallel).
    pub fn merge(mut self, other: CounterDelta) -> CounterDelta {
        let (mut big, small) =
            if self.stock.len() + self.flows.len() >= other.stock.len() + other.flows.len() {
                (std::mem::take(&mut self), other)
            } else {
                (other, std::mem::take(&mut self))
            };
        for (key, n) in small.stock {
            *big.stock.entry(key).or_default() += n;
        }
        for (key, n) in small.flows {
            *big.flows.entry(key).or_default() += n;
        }
        big
    }

    /// Stock rows as written, in key order: (level, region, indicator, key, n).
    pub fn stock_rows(&self) -> Vec<(&'static str, &str, &'static str, &str, i64)> {
        let mut rows: Vec<_> = self
            .stock
            .iter()
            .filter(|(_, n)| **n != 0)
            .map(|((level, k), n)| {
                (
                    level.as_str(),
                    k.region.as_str(),
                    k.indicator.as_str(),
                    k.key.as_str(),
                    *n,
                )
            })
            .collect();
        rows.sort_unstable_by(|a, b| (a.0, a.1, a.2, a.3).cmp(&(b.0, b.1, b.2, b.3)));
        rows
    }

    /// Flow rows as written, in key order.
    pub fn flow_rows(&self) -> Vec<(&FlowRow, i64)> {
        let mut rows: Vec<_> = self
            .flows
            .iter()
            .filter(|(_, n)| **n != 0)
            .map(|(f, n)| (f, *n))
            .collect();
        rows.sort_unstable_by(|a, b| a.0.sort_key().cmp(&b.0.sort_key()));
        rows
    }
}

/// One stored event, as a replay needs it.
#[derive(Clone)]
pub(crate) struct ReplayEvent<'a> {
    pub kind: EventKind,
    pub effective_date: NaiveDate,
    pub recorded_at: DateTime<Utc>,
    pub changes: &'a [FieldChange],
    pub details: Option<&'a EventDetails>,
}

impl<'a> ReplayEvent<'a> {
    /// The replay form of stored events.
    pub fn from_rows(rows: &'a [EventRow]) -> StoreResult<Vec<ReplayEvent<'a>>> {
        rows.iter()
            .map(|e| {
                Ok(ReplayEvent {
                    kind: EventKind::parse(&e.kind).ok_or_else(|| StoreError::Corrupt {
                        what: format!("event {}", e.id),
                        reason: format!("unknown kind {:?}", e.kind),
                    })?,
                    effective_date: e.effective_date,
                    recorded_at: e.recorded_at,
                    changes: &e.changes.0,
                    details: e.details.as_ref().map(|d| &d.0),
                })
            })
            .collect()
    }
}

impl CounterDelta {
    /// A person changed from `before` to `after` by `added`, an event that
    /// took effect before some of their `recorded` ones: their flows are
    /// replayed again in the order the events took effect.
    pub fn event_entered_late(
        &mut self,
        before: &Person,
        after: &Person,
        recorded: &[ReplayEvent<'_>],
        added: ReplayEvent<'_>,
    ) {
        self.person_changed(Some(before), after);
        let mut old = CounterDelta::default();
        replay(&mut old, before, recorded);
        let mut all = recorded.to_vec();
        all.push(added);
        let mut new = CounterDelta::default();
        replay(&mut new, after, &all);
        for (key, n) in old.flows {
            *self.flows.entry(key).or_default() -= n;
        }
        for (key, n) in new.flows {
            *self.flows.entry(key).or_default() += n;
        }
    }
}

/// Whether an event brought its person into the register (every field from nothing).
fn brings_in(event: &ReplayEvent<'_>) -> bool {
    event
        .changes
        .iter()
        .any(|c| c.field == renkou_domain::Field::Name && c.from.is_none())
}

/// Adds the flows (only) of a person's events to `delta`, in the order the events
/// took effect (ties in the order they were recorded), walking back from the
/// current record: each event's person after it is the one before the next,
/// and the event that brought them in has no "before". An event dated before
/// the person entered the register (a marriage before they moved here)
/// counts from the day they entered. `events` are in the order recorded.
pub(crate) fn replay(delta: &mut CounterDelta, current: &Person, events: &[ReplayEvent<'_>]) {
    let entered = events
        .iter()
        .find(|e| brings_in(e))
        .map(|e| e.effective_date);
    let counted_from =
        |e: &ReplayEvent<'_>| entered.map_or(e.effective_date, |d| e.effective_date.max(d));
    let mut order: Vec<&ReplayEvent<'_>> = events.iter().collect();
    order.sort_by_key(|e| counted_from(e));
    let mut after = current.clone();
    for event in order.into_iter().rev() {
        let before = (!brings_in(event)).then(|| {
            let mut p = after.clone();
            for change in event.changes.iter().rev() {
                // A value that no longer parses stays as it is now.
                let _ = p.revert(change);
            }
            p
        });
        delta.event_flows(
            event.kind,
            counted_from(event),
            event.recorded_at,
            before.as_ref(),
            &after,
            event.details,
        );
        match before {
            Some(p) => after = p,
            None => break,
        }
    }
}
