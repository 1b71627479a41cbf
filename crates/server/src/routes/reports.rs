//! Statistical reports over the real-time counters: JSON, CSV or XLSX, for
//! any region inside the caller's own.

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use renkou_domain::report::{Report, ReportName};
use renkou_domain::{Period, RegionCode, RegionLevel, parse_date};
use renkou_formats::CsvHeadings;
use renkou_store::{ReportRequest, Scope};
use serde::Deserialize;

use crate::session::Session;
use crate::{ApiError, AppState};

/// Report parameters (the API's and the pages').
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// The region (12 digits); the caller's first region when absent.
    pub region: Option<String>,
    /// Level of the rows: city, county, township or village (one below the region when absent).
    pub level: Option<String>,
    /// The day the figures hold at, `YYYY-MM-DD` (today when absent).
    pub date: Option<String>,
    /// For `changes`: `2026-03`, `2026-Q1` or `2026` (this month when absent).
    pub period: Option<String>,
    /// `json` (default), `csv` or `xlsx`.
    pub format: Option<String>,
    /// For `csv`: `keys` for the columns' keys as headings, without a byte
    /// order mark (for programs); Chinese headings after a UTF-8 byte order
    /// mark when absent (for Excel).
    pub headings: Option<String>,
}

/// The region a page or report asks for (`region=`; the caller's first
/// region when absent), refused outside the caller's regions.
pub fn region_asked(code: Option<&str>, session: &Session) -> Result<RegionCode, ApiError> {
    region_in(code, &Scope::of(&session.account))
}

/// The region asked for (default: the first of `scope`), refused outside `scope`.
pub fn region_in(code: Option<&str>, scope: &Scope) -> Result<RegionCode, ApiError> {
    let region = match code.filter(|r| !r.is_empty()) {
        Some(code) => {
            RegionCode::parse(code).map_err(|e| ApiError::invalid("region", e.to_string()))?
        }
        None => *scope
            .regions()
            .first()
            .ok_or_else(|| ApiError::forbidden("您的账号尚未分配管辖区域"))?,
    };
    if !scope.contains(&region) {
        return Err(ApiError::forbidden(format!(
            "区划 {region} 不在您的管辖范围内，只能查看本辖区的数据"
        )));
    }
    Ok(region)
}

impl ReportQuery {
    /// The request these parameters describe, refused outside the caller's regions.
    pub fn request(&self, name: &str, session: &Session) -> Result<ReportRequest, ApiError> {
        let name = ReportName::parse(name).ok_or_else(ApiError::not_found)?;
        let region = region_asked(self.region.as_deref(), session)?;
        let level = match self.level.as_deref().filter(|l| !l.is_empty()) {
            Some(l) => Some(
                RegionLevel::parse(l)
                    .ok_or_else(|| ApiError::invalid("level", format!("区划级别 {l} 有误")))?,
            ),
            None => None,
        };
        let date = match self.date.as_deref().filter(|d| !d.is_empty()) {
            Some(d) => Some(
                parse_date(d).map_err(|e| ApiError::invalid("date", format!("日期有误：{e}")))?,
            ),
            None => None,
        };
        let period = match self.period.as_deref().filter(|p| !p.is_empty()) {
            Some(p) => Some(Period::parse(p).map_err(|_| {
                ApiError::invalid(
                    "period",
                    format!("统计期 {p} 有误：应为 2026-03、2026-Q1 或 2026"),
                )
            })?),
            None => None,
        };
        Ok(ReportRequest {
            name,
            region,
            level,
            date,
            period,
            today: renkou_domain::date::today_in_china(),
        })
    }
}

/// `GET /api/v1/reports/{name}`: a standard report with one row per region
/// one level down and a total, from the counters.
#[utoipa::path(get, path = "/api/v1/reports/{name}", tag = "reports",
    params(("name" = String, Path, description = "population, registration, households, changes or women"), ReportQuery),
    security(("session" = []), ("token" = [])),
    responses(
        (status = 200, description = "`{\"region\", \"rows\": [{\"region_code\", \"region_name\", \"total\", …}], \"total\"}`; CSV or XLSX with `format`"),
        (status = 400, description = "A parameter is wrong", body = ApiError),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "The region is outside the caller's", body = ApiError),
        (status = 404, description = "No such report", body = ApiError)))]
pub async fn report(
    State(state): State<AppState>,
    session: Session,
    Path(name): Path<String>,
    Query(query): Query<ReportQuery>,
) -> Result<Response, ApiError> {
    let request = query.request(&name, &session)?;
    let report = state.report(&request).await?;
    let headings = match query.headings.as_deref() {
        Some("keys") => CsvHeadings::Keys,
        None | Some("") | Some("chinese") => CsvHeadings::Chinese,
        Some(other) => {
            return Err(ApiError::invalid(
                "headings",
                format!("表头 {other} 有误：应为 keys 或 chinese"),
            ));
        }
    };
    export(&report, query.format.as_deref(), headings)
}

/// The report in the asked format.
pub fn export(
    report: &Report,
    format: Option<&str>,
    headings: CsvHeadings,
) -> Result<Response, ApiError> {
    let file = |ext: &str| {
        let name = format!(
            "{}-{}-{}.{ext}",
            report.report,
            report.region.code,
            report
                .period
                .clone()
                .unwrap_or_else(|| report.date.to_string())
        );
        format!("attachment; filename=\"{name}\"")
    };
    let failed = |e: &dyn std::fmt::Display| {
        tracing::error!(error = %e, "report export failed");
        ApiError::unavailable()
    };
    Ok(match format.unwrap_or("json") {
        "json" => axum::Json(report).into_response(),
        "csv" => {
            let body = renkou_formats::report_csv(report, headings).map_err(|e| failed(&e))?;
            (
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                    (header::CONTENT_DISPOSITION, file("csv")),
                ],
                body,
            )
                .into_response()
        }
        "xlsx" => {
            let body = renkou_formats::report_xlsx(report).map_err(|e| failed(&e))?;
            (
                [
                    (
                        header::CONTENT_TYPE,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                            .to_string(),
                    ),
                    (header::CONTENT_DISPOSITION, file("xlsx")),
                ],
                body,
            )
                .into_response()
        }
        other => {
            return Err(ApiError::invalid(
                "format",
                format!("格式 {other} 有误：应为 json、csv 或 xlsx"),
            ));
        }
    })
}

/// The standard reports.
pub fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::get;
    axum::Router::new().route("/api/v1/reports/{name}", get(report))
}
