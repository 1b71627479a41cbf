//! The frame around every page: header, navigation, and the stylesheet.

use axum::response::Html;
use maud::{DOCTYPE, Markup, html};

use renkou_domain::Subsystem;
use renkou_store::Scope;

use crate::session::Session;
use crate::web::assets::CSS_PATH;
use crate::web::auth::csrf_token;

/// A whole page for a logged-in user.
pub fn page(title: &str, session: &Session, body: Markup) -> Html<String> {
    let roles: Vec<&str> = session
        .account
        .grants
        .iter()
        .map(|g| g.role.chinese())
        .collect();
    let name = session
        .account
        .display_name
        .clone()
        .unwrap_or_else(|| session.account.username.clone());
    bare(
        title,
        html! {
            header {
                (menu(Some(session)))
                @if session.account.grants.iter().any(|g| g.role == renkou_domain::Role::Admin) {
                    a href="/admin/subscriptions" { "推送订阅" }
                    a href="/admin/system" { "系统状态" }
                }
                form method="post" action="/logout" {
                    span { (name) "（" (roles.join("、")) "）" }
                    " "
                    input type="hidden" name="csrf" value=(csrf_token(session));
                    button type="submit" { "退出" }
                }
            }
            main { (body) }
        },
    )
}

/// The subsystems' links of the header, each only under a grant that opens it.
const SUBSYSTEM_LINKS: [(Subsystem, &str, &str); 6] = [
    (Subsystem::Wis, "/wis/lists", "育龄妇女"),
    (Subsystem::Migrants, "/migrants", "流动人口"),
    (Subsystem::Support, "/support", "奖励扶助"),
    (Subsystem::Requests, "/requests", "群众需求"),
    (Subsystem::Certificates, "/certificates", "独生子女证"),
    (Subsystem::Rebirth, "/rebirth", "再生育审批"),
];

/// The links of the header (none of a user's own without a session); the
/// move-in form only for roles that record, each subsystem only under a
/// grant that opens it.
pub fn menu(session: Option<&Session>) -> Markup {
    let records = session.is_some_and(|s| !Scope::writable(&s.account).regions().is_empty());
    let opened: Vec<(&str, &str)> = SUBSYSTEM_LINKS
        .iter()
        .filter(|(sub, _, _)| {
            session.is_some_and(|s| !Scope::reading(&s.account, *sub).regions().is_empty())
        })
        .map(|(_, href, label)| (*href, *label))
        .collect();
    html! {
        strong { a href="/" { "人口信息平台" } }
        a href="/" { "首页" }
        a href="/dashboard" { "综合" }
        a href="/search" { "查询" }
        @if records { a href="/events/move_in" { "迁入登记" } }
        a href="/reports" { "统计" }
        a href="/tasks" { "核查" }
        @for (href, label) in &opened { a href=(href) { (label) } }
        a href="/password" { "修改密码" }
    }
}

/// `?done=KIND&elsewhere=1`: the page follows a registration of that kind
/// (of a person now outside the user's regions).
#[derive(Debug, Default, serde::Deserialize)]
pub struct Done {
    done: Option<String>,
    elsewhere: Option<String>,
}

/// The notice that a registration was recorded, on the page shown after it
/// (nothing for a kind no form records).
pub fn done_notice(done: &Done) -> Markup {
    let title = done.done.as_deref().and_then(crate::web::forms::title_of);
    let elsewhere = done.elsewhere.is_some();
    html! {
        @if let Some(title) = title {
            p.done role="status" {
                "已完成：" (title) "。"
                @if elsewhere { "此人现住地已不在您的管辖区域内。" }
            }
        }
    }
}

/// A page without the header (the login page).
pub fn bare(title: &str, body: Markup) -> Html<String> {
    Html(
        html! {
            (DOCTYPE)
            html lang="zh-CN" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { (title) " - 人口信息平台" }
                    link rel="stylesheet" href=(CSS_PATH.as_str());
                }
                body { (body) }
            }
        }
        .into_string(),
    )
}
