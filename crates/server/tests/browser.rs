//! The web interface in a real headless Chromium, driven over WebDriver:
//! log in, find a person, register a birth, see it on the child's page,
//! log out. `scripts/browser-up.sh` installs Debian's chromium and
//! chromium-driver; `scripts/test.sh` sets `RENKOU_TEST_BROWSER=required` so
//! that CI fails rather than skips when they are missing.

mod common;

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use chrono::Datelike;

use fantoccini::{Client, ClientBuilder, Locator};
use renkou_store::on_both_engines;
use renkou_store::testing::TestDb;
use serde_json::json;

const PEOPLE: &str = "record_id,id_number,name,sex,birth_date,region_code,household_no,relation\n\
                      a,510104198503120010,李明,1,1985-03-12,510104017001,H1,02\n\
                      c,510104198807070024,王芳,2,1988-07-07,510104017001,H1,10\n";

/// chromedriver, stopped when dropped.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts chromedriver and a headless Chromium session, or `None` when the
/// browser is not installed and not required.
async fn browser(profile: &std::path::Path) -> Option<(Driver, Client)> {
    let installed = std::path::Path::new("/usr/bin/chromedriver").exists()
        && std::path::Path::new("/usr/bin/chromium").exists();
    if !installed {
        assert!(
            std::env::var("RENKOU_TEST_BROWSER").as_deref() != Ok("required"),
            "chromium and chromium-driver are missing: run scripts/browser-up.sh"
        );
        eprintln!("chromium not installed: browser test skipped");
        return None;
    }
    let port = free_port();
    let driver = Driver(
        Command::new("/usr/bin/chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let caps = json!({
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            // The flags this sandbox needs: no GPU, no sandbox as root, and no
            // background connections to Google's hosts (the network is closed).
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                format!("--user-data-dir={}", profile.display()),
            ]
        }
    });
    let caps = caps.as_object().unwrap().clone();
    for _ in 0..100 {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(client) => return Some((driver, client)),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    panic!("chromedriver did not start");
}

/// Serves the app on a free port of loopback.
async fn serve(db: &TestDb) -> String {
    let app = common::setup(db, PEOPLE).await;
    serve_app(app).await
}

/// Serves a router on a free port of loopback.
async fn serve_app(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    format!("http://{address}")
}

async fn fill(client: &Client, css: &str, text: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap()
        .send_keys(text)
        .await
        .unwrap();
}

