//! Finding a region by the name a clerk types ("水井坊", "锦江区水井坊社区"),
//! so that no form asks for a 12-digit code.

use renkou_domain::{RegionCode, RegionLevel};

use crate::database::rows::RegionRow;
use crate::error::StoreResult;
use crate::{Store, on_pool};

/// A region found by name, with the names of the regions above it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionMatch {
    /// The region's code.
    pub code: RegionCode,
    /// The region's own name.
    pub name: String,
    /// Every level's name from the province down (`四川省成都市锦江区…`).
    pub path: String,
}

/// How many regions a search returns at most.
pub const MATCH_LIMIT: i64 = 30;

/// `%` and `_` typed by a user mean themselves.
fn like_escaped(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

impl Store {
    /// The current regions (of `level`, inside `within`) whose name is the
    /// text, or contains it when none is; a text that is a path
    /// ("锦江区水井坊") is matched by its end and checked against the path
    /// of each region found. At most [`MATCH_LIMIT`], exact names first.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn regions_named(
        &self,
        text: &str,
        within: Option<&RegionCode>,
        level: Option<RegionLevel>,
    ) -> StoreResult<Vec<RegionMatch>> {
        let text: String = text.split_whitespace().collect();
        let chars: Vec<char> = text.chars().collect();
        // The whole text first, then ever shorter ends of it (at least two
        // characters), the rest of the text to be found in the path.
        for start in 0..chars.len().saturating_sub(1).max(1) {
            let tail: String = chars[start..].iter().collect();
            let head: String = chars[..start].iter().collect();
            let rows = self.regions_containing(&tail, within, level).await?;
            if rows.is_empty() {
                continue;
            }
            let mut found = Vec::new();
            for row in rows {
                let Ok(code) = RegionCode::parse(&row.code) else {
                    continue;
                };
                let path = self.region_path(&code).await?;
                if path.contains(&head) {
                    found.push(RegionMatch {
                        code,
                        name: row.name,
                        path,
                    });
                }
            }
            if !found.is_empty() {
                let exact: Vec<RegionMatch> =
                    found.iter().filter(|m| m.name == tail).cloned().collect();
                return Ok(if exact.is_empty() { found } else { exact });
            }
        }
        Ok(Vec::new())
    }

    /// The names of a region and the regions above it, run together.
    pub async fn region_path(&self, code: &RegionCode) -> StoreResult<String> {
        let mut levels: Vec<RegionCode> = RegionLevel::ALL
            .iter()
            .map(|l| code.ancestor(*l))
            .take_while(|a| a.level() <= code.level())
            .collect();
        levels.dedup();
        let names = self.region_names(&levels).await?;
        Ok(levels
            .iter()
            .filter_map(|c| names.get(c).map(String::as_str))
            .collect())
    }

    async fn regions_containing(
        &self,
        text: &str,
        within: Option<&RegionCode>,
        level: Option<RegionLevel>,
    ) -> StoreResult<Vec<RegionRow>> {
        let (low, high) = within.map_or_else(
            || (String::new(), ":".to_string()),
            RegionCode::descendant_range,
        );
        let sql = concat!(
            "SELECT ",
            crate::database::rows::region_columns!(),
            " FROM regions WHERE code >= $1 AND code < $2 AND valid_to IS NULL \
             AND ($3 = '' OR level = $3) AND name LIKE $4 ESCAPE '\\' \
             ORDER BY CASE WHEN name = $5 THEN 0 ELSE 1 END, code LIMIT $6"
        );
        let level = level.map_or("", |l| l.as_str());
        let pattern = format!("%{}%", like_escaped(text));
        Ok(on_pool!(self, pool => sqlx::query_as::<_, RegionRow>(sql)
            .bind(&low)
            .bind(&high)
            .bind(level)
            .bind(&pattern)
            .bind(text)
            .bind(MATCH_LIMIT)
            .fetch_all(pool)
            .await?))
    }
}
