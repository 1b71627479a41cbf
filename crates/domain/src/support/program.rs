//! A support program: its rules, the amount it pays, and the verdict it
//! gives a person.

use cel::{Context, Program, Value};
use serde::{Deserialize, Serialize};

use super::facts::FamilyFacts;

/// A rule with the reason it gives when it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// The reason staff and citizens read (未满60周岁).
    pub reason: String,
    /// CEL over the family's facts, true when the reason applies.
    pub when: String,
}

/// One program (`[[support.programs]]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SupportProgram {
    /// Its key (`reward`, `special`): ASCII, as the command line names it.
    pub key: String,
    /// Its title as staff read it.
    pub title: String,
    /// Checked in order: the first that holds excludes, with its reason.
    pub exclude: Vec<Condition>,
    /// Then checked in order: the first that holds includes, with its reason.
    pub include: Vec<Condition>,
    /// The reason of an exclusion when no inclusion holds.
    pub otherwise: String,
    /// CEL giving the yearly amount in yuan for an included person.
    pub amount: String,
}

fn condition(reason: &str, when: &str) -> Condition {
    Condition {
        reason: reason.into(),
        when: when.into(),
    }
}

/// Agricultural hukou (农业家庭户口, 农业集体户口).
const RURAL: &str = "['2', '4']";

impl SupportProgram {
    /// The programs a province starts with, as the national rules of 2004
    /// (reward) and 2007 (special support) set them, at the amounts of 2016
    /// (80 yuan a month; 450 a month for a child who died, 350 for one
    /// disabled); a province raises them in its configuration.
    pub fn defaults() -> Vec<SupportProgram> {
        vec![
            SupportProgram {
                key: "reward".into(),
                title: "农村部分计划生育家庭奖励扶助".into(),
                exclude: vec![
                    condition("已死亡或已迁出", "!alive"),
                    condition("未满60周岁", "age < 60"),
                    condition("户口类别不详，待核实", "hukou_type == ''"),
                    condition("本人非农业户口", &format!("!(hukou_type in {RURAL})")),
                    condition(
                        "配偶非农业户口",
                        &format!("spouse_hukou_type != '' && !(spouse_hukou_type in {RURAL})"),
                    ),
                ],
                include: vec![
                    condition("现存一个子女", "children == 1"),
                    condition("现存两个女孩", "children == 2 && daughters == 2"),
                    condition("子女死亡现无子女", "children == 0 && children_born > 0"),
                ],
                otherwise: "子女情况不符（无生育，或现存子女多于一个且非两个女孩）".into(),
                amount: "960".into(),
            },
            SupportProgram {
                key: "special".into(),
                title: "计划生育家庭特别扶助".into(),
                exclude: vec![
                    condition("已死亡或已迁出", "!alive"),
                    condition("女方未满49周岁", "woman_age < 49"),
                    condition("曾生育子女不止一个或未生育", "children_born != 1"),
                ],
                include: vec![
                    condition("独生子女死亡", "children == 0"),
                    condition("独生子女伤病残（三级以上）", "children_disabled == 1"),
                ],
                otherwise: "独生子女健在且无三级以上残疾".into(),
                amount: "children == 0 ? 5400 : 4200".into(),
            },
        ]
    }
}

/// A person's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub eligible: bool,
    /// The reason of the inclusion or exclusion.
    pub reason: String,
    /// Yuan a year (0 when excluded).
    pub amount: i64,
}

/// A rule that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProgramError {
    #[error("扶助项目的键“{0}”应为英文字母、数字或下划线")]
    Key(String),
    #[error("扶助项目“{program}”的条件“{reason}”无法解析：{detail}")]
    Parse {
        program: String,
        reason: String,
        detail: String,
    },
    #[error("扶助项目“{program}”的条件“{reason}”无法求值：{detail}")]
    Evaluate {
        program: String,
        reason: String,
        detail: String,
    },
    #[error("扶助项目“{program}”的条件“{reason}”应得出是或否，得出的是 {value}")]
    NotABoolean {
        program: String,
        reason: String,
        value: String,
    },
    #[error("扶助项目“{program}”的金额应得出 0 至 1000000 元之间的整数，得出的是 {value}")]
    NotAnAmount { program: String, value: String },
    #[error("没有键为“{0}”的扶助项目")]
    Unknown(String),
}

