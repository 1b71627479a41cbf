//! The register CSV reader as an importing county sees it: legacy forms are
//! normalised, bad rows are reported with line, column and reason and kept,
//! broken files are refused whole.

use proptest::prelude::*;
use renkou_formats::{FileError, RegisterReader, RegisterRecord, RegisterWriter, Row};

fn read(text: &str) -> Vec<Row> {
    RegisterReader::new(text.as_bytes(), "test.csv")
        .expect("a register CSV")
        .collect::<Result<Vec<_>, _>>()
        .expect("readable rows")
}

fn record(row: &Row) -> &RegisterRecord {
    match row {
        Row::Record(r) => r,
        Row::Rejected(r) => panic!("row rejected: {:?}", r.errors),
    }
}

#[test]
fn legacy_forms_are_normalised_not_rejected() {
    let rows = read(
        "\u{feff}name,record_id,sex,birth_date,region_code,id_number,ethnicity,status,death_date,note\n\
         \u{3000}王 芳 ,r1,2,1990年1月1日,510107001001, ５１０１０７１９９００１０１００２６ ,1,,,kept\n\
         李明,r2,1,19850312,510104001001,510104850312001,01,dead,2020/5/6,\n",
    );
    let first = record(&rows[0]);
    assert_eq!(first.name.as_str(), "王芳");
    assert_eq!(first.birth_date.to_string(), "1990-01-01");
    assert_eq!(first.id_number.unwrap().as_str(), "510107199001010026");
    assert_eq!(first.ethnicity.unwrap().code(), "01");
    assert_eq!(first.extra, vec![("note".to_string(), "kept".to_string())]);
    let second = record(&rows[1]);
    assert_eq!(second.id_number.unwrap().as_str(), "510104198503120010");
    assert_eq!(second.death_date.unwrap().to_string(), "2020-05-06");
}

#[test]
fn every_bad_field_is_reported_with_line_column_and_reason_and_the_row_kept() {
    let rows = read(
        "record_id,name,sex,birth_date,region_code,id_number\n\
         r1,王芳,2,1990-01-01,510107001001,510107199001010026\n\
         r2,,3,1985-02-30,51010400100a,510104198503120011\n",
    );
    let Row::Rejected(rejected) = &rows[1] else {
        panic!("bad row accepted")
    };
    assert_eq!(rejected.line, 3);
    assert_eq!(rejected.record_id.as_deref(), Some("r2"));
    let reasons: Vec<(&str, &str)> = rejected
        .errors
        .iter()
        .map(|e| (e.column.as_str(), e.reason.as_str()))
        .collect();
    assert_eq!(
        reasons,
        vec![
            (
                "id_number",
                "校验码有误：末位为 1，按前 17 位应为 0（请核对号码）"
            ),
            ("name", "“name”列必须填写"),
            ("sex", "“3”不在性别代码表中"),
            ("birth_date", "日期 1985-02-30 不存在"),
            (
                "region_code",
                "区划代码“51010400100a”有误：应为 12 位数字（省、市、县也可写 2、4、6 位）"
            ),
        ]
    );
    assert!(
        rejected
            .raw
            .contains(&("id_number".to_string(), "510104198503120011".to_string()))
    );
}

#[test]
fn a_record_id_used_twice_is_rejected_pointing_at_the_first() {
    let rows = read(
        "record_id,name,sex,birth_date,region_code\n\
         r1,王芳,2,1990-01-01,510107001001\n\
         r1,李明,1,1985-03-12,510104001001\n",
    );
    let Row::Rejected(rejected) = &rows[1] else {
        panic!("duplicate accepted")
    };
    assert_eq!(rejected.errors[0].reason, "记录编号与第 2 行重复");
}

#[test]
fn a_missing_required_column_refuses_the_file_naming_it() {
    let err = RegisterReader::new("record_id,name,sex,region_code\n".as_bytes(), "police.csv")
        .err()
        .unwrap();
    assert_eq!(err.to_string(), "police.csv：表头缺少必需的列“birth_date”");
}

#[test]
fn a_file_that_is_not_utf8_is_refused_whole() {
    // "王芳" in GBK.
    let mut bytes = b"record_id,name,sex,birth_date,region_code\nr1,".to_vec();
    bytes.extend_from_slice(&[0xCD, 0xF5, 0xB7, 0xBC]);
    bytes.extend_from_slice(b",2,1990-01-01,510107001001\n");
    let result: Result<Vec<Row>, FileError> = RegisterReader::new(bytes.as_slice(), "gbk.csv")
        .unwrap()
        .collect();
    let err = result.unwrap_err();
    assert!(matches!(err, FileError::NotUtf8 { line: 2, .. }), "{err}");
}

#[test]
fn a_county_code_is_not_a_place_of_residence() {
    let rows = read("record_id,name,sex,birth_date,region_code\nr1,王芳,2,1990-01-01,510107\n");
    let Row::Rejected(rejected) = &rows[0] else {
        panic!("county accepted")
    };
    assert_eq!(
        rejected.errors[0].reason,
        "510107000000 是县级代码，这里需要村（社区）代码"
    );
}

