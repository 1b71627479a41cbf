//! A person's family facts from the register's links: the couple's
//! children are the children of either spouse (a child linked to one parent
//! only still counts for the couple), each counted once.

use std::collections::HashMap;

use super::facts::FamilyFacts;

/// What the roll reads of one person of the register.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Member {
    pub id: i64,
    /// Sex code.
    pub sex: String,
    pub birth_year: i32,
    /// Living and registered in the province.
    pub living: bool,
    /// Dead (as opposed to moved out).
    pub dead: bool,
    /// Hukou category code (empty: unknown).
    pub hukou_type: String,
    pub mother: Option<i64>,
    pub father: Option<i64>,
    pub spouse: Option<i64>,
    /// Holds a disability certificate of grade 1–3.
    pub disabled: bool,
    /// Remarried (marital status 22).
    pub remarried: bool,
    /// Whether the roll judges this person (registered in its region);
    /// the others are read only as family.
    pub considered: bool,
}

/// The register's persons linked as families.
#[derive(Debug)]
pub struct Families<'a> {
    members: &'a [Member],
    index: HashMap<i64, u32>,
    /// Each member's own children (by position).
    children: Vec<Vec<u32>>,
}

impl<'a> Families<'a> {
    /// Links the members by their parents.
    pub fn new(members: &'a [Member]) -> Families<'a> {
        let index: HashMap<i64, u32> = members
            .iter()
            .enumerate()
            .map(|(i, m)| (m.id, i as u32))
            .collect();
        let mut children = vec![Vec::new(); members.len()];
        for (i, m) in members.iter().enumerate() {
            for parent in [m.mother, m.father].into_iter().flatten() {
                if let Some(&p) = index.get(&parent) {
                    children[p as usize].push(i as u32);
                }
            }
        }
        Families {
            members,
            index,
            children,
        }
    }

    fn get(&self, id: Option<i64>) -> Option<&'a Member> {
        id.and_then(|id| self.index.get(&id))
            .map(|&i| &self.members[i as usize])
    }

    /// The facts of the member at `position` for roll year `year`.
    pub fn facts(&self, position: usize, year: i32) -> FamilyFacts {
        let me = &self.members[position];
        let spouse = self.get(me.spouse);
        let age = |m: &Member| i64::from(year - m.birth_year);
        let mut kids: Vec<u32> = self.children[position].clone();
        if let Some(s) = me.spouse.and_then(|id| self.index.get(&id)) {
            kids.extend(&self.children[*s as usize]);
            kids.sort_unstable();
            kids.dedup();
        }
        let mut facts = FamilyFacts {
            age: age(me),
            sex: me.sex.clone(),
            alive: me.living,
            hukou_type: me.hukou_type.clone(),
            has_spouse: spouse.is_some(),
            spouse_age: spouse.map_or(-1, age),
            spouse_hukou_type: spouse.map(|s| s.hukou_type.clone()).unwrap_or_default(),
            spouse_alive: spouse.is_some_and(|s| s.living),
            woman_age: match spouse {
                Some(s) if me.sex != "2" => age(s),
                _ => age(me),
            },
            youngest_child_age: -1,
            remarried: me.remarried || spouse.is_some_and(|s| s.remarried),
            ..FamilyFacts::default()
        };
        for &k in &kids {
            let child = &self.members[k as usize];
            facts.children_born += 1;
            let child_age = age(child);
            if facts.youngest_child_age < 0 || child_age < facts.youngest_child_age {
                facts.youngest_child_age = child_age;
            }
            if child.dead {
                facts.children_dead += 1;
                continue;
            }
            facts.children += 1;
            match child.sex.as_str() {
                "1" => facts.sons += 1,
                "2" => facts.daughters += 1,
                _ => {}
            }
            if child.disabled {
                facts.children_disabled += 1;
            }
        }
        facts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: i64, sex: &str, born: i32) -> Member {
        Member {
            id,
            sex: sex.into(),
            birth_year: born,
            living: true,
            hukou_type: "2".into(),
            considered: true,
            ..Member::default()
        }
    }

    #[test]
    fn a_child_linked_to_the_mother_only_counts_for_her_husband_too() {
        let mut father = member(1, "1", 1960);
        let mut mother = member(2, "2", 1962);
        father.spouse = Some(2);
        mother.spouse = Some(1);
        let mut daughter = member(3, "2", 1990);
        daughter.mother = Some(2);
        daughter.father = Some(1);
        let mut son = member(4, "1", 1993);
        son.mother = Some(2);
        son.dead = true;
        son.living = false;
        let members = [father, mother, daughter, son];
        let families = Families::new(&members);
        let his = families.facts(0, 2026);
        assert_eq!((his.children_born, his.children, his.daughters), (2, 1, 1));
        assert_eq!((his.children_dead, his.woman_age, his.age), (1, 64, 66));
        assert_eq!(his.youngest_child_age, 33);
        assert_eq!(families.facts(1, 2026).children_born, 2);
    }

    #[test]
    fn a_spouse_outside_the_register_is_no_spouse() {
        let mut widow = member(1, "2", 1950);
        widow.spouse = Some(99);
        let members = [widow];
        let facts = Families::new(&members).facts(0, 2026);
        assert!(!facts.has_spouse);
        assert_eq!((facts.spouse_age, facts.woman_age), (-1, 76));
    }
}
