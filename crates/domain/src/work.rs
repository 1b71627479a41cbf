//! Open work (待办): what waits for the staff of a region, whatever subsystem
//! it comes from. Each subsystem adds its kinds here and counts them in the
//! store's work list; the home page lists every kind with its count and a
//! link to where it is done.

use serde::Serialize;

use crate::verification::TaskKind;

/// One kind of open work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case", tag = "subsystem", content = "kind")]
pub enum WorkKind {
    /// Verification tasks of one kind (核查任务), from a reconciliation.
    Verification(TaskKind),
    /// Living residents without an identity number, to be completed (补录).
    MissingIdNumber,
}

impl WorkKind {
    /// What the work is, as staff read it.
    pub fn label(self) -> String {
        match self {
            WorkKind::Verification(kind) => format!("核查任务：{}", kind.label()),
            WorkKind::MissingIdNumber => "缺少公民身份号码，请核实补录".to_string(),
        }
    }

    /// The unit its count is in.
    pub fn unit(self) -> &'static str {
        match self {
            WorkKind::Verification(_) => "条",
            WorkKind::MissingIdNumber => "人",
        }
    }
}

/// Open work of one kind in a region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct OpenWork {
    pub kind: WorkKind,
    /// How many items wait (never 0 in a work list).
    pub count: i64,
}
