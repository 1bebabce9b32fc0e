//! What every program of the project does with its command line and its errors: a usage error is
//! one line and exit code 2, any other error one line and exit code 1, never a panic trace.

use std::fmt::Display;
use std::process::ExitCode;

/// Parses the command line into `T`; on a usage error prints one line and exits with code 2.
/// `--help` and `--version` print as usual.
pub fn parse<T: clap::Parser>() -> T {
    match T::try_parse() {
        Ok(args) => args,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(
                e.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                e.exit();
            }
            eprintln!("{}", usage_line(&e.render().to_string()));
            std::process::exit(2);
        }
    }
}

/// clap's error message up to its usage block, folded onto one line.
fn usage_line(rendered: &str) -> String {
    rendered
        .lines()
        .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The exit code for a program's result, printing an error as one line on stderr.
pub fn exit<E: Display>(result: Result<(), E>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // `{:#}` prints an anyhow error's whole chain of causes on one line.
            let text = format!("{e:#}");
            let line: Vec<&str> = text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            eprintln!("error: {}", line.join("; "));
            ExitCode::FAILURE
        }
    }
}
