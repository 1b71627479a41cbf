//! The `renkou` command as an operator uses it: exit codes, messages, the
//! errors file, and an import killed half-way that leaves nothing behind.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use renkou_store::testing::TestDb;

fn renkou(db: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_renkou"))
        // A PostgreSQL database keeps its audit key in the working directory.
        .current_dir(std::env::temp_dir())
        .env("RENKOU_DB", db)
        .args(args)
        .output()
        .expect("run renkou")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const HEADER: &str = "record_id,id_number,name,sex,birth_date,ethnicity,region_code,household_no,relation,status,death_date\n";

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}

/// Both engines, one after the other (PostgreSQL when RENKOU_TEST_PG is set).
async fn each_engine(test: impl AsyncFn(&TestDb)) {
    let db = TestDb::sqlite().await;
    test(&db).await;
    db.finish().await;
    if let Some(db) = TestDb::postgres().await {
        test(&db).await;
        db.finish().await;
    }
}

#[test]
fn id_check_says_valid_or_why_not_and_fails_if_any_is_invalid() {
    let out = renkou(
        "sqlite://unused.db",
        &[
            "id",
            "check",
            "51018220240229006x",
            "510104198503120011",
            "510104850312001",
        ],
    );
    assert_eq!(
        stdout(&out),
        "valid 51018220240229006X 2024-02-29 female\n\
         invalid 校验码有误：末位为 1，按前 17 位应为 0（请核对号码）\n\
         valid 510104198503120010 1985-03-12 male\n"
    );
    assert!(!out.status.success());
    let mut child = Command::new(env!("CARGO_BIN_EXE_renkou"))
        // A PostgreSQL database keeps its audit key in the working directory.
        .current_dir(std::env::temp_dir())
        .args(["id", "check"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"11010519491231002X\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(stdout(&out), "valid 11010519491231002X 1949-12-31 female\n");
    assert!(out.status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_lists_every_bad_row_in_the_errors_file_and_a_second_run_changes_nothing() {
    each_engine(async |db: &TestDb| {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("police.csv");
        write(
            &file,
            &format!(
                "{HEADER}p1,510104198503120010,李明,1,1985-03-12,01,510104017001,H1,02,active,\n\
                 p2,510104198503120011,张三,1,1985-03-12,01,510104017001,H2,02,active,\n\
                 p3,,王五,3,1985-02-30,01,510104017001,H3,02,active,\n"
            ),
        );
        let path = file.to_str().unwrap();
        let out = renkou(&db.url, &["import", path, "--source", "police"]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(
            stdout(&out).contains("inserted 1, updated 0, unchanged 0, rejected 2"),
            "{}",
            stdout(&out)
        );
        let errors = std::fs::read_to_string(dir.path().join("police.errors.csv")).unwrap();
        assert_eq!(
            errors,
            "line,column,value,reason,record_id\n\
             3,id_number,510104198503120011,校验码有误：末位为 1，按前 17 位应为 0（请核对号码）,p2\n\
             4,sex,3,“3”不在性别代码表中,p3\n\
             4,birth_date,1985-02-30,日期 1985-02-30 不存在,p3\n"
        );
        let again = renkou(&db.url, &["import", path, "--source", "police"]);
        assert!(
            stdout(&again).contains("inserted 0, updated 0, unchanged 1, rejected 2"),
            "{}",
            stdout(&again)
        );
        assert_eq!(db.store.counts().await.unwrap().pending, 2);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_formula_in_a_bad_row_reaches_the_errors_file_escaped_so_excel_does_not_run_it() {
    let db = TestDb::sqlite().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("police.csv");
    write(
        &file,
        &format!(
            "{HEADER}p1,510104198503120010,=1+2,1,1985-03-12,01,510104017001,@SUM(A:A),02,active,\n"
        ),
    );
    let out = renkou(
        &db.url,
        &["import", file.to_str().unwrap(), "--source", "police"],
    );
    assert!(stdout(&out).contains("rejected 1"), "{}", stdout(&out));
    let errors = std::fs::read_to_string(dir.path().join("police.errors.csv")).unwrap();
    assert!(errors.contains("\n2,name,'=1+2,"), "{errors}");
    assert!(!errors.contains(",=1+2"), "{errors}");
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_that_is_not_utf8_is_refused_and_nothing_is_imported() {
    each_engine(async |db: &TestDb| {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("gbk.csv");
        let mut bytes =
            format!("{HEADER}p1,,李明,1,1985-03-12,01,510104017001,,,active,\np2,,").into_bytes();
        bytes.extend_from_slice(&[0xCD, 0xF5, 0xB7, 0xBC]);
        bytes.extend_from_slice(b",2,1990-01-01,01,510104017001,,,active,\n");
        std::fs::write(&file, bytes).unwrap();
        let out = renkou(
            &db.url,
            &["import", file.to_str().unwrap(), "--source", "police"],
        );
        assert!(!out.status.success());
        assert!(
            stderr(&out).contains("第 3 行：文件不是 UTF-8 编码"),
            "{}",
            stderr(&out)
        );
        assert_eq!(db.store.counts().await.unwrap().persons, 0);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_killed_half_way_leaves_the_database_as_it_was_and_can_be_run_again() {
    each_engine(async |db: &TestDb| {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("big.csv");
        let mut text = String::from(HEADER);
        let start = chrono::NaiveDate::from_ymd_opt(1950, 1, 1).unwrap();
        let rows = 60_000;
        for i in 0..rows {
            let birth = start + chrono::Duration::days(i % 20_000);
            let id =
                renkou_domain::IdNumber::from_parts("510104", birth, (i / 20_000) as u16).unwrap();
            text.push_str(&format!(
                "r{i},{id},李明,1,{birth},01,510104017001,H{},02,active,\n",
                i / 3
            ));
        }
        write(&file, &text);
        let path = file.to_str().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_renkou"))
            // A PostgreSQL database keeps its audit key in the working directory.
            .current_dir(std::env::temp_dir())
            .env("RENKOU_DB", &db.url)
            .args(["import", path, "--source", "police"])
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(700));
        let _ = child.kill();
        let status = child.wait().unwrap();
        let persons = db.store.counts().await.unwrap().persons;
        if status.success() {
            assert_eq!(persons, rows, "finished before the kill: all in");
        } else {
            assert_eq!(persons, 0, "killed: nothing half-written");
        }
        let out = renkou(&db.url, &["import", path, "--source", "police"]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(db.store.counts().await.unwrap().persons, rows);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn person_show_prints_the_record_as_of_an_earlier_day() {
    each_engine(async |db: &TestDb| {
        let dir = tempfile::tempdir().unwrap();
        let first = dir.path().join("a.csv");
        write(
            &first,
            &format!(
                "{HEADER}p1,510104198503120010,李明,1,1985-03-12,01,510104017001,H1,02,active,\n"
            ),
        );
        renkou(
            &db.url,
            &["import", first.to_str().unwrap(), "--source", "police"],
        );
        let moved = dir.path().join("b.csv");
        write(
            &moved,
            &format!(
                "{HEADER}p1,510104198503120010,李明,1,1985-03-12,01,510107001004,H1,02,active,\n"
            ),
        );
        renkou(
            &db.url,
            &["import", moved.to_str().unwrap(), "--source", "police"],
        );
        let now = stdout(&renkou(&db.url, &["person", "show", "510104198503120010"]));
        assert!(
            now.contains("现住地 510107001004 洗面桥社区居委会"),
            "{now}"
        );
        assert!(now.contains("省内迁移"), "{now}");
        let before = stdout(&renkou(
            &db.url,
            &[
                "person",
                "show",
                "510104198503120010",
                "--as-of",
                "2000-01-01",
            ],
        ));
        assert!(
            before.contains("现住地 510104017001 水井坊社区居委会"),
            "{before}"
        );
        let missing = renkou(&db.url, &["person", "show", "110105194910010189"]);
        assert!(!missing.status.success());
        assert!(stderr(&missing).contains("no person with identity number 110105194910010189"));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_demo_province_exports_and_imports_into_another_database() {
    let dir = tempfile::tempdir().unwrap();
    let demo = format!("sqlite://{}", dir.path().join("demo.db").display());
    let init = renkou(&demo, &["init", "--regions-prefix", "5101"]);
    assert!(init.status.success(), "{}", stderr(&init));
    let out = renkou(&demo, &["demo", "--people", "3000", "--seed", "7"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("persons 3"), "{}", stdout(&out));
    let again = renkou(&demo, &["demo", "--people", "10"]);
    assert!(again.status.success());
    assert!(
        stdout(&again).contains("nothing generated"),
        "a second demo leaves the province as it is"
    );
    let export = renkou(&demo, &["export", "--region", "510100"]);
    assert!(export.status.success());
    let file = dir.path().join("export.csv");
    std::fs::write(&file, &export.stdout).unwrap();
    let copy = format!("sqlite://{}", dir.path().join("copy.db").display());
    renkou(&copy, &["init", "--regions-prefix", "5101"]);
    let imported = renkou(
        &copy,
        &["import", file.to_str().unwrap(), "--source", "demo"],
    );
    assert!(
        stdout(&imported).contains("rejected 0"),
        "{}",
        stdout(&imported)
    );
    let export_again = renkou(&copy, &["export"]);
    let body = |o: &Output| -> Vec<String> {
        stdout(o)
            .lines()
            .map(|l| l.split_once(',').map_or(l, |(_, rest)| rest).to_string())
            .collect()
    };
    assert_eq!(body(&export_again), body(&export));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rezoning_file_is_applied_in_one_command() {
    each_engine(async |db: &TestDb| {
        let dir = tempfile::tempdir().unwrap();
        let people = dir.path().join("p.csv");
        write(
            &people,
            &format!("{HEADER}p1,510104198503120010,李明,1,1985-03-12,01,510104017001,H1,02,active,\n"),
        );
        renkou(
            &db.url,
            &["import", people.to_str().unwrap(), "--source", "police"],
        );
        let file = dir.path().join("rezoning.csv");
        write(
            &file,
            "old_code,new_code,effective_date,new_name\n510104017000,510104099000,2026-01-01,锦官新街道\n",
        );
        let out = renkou(&db.url, &["regions", "apply", file.to_str().unwrap()]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(stdout(&out).contains("persons moved"), "{}", stdout(&out));
        let shown = stdout(&renkou(&db.url, &["person", "show", "510104198503120010"]));
        assert!(shown.contains("现住地 510104099001"), "{shown}");
        assert!(shown.contains("区划调整"), "{shown}");
        let again = renkou(&db.url, &["regions", "apply", file.to_str().unwrap()]);
        assert!(!again.status.success(), "the old code is retired now");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_manages_accounts_from_the_command_line() {
    each_engine(async |db: &TestDb| {
        let add = renkou(
            &db.url,
            &[
                "user",
                "add",
                "wang",
                "--password",
                "renkou2026pw",
                "--role",
                "township_operator",
                "--region",
                "510104017000",
            ],
        );
        assert!(add.status.success(), "{}", stderr(&add));
        let wrong_level = renkou(
            &db.url,
            &[
                "user",
                "grant",
                "wang",
                "--role",
                "county_manager",
                "--region",
                "510104017000",
            ],
        );
        assert!(!wrong_level.status.success());
        assert!(
            stderr(&wrong_level).contains("county_manager is granted for a county"),
            "{}",
            stderr(&wrong_level)
        );
        let weak = renkou(&db.url, &["user", "passwd", "wang", "--password", "123"]);
        assert!(!weak.status.success(), "a weak password is refused");
        renkou(
            &db.url,
            &[
                "user",
                "grant",
                "wang",
                "--role",
                "county_manager",
                "--region",
                "510107",
            ],
        );
        // The township's grant opens the family-planning cards too.
        renkou(
            &db.url,
            &[
                "user",
                "grant",
                "wang",
                "--role",
                "township_operator",
                "--region",
                "510104017000",
                "--subsystems",
                "registry,wis",
            ],
        );
        let list = stdout(&renkou(&db.url, &["user", "list"]));
        assert_eq!(
            list,
            "wang\t-\tactive\tcounty_manager@510107000000[registry] township_operator@510104017000[registry,wis]\n"
        );
    })
    .await;
}