async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// The page's heading once it contains `expected` (or after 10 s, whatever
/// it is then). A click starts a navigation that the browser finishes on
/// its own time: reading at once may see the old page, or lose the element
/// to the new one.
async fn heading(client: &Client, expected: &str) -> String {
    let mut last = String::new();
    for _ in 0..200 {
        if let Ok(h1) = client.find(Locator::Css("h1")).await
            && let Ok(text) = h1.text().await
        {
            if text.contains(expected) {
                return text;
            }
            last = text;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    last
}

async fn an_operator_logs_in_finds_a_mother_registers_a_birth_and_logs_out(db: &TestDb) {
    let profile = tempfile::tempdir().unwrap();
    let Some((_driver, client)) = browser(profile.path()).await else {
        return;
    };
    let base = serve(db).await;

    client.goto(&format!("{base}/")).await.unwrap();
    assert!(
        heading(&client, "登录").await.contains("登录"),
        "sent to the login page"
    );
    fill(&client, "#username", "wang").await;
    fill(&client, "#password", "renkou2026pw").await;
    click(&client, "button[type=submit]").await;
    assert_eq!(heading(&client, "工作台").await, "工作台");

    fill(&client, "#q", "510104198807070024").await;
    click(&client, "form.search button").await;
    assert!(
        heading(&client, "王芳").await.starts_with("王芳"),
        "one identity number opens that person's page"
    );

    client
        .find(Locator::LinkText("登记子女出生"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert!(heading(&client, "出生登记").await.starts_with("出生登记"));
    fill(&client, "#name", "李小明").await;
    client
        .find(Locator::Css("#sex"))
        .await
        .unwrap()
        .select_by_value("1")
        .await
        .unwrap();
    // A date input takes the digits in the browser's locale order; set it directly.
    client
        .execute(
            "document.getElementById('birth_date').value = '2026-11-01';",
            vec![],
        )
        .await
        .unwrap();
    fill(&client, "#other_parent", "510104198503120010").await;
    click(&client, "form.entry button[type=submit]").await;
    assert!(
        heading(&client, "李小明").await.starts_with("李小明"),
        "the child's page"
    );
    let page = client.source().await.unwrap();
    assert!(page.contains("出生"), "the timeline shows the birth");

    click(&client, "header form button").await;
    assert!(heading(&client, "登录").await.contains("登录"));
    client.goto(&format!("{base}/")).await.unwrap();
    assert!(
        heading(&client, "登录").await.contains("登录"),
        "logged out for good"
    );
    client.close().await.unwrap();
}

on_both_engines!(an_operator_logs_in_finds_a_mother_registers_a_birth_and_logs_out);

/// 王芳 and 李明 of village 017001 and their household; the police write
/// both names differently, so the collector has two tasks to settle.
const VILLAGE: &str = "record_id,id_number,name,sex,birth_date,region_code,household_no,relation,marital_status\n\
                       a,510104198503120010,李明,1,1985-03-12,510104017001,H1,02,20\n\
                       c,510104198807070024,王芳,2,1988-07-07,510104017001,H1,10,20\n";
const POLICE: &str = "record_id,id_number,name,sex,birth_date,region_code\n\
                      P1,510104198503120010,李铭,1,1985-03-12,510104017001\n\
                      P2,510104198807070024,王芳芳,2,1988-07-07,510104017001\n";

/// What the page shows a reader, checked on every page of the day: all in
/// Chinese, and on a phone nothing wider than the screen.
async fn page_reads_well(client: &Client, step: &str, phone: bool) {
    let text = client
        .execute("return document.body.innerText;", vec![])
        .await
        .unwrap();
    let words = common::english_words(text.as_str().unwrap_or(""));
    assert!(words.is_empty(), "{step}: English on the page: {words:?}");
    if phone {
        let fits = client
            .execute(
                "return document.documentElement.scrollWidth <= window.innerWidth + 1;",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(
            fits,
            json!(true),
            "{step}: the page is wider than the phone"
        );
    }
}

/// Whether the element is inside the window's width (reachable without
/// scrolling sideways).
async fn within_screen(client: &Client, css: &str) -> bool {
    let script = format!(
        "const e = document.querySelector({css:?}); const r = e.getBoundingClientRect(); \
         return r.left >= 0 && r.right <= window.innerWidth + 1;"
    );
    client.execute(&script, vec![]).await.unwrap() == json!(true)
}

async fn click_link_containing(client: &Client, text: &str) {
    client
        .wait()
        .for_element(Locator::XPath(&format!("//a[contains(., '{text}')]")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// The collector's day, at one width: home → her task → settled → a birth
/// registered → the household → the monthly change report → the printed list.
async fn collectors_day(client: &Client, base: &str, width: u32, child: &str) {
    let phone = width < 640;
    client
        .set_window_size(width, if phone { 844 } else { 768 })
        .await
        .unwrap();
    client.goto(&format!("{base}/login")).await.unwrap();
    fill(client, "#username", "cun").await;
    fill(client, "#password", "renkou2026pw").await;
    click(client, "button[type=submit]").await;
    assert_eq!(heading(client, "工作台").await, "工作台");
    let inner = client
        .execute("return window.innerWidth;", vec![])
        .await
        .unwrap();
    assert!(
        inner
            .as_u64()
            .is_some_and(|w| w.abs_diff(u64::from(width)) < 20),
        "the window is {inner} wide, not {width}"
    );
    page_reads_well(client, "home", phone).await;

    // Her work is one click from home.
    click_link_containing(client, "核查任务：信息不一致").await;
    heading(client, "核查任务").await;
    page_reads_well(client, "tasks", phone).await;
    assert!(
        within_screen(client, "form.resolve button").await,
        "the task's controls are on the screen"
    );
    if let Ok(dir) = std::env::var("RENKOU_SCREENSHOTS") {
        let png = client.screenshot().await.unwrap();
        std::fs::write(format!("{dir}/tasks-{width}.png"), png).unwrap();
    }
    let before = client
        .find_all(Locator::Css("form.resolve"))
        .await
        .unwrap()
        .len();
    client
        .find(Locator::Css("form.resolve select"))
        .await
        .unwrap()
        .select_by_value("keep_registry")
        .await
        .unwrap();
    fill(
        client,
        "form.resolve input[name=reason]",
        "入户核实，户口簿姓名与库中一致",
    )
    .await;
    click(client, "form.resolve button").await;
    for _ in 0..100 {
        let now = client
            .find_all(Locator::Css("form.resolve"))
            .await
            .unwrap()
            .len();
        if now < before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let after = client
        .find_all(Locator::Css("form.resolve"))
        .await
        .unwrap()
        .len();
    assert_eq!(after, before - 1, "the settled task left the list");

    // A birth, from the mother's page.
    client.goto(&format!("{base}/")).await.unwrap();
    fill(client, "#q", "王芳").await;
    click(client, "form.search button").await;
    click_link_containing(client, "王芳").await;
    assert!(heading(client, "王芳").await.starts_with("王芳"));
    page_reads_well(client, "person", phone).await;
    click_link_containing(client, "登记子女出生").await;
    heading(client, "出生登记").await;
    page_reads_well(client, "birth form", phone).await;
    fill(client, "#name", child).await;
    client
        .find(Locator::Css("#sex"))
        .await
        .unwrap()
        .select_by_value("2")
        .await
        .unwrap();
    // Born in the last full month, so that its change report lists her.
    let today = renkou_domain::date::today_in_china();
    let born = today
        .with_day(1)
        .and_then(|d| d.pred_opt())
        .and_then(|d| d.with_day(15))
        .unwrap();
    client
        .execute(
            &format!("document.getElementById('birth_date').value = '{born}';"),
            vec![],
        )
        .await
        .unwrap();
    fill(client, "#certificate", "Q510012345").await;
    click(client, "form.entry button[type=submit]").await;
    assert!(
        heading(client, child).await.starts_with(child),
        "the child's page"
    );
    let page = client.source().await.unwrap();
    assert!(page.contains("已完成：出生登记"), "what was done is said");
    page_reads_well(client, "child", phone).await;

    // The household, with the newborn as the head's daughter.
    click_link_containing(client, "查看本户").await;
    heading(client, "户号").await;
    let page = client.source().await.unwrap();
    assert!(page.contains(child) && page.contains("与户主关系"));
    page_reads_well(client, "household", phone).await;

    // The monthly change report lists the birth.
    client
        .goto(&format!("{base}/change-report?region=510104017001"))
        .await
        .unwrap();
    heading(client, "信息变更报告单").await;
    assert!(client.source().await.unwrap().contains(child));
    page_reads_well(client, "change report", phone).await;

    // The village's list, printed whole.
    client
        .goto(&format!("{base}/regions/510104017001"))
        .await
        .unwrap();
    heading(client, "人员名单").await;
    page_reads_well(client, "list", phone).await;
    click_link_containing(client, "打印全部").await;
    heading(client, "人员名单").await;
    let rows = client
        .find_all(Locator::Css("tbody tr"))
        .await
        .unwrap()
        .len();
    assert!(rows >= 3, "every villager on the printed list");
    page_reads_well(client, "printed list", phone).await;

    click(client, "header form button").await;
    heading(client, "登录").await;
}

async fn a_collector_works_through_her_day_on_a_desktop_and_a_phone(db: &TestDb) {
    let profile = tempfile::tempdir().unwrap();
    let Some((_driver, client)) = browser(profile.path()).await else {
        return;
    };
    let app = common::setup(db, VILLAGE).await;
    db.reconcile_csv("公安", "510104000000", POLICE).await;
    let grant = renkou_domain::Grant::new(
        renkou_domain::Role::VillageCollector,
        renkou_domain::RegionCode::parse("510104017001").unwrap(),
    )
    .unwrap();
    db.store
        .add_user(
            &renkou_domain::Username::parse("cun").unwrap(),
            Some("张采集"),
            &renkou_domain::password::hash_password("renkou2026pw").unwrap(),
            &[grant],
            "test",
        )
        .await
        .unwrap();
    let base = serve_app(app).await;
    collectors_day(&client, &base, 1366, "李小红").await;
    collectors_day(&client, &base, 390, "李小兰").await;
    client.close().await.unwrap();
}

on_both_engines!(a_collector_works_through_her_day_on_a_desktop_and_a_phone);
