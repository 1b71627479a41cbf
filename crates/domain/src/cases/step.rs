//! What a case is and the steps it goes through.

use serde::{Deserialize, Serialize};

use crate::account::Subsystem;
use crate::region::RegionLevel;

/// What a case is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseKind {
    /// A migrant registered where they live, told to where they are
    /// registered, answered with the registration side's facts.
    MigrantNotice,
    /// A yearly reward or special support roll, reviewed township → county
    /// and approved by the city.
    SupportRoll,
    /// A citizen's request (群众需求), recorded at a village or township,
    /// answered there or sent up a level until someone answers; the answer
    /// goes back to the office that recorded it, which tells the citizen.
    CitizenRequest,
    /// An application for an only-child parents' certificate, reviewed by
    /// the township and approved (issued) by the county.
    OnlyChildCertificate,
    /// The revocation of a certificate a second child's birth raised,
    /// decided by the county.
    CertificateRevocation,
    /// A couple's application to have another child (再生育审批), with its
    /// documents, reviewed by the township and decided by the county.
    Rebirth,
    /// A citizen's appeal against an exclusion from a support roll,
    /// reviewed by the township and decided by the county.
    SupportAppeal,
}

impl CaseKind {
    /// Every kind.
    pub const ALL: [CaseKind; 7] = [
        CaseKind::MigrantNotice,
        CaseKind::SupportRoll,
        CaseKind::CitizenRequest,
        CaseKind::OnlyChildCertificate,
        CaseKind::CertificateRevocation,
        CaseKind::Rebirth,
        CaseKind::SupportAppeal,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseKind::MigrantNotice => "migrant_notice",
            CaseKind::SupportRoll => "support_roll",
            CaseKind::CitizenRequest => "citizen_request",
            CaseKind::OnlyChildCertificate => "only_child_certificate",
            CaseKind::CertificateRevocation => "certificate_revocation",
            CaseKind::Rebirth => "rebirth",
            CaseKind::SupportAppeal => "support_appeal",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<CaseKind> {
        CaseKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The name staff read.
    pub fn label(self) -> &'static str {
        match self {
            CaseKind::MigrantNotice => "流动人口信息交换",
            CaseKind::SupportRoll => "奖励扶助名册审核",
            CaseKind::CitizenRequest => "群众需求",
            CaseKind::OnlyChildCertificate => "独生子女父母光荣证申领",
            CaseKind::CertificateRevocation => "独生子女父母光荣证收回",
            CaseKind::Rebirth => "再生育审批",
            CaseKind::SupportAppeal => "奖励扶助申诉",
        }
    }

    /// The subsystem whose grants read and move cases of this kind.
    pub fn subsystem(self) -> Subsystem {
        match self {
            CaseKind::MigrantNotice => Subsystem::Migrants,
            CaseKind::SupportRoll | CaseKind::SupportAppeal => Subsystem::Support,
            CaseKind::CitizenRequest => Subsystem::Requests,
            CaseKind::OnlyChildCertificate | CaseKind::CertificateRevocation => {
                Subsystem::Certificates
            }
            CaseKind::Rebirth => Subsystem::Rebirth,
        }
    }

    /// The level whose approval ends an application of this kind (the
    /// levels below review it and send it up); none for a notice.
    pub fn approved_at(self) -> Option<RegionLevel> {
        match self {
            CaseKind::MigrantNotice | CaseKind::CitizenRequest => None,
            CaseKind::SupportRoll => Some(RegionLevel::City),
            CaseKind::OnlyChildCertificate
            | CaseKind::CertificateRevocation
            | CaseKind::Rebirth
            | CaseKind::SupportAppeal => Some(RegionLevel::County),
        }
    }
}

/// A step of a case. A case's state is its last step other than an escalation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// The sender sent it.
    Sent,
    /// The recipient's office has it.
    Received,
    /// It is known which person of the register it is about.
    Matched,
    /// The office that handles it (a village) has it.
    Assigned,
    /// That office has done what it asks.
    Handled,
    /// The answer is back with the sender.
    Answered,
    /// Past its deadline, it went to the level above.
    Escalated,
    /// An application (or a roll) handed in for review.
    Applied,
    /// Reviewed and passed by one level, sent to the level above.
    Forwarded,
    /// Approved by the level that decides: closed.
    Approved,
    /// Sent back to the office that handed it in, with the reason.
    Returned,
    /// The office that recorded a request told the citizen the answer.
    Told,
    /// Refused by the level that decides: closed.
    Refused,
}

