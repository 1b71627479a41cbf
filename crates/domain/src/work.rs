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
    /// Collectors' entries waiting for the township's review (待审核).
    ReviewPending,
    /// Entries the township returned, for the collector to correct (被退回).
    ReviewReturned,
    /// Women on a family-planning work list of the month (WIS).
    WisList(crate::wis::ListKind),
    /// Migrants' notices in the office's inbox, to handle (流动人口信息交换).
    Notices,
    /// Of those, past their deadline (逾期).
    NoticesOverdue,
    /// Open cases of a family-planning service the office has itself: to
    /// decide, answer or tell.
    Cases(crate::cases::CaseKind),
}

impl WorkKind {
    /// What the work is, as staff read it.
    pub fn label(self) -> String {
        match self {
            WorkKind::Verification(kind) => format!("核查任务：{}", kind.label()),
            WorkKind::MissingIdNumber => "缺少公民身份号码，请核实补录".to_string(),
            WorkKind::ReviewPending => "采集员登记待审核".to_string(),
            WorkKind::ReviewReturned => "被退回的登记，请修改后重新提交".to_string(),
            WorkKind::WisList(kind) => format!("育龄妇女：{}", kind.title()),
            WorkKind::Notices => "流动人口信息交换：待办理的通报".to_string(),
            WorkKind::NoticesOverdue => "流动人口信息交换：逾期未办".to_string(),
            WorkKind::Cases(kind) => format!("待办理：{}", kind.label()),
        }
    }

    /// The unit its count is in.
    pub fn unit(self) -> &'static str {
        match self {
            WorkKind::Verification(_) => "条",
            WorkKind::MissingIdNumber => "人",
            WorkKind::ReviewPending | WorkKind::ReviewReturned => "件",
            WorkKind::WisList(_) => "人",
            WorkKind::Notices | WorkKind::NoticesOverdue | WorkKind::Cases(_) => "件",
        }
    }

    /// Whether only those who review entries act on it (a collector cannot
    /// approve her own entries, so her home page leaves it out).
    pub fn for_reviewers(self) -> bool {
        self == WorkKind::ReviewPending
    }
}

/// Open work of one kind in a region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct OpenWork {
    pub kind: WorkKind,
    /// How many items wait (never 0 in a work list).
    pub count: i64,
}
