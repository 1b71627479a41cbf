//! What an eligibility rule reads of a person and their family.

use cel::Value;
use cel::context::VariableResolver;

/// A person's family as the register holds it, for one roll year.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FamilyFacts {
    /// Age reached in the roll year (the year minus the birth year).
    pub age: i64,
    /// Sex code (`1`, `2`, `9`).
    pub sex: String,
    /// Living (not dead, still registered in the province).
    pub alive: bool,
    /// Hukou category code (户口类别, `2` 农业家庭户口 …; empty: unknown).
    pub hukou_type: String,
    /// Whether a spouse is recorded.
    pub has_spouse: bool,
    /// The spouse's age in the roll year (-1: none recorded).
    pub spouse_age: i64,
    /// The spouse's hukou category code (empty: none or unknown).
    pub spouse_hukou_type: String,
    /// Whether the recorded spouse is living.
    pub spouse_alive: bool,
    /// The woman's age in the couple: hers, or his wife's; a man with no
    /// wife recorded is judged by his own age.
    pub woman_age: i64,
    /// Children born alive to the couple, living or not.
    pub children_born: i64,
    /// Children living now.
    pub children: i64,
    /// Living sons.
    pub sons: i64,
    /// Living daughters.
    pub daughters: i64,
    /// Children who died.
    pub children_dead: i64,
    /// Living children with a disability certificate of grade 1–3 (三级以上).
    pub children_disabled: i64,
    /// Age of the youngest child living or dead in the roll year (-1: none).
    pub youngest_child_age: i64,
    /// Either spouse remarried (再婚, marital status 22).
    pub remarried: bool,
}

/// The variables a rule may read, for the configuration's documentation.
pub const VARIABLES: [&str; 17] = [
    "age",
    "sex",
    "alive",
    "hukou_type",
    "has_spouse",
    "spouse_age",
    "spouse_hukou_type",
    "spouse_alive",
    "woman_age",
    "children_born",
    "children",
    "sons",
    "daughters",
    "children_dead",
    "children_disabled",
    "youngest_child_age",
    "remarried",
];

impl VariableResolver for FamilyFacts {
    // Read straight from the facts: no map of variables is built per person.
    fn resolve(&self, variable: &str) -> Option<Value> {
        let text = |s: &str| Some(Value::String(std::sync::Arc::new(s.to_string())));
        match variable {
            "age" => Some(Value::Int(self.age)),
            "sex" => text(&self.sex),
            "alive" => Some(Value::Bool(self.alive)),
            "hukou_type" => text(&self.hukou_type),
            "has_spouse" => Some(Value::Bool(self.has_spouse)),
            "spouse_age" => Some(Value::Int(self.spouse_age)),
            "spouse_hukou_type" => text(&self.spouse_hukou_type),
            "spouse_alive" => Some(Value::Bool(self.spouse_alive)),
            "woman_age" => Some(Value::Int(self.woman_age)),
            "children_born" => Some(Value::Int(self.children_born)),
            "children" => Some(Value::Int(self.children)),
            "sons" => Some(Value::Int(self.sons)),
            "daughters" => Some(Value::Int(self.daughters)),
            "children_dead" => Some(Value::Int(self.children_dead)),
            "children_disabled" => Some(Value::Int(self.children_disabled)),
            "youngest_child_age" => Some(Value::Int(self.youngest_child_age)),
            "remarried" => Some(Value::Bool(self.remarried)),
            _ => None,
        }
    }
}
