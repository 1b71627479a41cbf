//! The WIS code tables. GB/T 18848's own code values are not public, so
//! these are the project's own (`standards/wis-*.csv`, each with a column
//! for the official code), following the categories national
//! family-planning statistics report.

use crate::codes::code_type;

code_type!(
    /// Contraception method (避孕方法, project-local): `00` 未避孕, `01` 输精管结扎 … `09` 其他.
    Method, "wis-method.csv", "避孕方法"
);
code_type!(
    /// How a pregnancy ended (妊娠结局, project-local): `1` 活产, `2` 死产, `3` 人工流产, `4` 自然流产.
    Outcome, "wis-pregnancy-outcome.csv", "妊娠结局"
);
code_type!(
    /// A child's health at birth (子女出生健康状况, project-local).
    ChildHealth, "wis-child-health.csv", "子女出生健康状况"
);
code_type!(
    /// The kind of facility that served her (服务机构类型, project-local).
    Facility, "wis-facility.csv", "服务机构类型"
);
code_type!(
    /// The result of a pregnancy check (孕情检查结果, project-local).
    CheckResult, "wis-pregnancy-check.csv", "孕情检查结果"
);
code_type!(
    /// The result of an IUD check (宫内节育器检查结果, project-local).
    IudCheckResult, "wis-iud-check.csv", "节育器检查结果"
);
code_type!(
    /// A reproductive-health service (生殖健康服务项目, project-local).
    Service, "wis-service.csv", "生殖健康服务项目"
);

impl Method {
    /// `00` 未避孕: no method.
    pub fn none() -> Method {
        Method::parse("00").unwrap_or_else(|_| unreachable!("00 is in wis-method.csv"))
    }

    /// Whether the method prevents pregnancy (`01`–`09`), as contraceptive
    /// prevalence counts it.
    pub fn contracepts(&self) -> bool {
        self.code() != "00"
    }

    /// Whether the method is long-acting: sterilisation, IUD, implant.
    pub fn long_acting(&self) -> bool {
        matches!(self.code(), "01" | "02" | "03" | "04")
    }

    /// Whether the method is an intra-uterine device (checked on a schedule).
    pub fn is_iud(&self) -> bool {
        self.code() == "03"
    }

    /// Whether the method is a sterilisation (permanent: never "changed").
    pub fn is_sterilisation(&self) -> bool {
        matches!(self.code(), "01" | "02")
    }
}

impl Outcome {
    /// `1` 活产.
    pub fn live_birth() -> Outcome {
        Outcome::parse("1").unwrap_or_else(|_| unreachable!("1 is in wis-pregnancy-outcome.csv"))
    }

    /// Whether a child was born alive.
    pub fn is_live_birth(&self) -> bool {
        self.code() == "1"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_card_codes_read_by_code_or_label() {
        assert_eq!(Method::parse("3").unwrap().name(), "宫内节育器");
        assert_eq!(Method::parse("宫内节育器").unwrap().code(), "03");
        assert!(Method::parse("03").unwrap().long_acting());
        assert!(!Method::none().contracepts());
        assert!(Outcome::parse("活产").unwrap().is_live_birth());
        assert_eq!(Method::all().count(), 10);
        let e = Method::parse("12").unwrap_err();
        assert_eq!(e.to_string(), "“12”不在避孕方法代码表中");
    }
}