proptest! {
    /// Whatever the names and ids contain (commas, quotes, newlines are
    /// refused or quoted), what the writer writes the reader reads back.
    #[test]
    fn written_records_read_back_unchanged(
        record_id in "[a-z0-9,\" ]{1,12}",
        name in "[王李张刘陈][芳明华伟]{1,2}",
        household in proptest::option::of("[0-9A-Z\",=+@'-]{1,10}"),
        days in 0i64..30_000,
    ) {
        prop_assume!(!record_id.trim().is_empty() && household.as_deref().is_none_or(|h| !h.trim().is_empty()));
        let birth = chrono::NaiveDate::from_ymd_opt(1940, 1, 1).unwrap() + chrono::Duration::days(days);
        let text = format!("record_id,name,sex,birth_date,region_code\n\"{}\",{name},1,{birth},510104001001\n", record_id.replace('"', "\"\""));
        let rows = read(&text);
        let mut original = record(&rows[0]).clone();
        original.household_no = household.map(|h| h.trim().to_string());
        let mut writer = RegisterWriter::new(Vec::new()).unwrap();
        writer.write(&original).unwrap();
        let written = String::from_utf8(writer.finish().unwrap()).unwrap();
        let again = read(&written);
        let mut back = record(&again[0]).clone();
        back.line = original.line;
        prop_assert_eq!(back, original);
    }
}

#[test]
fn a_formula_is_written_escaped_so_a_spreadsheet_does_not_run_it() {
    let rows = read(
        "record_id,name,sex,birth_date,region_code,household_no\nr1,王芳,2,1990-01-01,510104001001,=SUM(A:A)\n",
    );
    let mut writer = RegisterWriter::new(Vec::new()).unwrap();
    writer.write(record(&rows[0])).unwrap();
    let written = String::from_utf8(writer.finish().unwrap()).unwrap();
    assert!(written.contains(",'=SUM(A:A),"), "{written}");
    assert_eq!(
        record(&read(&written)[0]).household_no.as_deref(),
        Some("=SUM(A:A)"),
        "and reads back as it was"
    );
}

#[test]
fn a_stray_quote_or_an_oversized_field_refuses_the_file() {
    let header = "record_id,name,sex,birth_date,region_code\n";
    let mut rest = String::new();
    for i in 0..10 {
        rest.push_str(&format!("r{i},王芳,2,1990-01-01,510104001001\n"));
    }
    let stray = format!("{header}r0,\"王芳,2,1990-01-01,510104001001\n{rest}");
    let unclosed = format!("{header}r0,王芳,2,1990-01-01,\"510104001001\nr1,李,1,1990-01-01,5101");
    let oversized = format!(
        "{header}r0,{},2,1990-01-01,510104001001\n",
        "王".repeat(2000)
    );
    let quoted_newline = format!("{header}r0,\"王\n芳\",2,1990-01-01,510104001001\n");
    let open = |text: &str| {
        RegisterReader::new(text.as_bytes(), "f.csv")
            .unwrap()
            .read_all()
    };
    assert!(matches!(
        open(&stray),
        Err(FileError::UnterminatedQuote { line: 2, .. })
    ));
    assert!(matches!(
        open(&unclosed),
        Err(FileError::UnterminatedQuote { line: 2, .. })
    ));
    assert!(matches!(
        open(&oversized),
        Err(FileError::FieldTooLong { line: 2, .. })
    ));
    assert!(
        open(&quoted_newline).is_ok(),
        "a closed quote may hold a line break"
    );
}

#[test]
fn reading_on_all_cores_gives_the_same_rows_in_the_same_order() {
    let mut text = String::from("record_id,name,sex,birth_date,region_code,id_number\n");
    for i in 0..40_000u32 {
        // Every 997th row has an impossible date, every 1009th repeats an earlier id.
        let day = if i % 997 == 0 { 30 } else { 1 + i % 28 };
        let id = if i % 1009 == 5 { i - 5 } else { i };
        text.push_str(&format!("r{id},王芳,2,1990-02-{day:02},510107001001,\n"));
    }
    let one_by_one = read(&text);
    let (records, rejected) = RegisterReader::new(text.as_bytes(), "big.csv")
        .unwrap()
        .read_all()
        .unwrap();
    let expected_records: Vec<RegisterRecord> = one_by_one
        .iter()
        .filter_map(|r| match r {
            Row::Record(r) => Some((**r).clone()),
            Row::Rejected(_) => None,
        })
        .collect();
    let expected_rejected: Vec<_> = one_by_one
        .iter()
        .filter_map(|r| match r {
            Row::Rejected(r) => Some(r.clone()),
            Row::Record(_) => None,
        })
        .collect();
    assert_eq!(records, expected_records);
    assert_eq!(rejected, expected_rejected);
    assert_eq!(rejected.len(), 41 + 40, "bad dates and repeated ids");
}
