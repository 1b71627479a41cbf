//! The web interface in a real headless Chromium, driven over WebDriver:
//! log in, find a person, register a birth, see it on the child's page,
//! log out. `scripts/browser-up.sh` installs Debian's chromium and
//! chromium-driver; `scripts/test.sh` sets `RENKOU_TEST_BROWSER=required` so
//! that CI fails rather than skips when they are missing.

mod common;

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

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