/// A program compiled once, to judge many persons.
pub struct Judge {
    key: String,
    exclude: Vec<(String, Program)>,
    include: Vec<(String, Program)>,
    otherwise: String,
    amount: Program,
    root: Context<'static>,
}

impl std::fmt::Debug for Judge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Judge").field("key", &self.key).finish()
    }
}

impl Judge {
    /// Compiles a program's rules and checks them on sample families (at
    /// start, so that a wrong rule is refused before any roll is made).
    pub fn new(program: &SupportProgram) -> Result<Judge, ProgramError> {
        let key = &program.key;
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(ProgramError::Key(key.clone()));
        }
        let compile = |c: &Condition| {
            Program::compile(&c.when)
                .map(|p| (c.reason.clone(), p))
                .map_err(|e| ProgramError::Parse {
                    program: key.clone(),
                    reason: c.reason.clone(),
                    detail: e.to_string(),
                })
        };
        let amount = Program::compile(&program.amount).map_err(|e| ProgramError::Parse {
            program: key.clone(),
            reason: "金额".into(),
            detail: e.to_string(),
        })?;
        let judge = Judge {
            key: key.clone(),
            exclude: program
                .exclude
                .iter()
                .map(compile)
                .collect::<Result<_, _>>()?,
            include: program
                .include
                .iter()
                .map(compile)
                .collect::<Result<_, _>>()?,
            otherwise: program.otherwise.clone(),
            amount,
            root: Context::default(),
        };
        for sample in samples() {
            judge.all_conditions(&sample)?;
        }
        Ok(judge)
    }

    /// The program's key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The verdict on one person.
    pub fn judge(&self, facts: &FamilyFacts) -> Result<Verdict, ProgramError> {
        let mut context = self.root.new_inner_scope();
        context.set_variable_resolver(facts);
        for (reason, rule) in &self.exclude {
            if self.holds(&context, reason, rule)? {
                return Ok(excluded(reason));
            }
        }
        for (reason, rule) in &self.include {
            if self.holds(&context, reason, rule)? {
                return Ok(Verdict {
                    eligible: true,
                    reason: reason.clone(),
                    amount: self.amount_in(&context)?,
                });
            }
        }
        Ok(excluded(&self.otherwise))
    }

    /// The yearly amount the program would pay this family, whatever the
    /// verdict (an appeal upheld pays it).
    pub fn amount(&self, facts: &FamilyFacts) -> Result<i64, ProgramError> {
        let mut context = self.root.new_inner_scope();
        context.set_variable_resolver(facts);
        self.amount_in(&context)
    }

    fn amount_in(&self, context: &Context) -> Result<i64, ProgramError> {
        match self.amount.execute(context) {
            Ok(Value::Int(n)) if (0..=1_000_000).contains(&n) => Ok(n),
            Ok(Value::UInt(n)) if n <= 1_000_000 => Ok(n as i64),
            other => Err(ProgramError::NotAnAmount {
                program: self.key.clone(),
                value: format!("{other:?}"),
            }),
        }
    }

    /// Evaluates every condition and the amount (the check at start: a rule
    /// judged only late in the order must work too).
    fn all_conditions(&self, facts: &FamilyFacts) -> Result<(), ProgramError> {
        let mut context = self.root.new_inner_scope();
        context.set_variable_resolver(facts);
        for (reason, rule) in self.exclude.iter().chain(&self.include) {
            self.holds(&context, reason, rule)?;
        }
        self.judge(facts).map(|_| ())
    }

    fn holds(&self, context: &Context, reason: &str, rule: &Program) -> Result<bool, ProgramError> {
        match rule.execute(context) {
            Ok(Value::Bool(b)) => Ok(b),
            Ok(other) => Err(ProgramError::NotABoolean {
                program: self.key.clone(),
                reason: reason.into(),
                value: format!("{other:?}"),
            }),
            Err(e) => Err(ProgramError::Evaluate {
                program: self.key.clone(),
                reason: reason.into(),
                detail: e.to_string(),
            }),
        }
    }
}

fn excluded(reason: &str) -> Verdict {
    Verdict {
        eligible: false,
        reason: reason.into(),
        amount: 0,
    }
}