impl Step {
    /// The steps a case goes through, in order (escalation aside).
    pub const FLOW: [Step; 6] = [
        Step::Sent,
        Step::Received,
        Step::Matched,
        Step::Assigned,
        Step::Handled,
        Step::Answered,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Sent => "sent",
            Step::Received => "received",
            Step::Matched => "matched",
            Step::Assigned => "assigned",
            Step::Handled => "handled",
            Step::Answered => "answered",
            Step::Escalated => "escalated",
            Step::Applied => "applied",
            Step::Forwarded => "forwarded",
            Step::Approved => "approved",
            Step::Returned => "returned",
            Step::Told => "told",
            Step::Refused => "refused",
        }
    }

    /// The steps of an application, in order (escalation aside).
    pub const REVIEW: [Step; 6] = [
        Step::Applied,
        Step::Forwarded,
        Step::Returned,
        Step::Approved,
        Step::Refused,
        Step::Told,
    ];

    /// Every step: the flow, the review, escalation.
    pub const ALL: [Step; 13] = [
        Step::Sent,
        Step::Received,
        Step::Matched,
        Step::Assigned,
        Step::Handled,
        Step::Answered,
        Step::Escalated,
        Step::Applied,
        Step::Forwarded,
        Step::Approved,
        Step::Returned,
        Step::Told,
        Step::Refused,
    ];

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|step| step.as_str() == s)
    }

    /// The name staff read.
    pub fn label(self) -> &'static str {
        match self {
            Step::Sent => "已发送",
            Step::Received => "已接收",
            Step::Matched => "已匹配",
            Step::Assigned => "已分派",
            Step::Handled => "已办理",
            Step::Answered => "已反馈",
            Step::Escalated => "已升级督办",
            Step::Applied => "已报送",
            Step::Forwarded => "审核通过，已上报",
            Step::Approved => "已批准",
            Step::Returned => "已退回",
            Step::Told => "已告知群众",
            Step::Refused => "不予批准",
        }
    }

    /// Whether the case still waits for someone (its deadline runs).
    pub fn is_open(self) -> bool {
        !matches!(
            self,
            Step::Handled | Step::Answered | Step::Approved | Step::Told | Step::Refused
        )
    }

    /// Whether a case in state `self` may take `next` by a person's hand:
    /// assigned (again) once matched, handled once assigned, matched once
    /// received.
    pub fn allows(self, next: Step) -> bool {
        matches!(
            (self, next),
            (Step::Received, Step::Matched)
                | (Step::Matched | Step::Assigned, Step::Assigned)
                | (Step::Assigned, Step::Handled)
                | (
                    Step::Applied | Step::Forwarded,
                    Step::Forwarded | Step::Approved | Step::Returned | Step::Refused
                )
                | (
                    Step::Returned,
                    Step::Applied | Step::Forwarded | Step::Approved
                )
                | (Step::Applied | Step::Forwarded, Step::Answered)
                | (Step::Answered, Step::Told)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_reads_back_from_its_stored_name() {
        for step in Step::ALL {
            assert_eq!(Step::parse(step.as_str()), Some(step));
            assert!(!step.label().is_empty());
            // Every step is in ALL: a new one must be added there too.
            let listed = match step {
                Step::Sent | Step::Received | Step::Matched | Step::Assigned => true,
                Step::Handled | Step::Answered | Step::Escalated | Step::Applied => true,
                Step::Forwarded | Step::Approved | Step::Returned | Step::Told => true,
                Step::Refused => true,
            };
            assert!(listed);
        }
        let mut names: Vec<&str> = Step::ALL.iter().map(|s| s.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Step::ALL.len());
        assert_eq!(Step::parse("done"), None);
    }

    #[test]
    fn a_notice_is_handled_only_by_the_office_it_was_assigned_to() {
        assert!(Step::Assigned.allows(Step::Handled));
        assert!(!Step::Matched.allows(Step::Handled));
        assert!(!Step::Handled.allows(Step::Handled));
        assert!(Step::Assigned.allows(Step::Assigned));
        assert!(!Step::Answered.allows(Step::Assigned));
    }

    #[test]
    fn an_application_is_decided_by_the_office_that_has_it_and_a_returned_one_is_handed_in_again() {
        assert!(Step::Applied.allows(Step::Forwarded));
        assert!(Step::Forwarded.allows(Step::Approved));
        assert!(Step::Forwarded.allows(Step::Returned));
        assert!(!Step::Approved.allows(Step::Returned));
        // The office it came back to decides it again (or hands it in anew).
        assert!(Step::Returned.allows(Step::Forwarded));
        assert!(!Step::Returned.allows(Step::Returned));
        assert!(Step::Returned.allows(Step::Applied));
        assert!(!Step::Approved.is_open());
        assert!(Step::Returned.is_open());
        assert_eq!(CaseKind::parse("support_roll"), Some(CaseKind::SupportRoll));
    }

    #[test]
    fn the_deadline_stops_once_the_case_is_handled() {
        assert!(Step::Assigned.is_open());
        assert!(!Step::Handled.is_open());
        assert!(!Step::Answered.is_open());
    }
}
