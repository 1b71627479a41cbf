//! 旧系统信息卡转换: a county's family-planning office uploads the export of
//! its old WIS database (women.csv and children.csv) and sees, township by
//! township, what became of every card — converted onto the woman's
//! record, to be entered by her village (补录), to be verified (核) — and
//! every value that could not be read, with file, line and column. Only
//! cards of villages the officer may change are converted, and only women
//! living there are candidates.

use axum::extract::State;
use maud::html;
use renkou_domain::date::today_in_china;
use renkou_domain::{RegionCode, Subsystem};
use renkou_store::{ConversionInput, Scope};

use crate::web::auth::{WebSession, csrf_token};
use crate::web::error::PageResult;
use crate::web::layout::page;
use crate::web::upload::Upload;
use crate::{ApiError, AppState};

/// Rows of a long list shown on the page (the rest are counted).
const SHOWN: usize = 200;

/// `GET /wis/import`: the upload form.
pub async fn form(WebSession(session): WebSession) -> PageResult {
    let scope = Scope::writing(&session.account, Subsystem::Wis);
    Ok(page(
        "信息卡转换",
        &session,
        html! {
            h1 { "旧系统育龄妇女信息卡转换" }
            @if scope.regions().is_empty() {
                p.notice { "您没有录入育龄妇女信息的权限，不能转换信息卡。" }
            } @else {
                p { "上传原育龄妇女信息系统导出的两个 CSV 文件：妇女信息卡（每人一行）和子女信息（每个子女一行），列名见系统说明。每张卡在人口库中查找本人：找到的，将库中没有的婚姻、子女、避孕措施和孕情登记到她名下；找不到的，生成补录任务交所在村（社区）；与库中不一致的，生成核查任务。同一批文件再次上传不会重复登记。" }
                p.muted { "只转换您管辖的村（社区）的信息卡；数量很大的导出文件请由系统管理员用命令行转换。" }
                form method="post" action="/wis/import" enctype="multipart/form-data" {
                    input type="hidden" name="csrf" value=(csrf_token(&session));
                    label for="source" { "来源名称（如 原县计生信息系统）" }
                    input #source name="source" required;
                    label for="women" { "妇女信息卡文件" }
                    input #women type="file" name="women" accept=".csv,text/csv" required;
                    label for="children" { "子女信息文件" }
                    input #children type="file" name="children" accept=".csv,text/csv" required;
                    button.primary type="submit" { "开始转换" }
                }
            }
        },
    ))
}

/// `POST /wis/import` (multipart: `csrf`, `source`, `women`, `children`).
pub async fn upload(
    State(state): State<AppState>,
    WebSession(session): WebSession,
    multipart: axum::extract::Multipart,
) -> PageResult {
    let mut form = Upload::read(multipart, &session).await?;
    let scope = Scope::writing(&session.account, Subsystem::Wis);
    if scope.regions().is_empty() {
        return Err(ApiError::forbidden("您没有录入育龄妇女信息的权限，不能转换信息卡").into());
    }
    let source = form.field("source").to_string();
    if source.is_empty() {
        return Err(ApiError::invalid("source", "请填写来源名称").into());
    }
    let (women_name, women) = form.file("women", "请选择妇女信息卡文件")?;
    let (children_name, children) = form.file("children", "请选择子女信息文件")?;
    let mut input = ConversionInput::read(
        &women,
        &women_name,
        &children,
        &children_name,
        &source,
        &session.account.username.to_string(),
    )
    .map_err(|e| ApiError::invalid("women", format!("文件无法读取，未转换：{e}")))?;
    if input.cards.cards_read == 0 {
        return Err(ApiError::invalid("women", "妇女信息卡文件中没有记录，未转换").into());
    }
    let home = scope.regions().first().copied();
    input.within = Some(scope);
    let report = state
        .store
        .convert_wis_cards(input, &state.settings.wis.policy, today_in_china())
        .await?;
    state
        .audit
        .write(vec![session.audit_entry(
            "convert_wis_cards",
            None,
            format!(
                "{source} {women_name} {children_name}: {} cards, converted {}, unmatched {}, conflicting {}, unreadable {}",
                report.cards, report.converted, report.unmatched, report.conflicting, report.unreadable
            ),
        )])
        .await?;
    let townships: Vec<RegionCode> = report
        .townships
        .keys()
        .filter_map(|c| RegionCode::parse(c).ok())
        .collect();
    let names = state.region_names(&townships).await?;
    Ok(page(
        "信息卡转换结果",
        &session,
        html! {
            h1 { "信息卡转换结果 " span.muted { (source) } }
            p {
                "读取信息卡 " (report.cards) " 张、子女 " (report.children) " 人："
                "转换 " (report.converted) " 张"
                @if report.unchanged > 0 { "（其中 " (report.unchanged) " 张上次已转换且未变化）" }
                "，未找到本人 " (report.unmatched) " 张（已生成补录任务），与库中不一致 "
                (report.conflicting) " 张（已生成核查任务），无法读取 " (report.unreadable) " 张。"
                "新登记事项 " (report.events) " 件，新生成任务 " (report.tasks) " 条。"
            }
            table.report {
                thead { tr {
                    th { "乡镇（街道）" } th { "信息卡" } th { "已转换" }
                    th { "未找到（待补录）" } th { "不一致（待核查）" }
                } }
                tbody {
                    @for (code, t) in &report.townships {
                        tr {
                            td { (RegionCode::parse(code).ok().and_then(|c| names.get(&c)).map_or(code.as_str(), String::as_str)) }
                            td.n { (t.cards) } td.n { (t.converted) }
                            td.n { (t.unmatched) } td.n { (t.conflicting) }
                        }
                    }
                }
            }
            @if !report.problems.is_empty() {
                h2 { "无法识别的项目（" (report.problems.len()) "）" }
                p.muted { "无法读取的信息卡和子女记录已原样保存，待更正后重新上传。" }
                table {
                    thead { tr { th { "文件" } th { "行" } th { "项目" } th { "内容" } th { "原因" } } }
                    tbody {
                        @for p in report.problems.iter().take(SHOWN) {
                            tr { td { (p.file) } td { (p.line) } td { (p.column) } td { (p.value) } td { (p.reason) } }
                        }
                    }
                }
                @if report.problems.len() > SHOWN { p.muted { "仅显示前 " (SHOWN) " 项。" } }
            }
            @if !report.outside.is_empty() {
                h2 { "不在您管辖范围内的信息卡（" (report.outside.len()) "）" }
                p.notice { "以下信息卡的现住地不在您的管辖范围内，未转换。" }
                table {
                    thead { tr { th { "行" } th { "卡号" } th { "现住地代码" } } }
                    tbody {
                        @for (line, card, village) in report.outside.iter().take(SHOWN) {
                            tr { td { (line) } td { (card) } td { (village) } }
                        }
                    }
                }
            }
            @if let Some(home) = home {
                p.actions { a href={ "/tasks?region=" (home.as_str()) } { "查看补录和核查任务" } }
            }
        },
    ))
}

/// The upload, with the body limit of every upload.
pub fn routes(settings: &crate::Settings) -> axum::Router<AppState> {
    use axum::routing::get;
    let upload_limit = settings.server.max_upload_mib * 1024 * 1024;
    axum::Router::new().route(
        "/wis/import",
        get(form)
            .post(upload)
            .layer(axum::extract::DefaultBodyLimit::max(upload_limit)),
    )
}