/// Families a rule must give an answer for.
fn samples() -> [FamilyFacts; 2] {
    let parent = FamilyFacts {
        age: 62,
        sex: "1".into(),
        alive: true,
        hukou_type: "2".into(),
        has_spouse: true,
        spouse_age: 60,
        spouse_hukou_type: "2".into(),
        spouse_alive: true,
        woman_age: 60,
        children_born: 1,
        children: 1,
        sons: 1,
        daughters: 0,
        children_dead: 0,
        children_disabled: 0,
        youngest_child_age: 35,
        remarried: false,
    };
    let bereaved = FamilyFacts {
        children: 0,
        sons: 0,
        children_dead: 1,
        ..parent.clone()
    };
    [parent, bereaved]
}

/// Finds a program by key.
pub fn find<'a>(
    programs: &'a [SupportProgram],
    key: &str,
) -> Result<&'a SupportProgram, ProgramError> {
    programs
        .iter()
        .find(|p| p.key == key)
        .ok_or_else(|| ProgramError::Unknown(key.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn family(age: i64, hukou: &str, sons: i64, daughters: i64, dead: i64) -> FamilyFacts {
        FamilyFacts {
            age,
            hukou_type: hukou.into(),
            alive: true,
            sons,
            daughters,
            children: sons + daughters,
            children_dead: dead,
            children_born: sons + daughters + dead,
            woman_age: age,
            spouse_age: -1,
            youngest_child_age: -1,
            ..FamilyFacts::default()
        }
    }

    fn reward() -> Judge {
        Judge::new(&SupportProgram::defaults()[0]).unwrap()
    }

    #[test]
    fn a_rural_parent_of_sixty_with_one_child_is_rewarded() {
        let v = reward().judge(&family(60, "2", 1, 0, 0)).unwrap();
        assert_eq!(
            v,
            Verdict {
                eligible: true,
                reason: "现存一个子女".into(),
                amount: 960
            }
        );
        let two_girls = reward().judge(&family(66, "4", 0, 2, 0)).unwrap();
        assert_eq!(two_girls.reason, "现存两个女孩");
    }

    #[test]
    fn each_exclusion_names_the_first_condition_that_fails() {
        let r = reward();
        assert_eq!(
            r.judge(&family(59, "2", 1, 0, 0)).unwrap().reason,
            "未满60周岁"
        );
        assert_eq!(
            r.judge(&family(61, "1", 1, 0, 0)).unwrap().reason,
            "本人非农业户口"
        );
        assert_eq!(
            r.judge(&family(61, "", 1, 0, 0)).unwrap().reason,
            "户口类别不详，待核实"
        );
        let boy_and_girl = r.judge(&family(61, "2", 1, 1, 0)).unwrap();
        assert!(!boy_and_girl.eligible);
        assert!(boy_and_girl.reason.starts_with("子女情况不符"));
    }

    #[test]
    fn parents_who_lost_their_only_child_get_special_support() {
        let special = Judge::new(&SupportProgram::defaults()[1]).unwrap();
        let bereaved = special.judge(&family(52, "1", 0, 0, 1)).unwrap();
        assert_eq!((bereaved.eligible, bereaved.amount), (true, 5400));
        assert_eq!(
            special.judge(&family(47, "1", 0, 0, 1)).unwrap().reason,
            "女方未满49周岁"
        );
        let disabled = FamilyFacts {
            children_disabled: 1,
            ..family(55, "2", 1, 0, 0)
        };
        assert_eq!(special.judge(&disabled).unwrap().amount, 4200);
    }

    #[test]
    fn a_wrong_rule_is_refused_in_chinese_before_any_roll() {
        let mut p = SupportProgram::defaults().remove(0);
        p.include.push(condition("笔误", "childern == 1"));
        let e = Judge::new(&p).unwrap_err();
        assert!(matches!(e, ProgramError::Evaluate { .. }), "{e}");
        assert!(e.to_string().contains("笔误"));
        p.include.pop();
        p.amount = "'960元'".into();
        assert!(matches!(
            Judge::new(&p),
            Err(ProgramError::NotAnAmount { .. })
        ));
        p.amount = "960".into();
        p.exclude[0].when = "age +".into();
        assert!(matches!(Judge::new(&p), Err(ProgramError::Parse { .. })));
    }
}
