//! `renkou id check`: validate identity numbers.

use std::io::BufRead;
use std::process::ExitCode;

use renkou_domain::IdNumber;

/// `renkou id …`
#[derive(Debug, clap::Subcommand)]
pub enum IdCommand {
    /// One line per number: `valid <18-digit form> <birth date> <sex>` or `invalid <reason>`.
    /// Reads one number per line from stdin when none are given. Exits 1 if any is invalid.
    Check {
        /// Numbers to check.
        numbers: Vec<String>,
    },
}

pub fn run(command: IdCommand) -> anyhow::Result<ExitCode> {
    let IdCommand::Check { numbers } = command;
    let mut all_valid = true;
    let mut check = |text: &str| {
        let line = check_line(text);
        all_valid &= line.starts_with("valid");
        println!("{line}");
    };
    if numbers.is_empty() {
        for line in std::io::stdin().lock().lines() {
            check(&line?);
        }
    } else {
        numbers.iter().for_each(|n| check(n));
    }
    Ok(if all_valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The verdict on one number, as printed.
pub fn check_line(text: &str) -> String {
    match IdNumber::parse(text) {
        Ok(id) => format!(
            "valid {id} {} {}",
            id.birth_date(),
            if id.sex() == renkou_domain::Sex::Male {
                "male"
            } else {
                "female"
            }
        ),
        Err(e) => format!("invalid {e}"),
    }
}
