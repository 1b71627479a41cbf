//! What the command-line tests of the subsystems share: running `renkou`
//! on a database and reading its summary line.

use std::collections::HashMap;
use std::process::{Command, Output};

/// Runs `renkou` with `RENKOU_DB=db`.
pub fn renkou(db: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_renkou"))
        .current_dir(std::env::temp_dir())
        .env("RENKOU_DB", db)
        .args(args)
        .output()
        .expect("run renkou")
}

/// The standard output of a run that succeeded.
pub fn stdout(o: &Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The last line `word N, word N, …` as numbers by word.
#[allow(dead_code)] // not every test file reads a summary
pub fn summary(out: &str) -> HashMap<String, usize> {
    let last = out.lines().last().unwrap_or_default();
    last.split(", ")
        .filter_map(|part| {
            let (word, n) = part.split_once(' ')?;
            Some((word.to_string(), n.parse().ok()?))
        })
        .collect()
}
