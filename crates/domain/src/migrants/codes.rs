//! The migrants' code tables (project-local: the reasons the census long
//! form asks for leaving the place of registration, `standards/migrant-*.csv`
//! with a column for an official code).

use crate::codes::code_type;

code_type!(
    /// Why a migrant left the place of registration (流动原因, project-local):
    /// `1` 务工经商 … `9` 其他.
    MoveReason, "migrant-reason.csv", "流动原因"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_reads_by_code_or_label() {
        assert_eq!(MoveReason::parse("1").unwrap().name(), "务工经商");
        assert_eq!(MoveReason::parse("随迁家属").unwrap().code(), "4");
        assert_eq!(
            MoveReason::parse("12").unwrap_err().to_string(),
            "“12”不在流动原因代码表中"
        );
    }
}
