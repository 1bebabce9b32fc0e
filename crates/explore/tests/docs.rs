//! Every `explore` command the README and the manuals in docs/ show is run, as a user would
//! paste it, with its outputs sent to a temporary folder (never over the shipped figures or
//! data): it must succeed, a `gen` must remake the shipped file byte for byte, and where the
//! page shows the command's output after `$ explore …`, every line shown must be what it prints.
//! Commands on files the reader brings (`houses.npz`, `european.csv`) and synopses (`DATA`,
//! `[--flag …]`) are not runnable and are skipped by rule, each rule below.

mod common;

use common::{explore, root, stderr, stdout};

/// A command from a page, with the output lines shown after it (for `$ explore …`).
struct Shown {
    page: String,
    command: String,
    output: Vec<String>,
}

/// The `explore …` commands in the fenced blocks of `text`, joined across `\` continuations,
/// comments after `#` dropped.
fn commands(page: &str, text: &str) -> Vec<Shown> {
    let mut found = Vec::new();
    let mut in_block = false;
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if line.trim_start().starts_with("```") {
            in_block = !in_block;
            continue;
        }
        if !in_block {
            continue;
        }
        let dollar = line.starts_with("$ explore ");
        if !dollar && !line.starts_with("explore ") {
            continue;
        }
        let mut command = line.trim_start_matches("$ ").to_string();
        while command.ends_with('\\') {
            command.pop();
            command.push_str(lines.next().unwrap_or("").trim());
        }
        let command = command.split(" # ").next().unwrap().trim().to_string();
        let mut output = Vec::new();
        if dollar {
            while let Some(next) = lines.peek() {
                if next.starts_with("```") || next.starts_with("$ ") {
                    break;
                }
                output.push(lines.next().unwrap().to_string());
            }
        }
        found.push(Shown {
            page: page.to_string(),
            command,
            output,
        });
    }
    found
}

/// The README and the manuals in docs/.
fn pages(root: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut pages = vec![root.join("README.md")];
    let mut docs: Vec<_> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    pages.extend(docs);
    pages
}

/// Every `.rs` file under `dir`, each as its lines trimmed.
fn source_files(dir: &std::path::Path, into: &mut Vec<Vec<String>>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            source_files(&path, into);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            into.push(text.lines().map(|l| l.trim().to_string()).collect());
        }
    }
}

/// Whether `lines` occur in `file` in their order (other lines may come between: a page leaves
/// out what does not teach).
fn in_order(lines: &[String], file: &[String]) -> bool {
    let mut rest = file.iter();
    lines.iter().all(|line| rest.any(|l| l == line))
}

/// The Rust the pages quote is the project's own, in its order: an example's loop or an
/// optimizer's update shown in a manual cannot drift from the code it quotes.
#[test]
fn every_snippet_of_rust_the_pages_show_is_in_one_source_file_in_order() {
    let root = root();
    let mut files = Vec::new();
    for dir in [
        "examples",
        "crates/explore/src",
        "crates/loss/src",
        "crates/model/src",
    ] {
        source_files(&root.join(dir), &mut files);
    }
    let mut checked = 0;
    for page in pages(&root) {
        let text = std::fs::read_to_string(&page).unwrap();
        let mut snippet: Option<Vec<String>> = None;
        for line in text.lines() {
            let fence = line.trim_start();
            if fence.starts_with("```") {
                if let Some(lines) = snippet.take() {
                    assert!(
                        files.iter().any(|f| in_order(&lines, f)),
                        "{}: this Rust is in no source file, in this order:\n{}",
                        page.display(),
                        lines.join("\n")
                    );
                    checked += lines.len();
                } else if fence == "```rust" {
                    snippet = Some(Vec::new());
                }
                continue;
            }
            let line = line.trim();
            if let Some(lines) = snippet.as_mut() {
                if !line.is_empty() && !line.starts_with("//") {
                    lines.push(line.to_string());
                }
            }
        }
    }
    assert!(checked >= 10, "only {checked} lines of Rust found");
}

#[test]
fn every_command_the_pages_show_runs_and_prints_what_they_show() {
    let root = root();
    let pages = pages(&root);
    let dir = tempfile::tempdir().unwrap();
    let mut ran = 0;
    for page in &pages {
        let name = page.strip_prefix(&root).unwrap().display().to_string();
        let text = std::fs::read_to_string(page).unwrap();
        for shown in commands(&name, &text) {
            let words: Vec<String> = shown
                .command
                .split_whitespace()
                .skip(1)
                .map(|w| w.trim_matches('\'').to_string())
                .collect();
            // A synopsis, not a command.
            if words.iter().any(|w| w == "DATA" || w.starts_with('[')) {
                continue;
            }
            // Data the reader brings: any --data that is not in data/.
            let data = words
                .iter()
                .position(|w| w == "--data")
                .map(|i| words[i + 1].clone());
            if data.as_ref().is_some_and(|d| !d.starts_with("data/")) {
                continue;
            }
            // Outputs go to the temporary folder; a remade data set is compared with the shipped.
            let mut remade = None;
            let args: Vec<String> = words
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    let after = i > 0
                        && ["--plot", "--out", "--animate", "--save"]
                            .contains(&words[i - 1].as_str());
                    if !after {
                        return w.clone();
                    }
                    let to = dir.path().join(w.replace('/', "_"));
                    if words[i - 1] == "--out" {
                        remade = Some((root.join(w), to.clone()));
                    }
                    to.display().to_string()
                })
                .collect();
            let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
            // The playground runs until stopped: here on any free port, for a second.
            let serving = args[0] == "serve";
            if serving && !args.contains(&"--port") {
                args.extend(["--port", "0"]);
            }
            if serving {
                args.extend(["--stop-after", "1"]);
            }
            let out = explore(&args);
            let what = format!("{}: explore {}", shown.page, shown.command);
            assert!(out.status.success(), "{what}\n{}", stderr(&out));
            if let Some((shipped, made)) = remade {
                assert_eq!(
                    std::fs::read(&made).unwrap(),
                    std::fs::read(&shipped).unwrap(),
                    "{what}: the shipped {} is not what it makes",
                    shipped.display()
                );
            }
            // The port a server printed is the one it was given.
            let port = |text: &str| match (serving, text.find("http://127.0.0.1:")) {
                (true, Some(at)) => {
                    let from = at + "http://127.0.0.1:".len();
                    let digits = text[from..].bytes().take_while(u8::is_ascii_digit).count();
                    format!("{}PORT{}", &text[..from], &text[from + digits..])
                }
                _ => text.to_string(),
            };
            let printed = port(&stdout(&out));
            for line in shown.output.iter().filter(|l| !l.trim().is_empty()) {
                let line = port(line);
                assert!(
                    printed.lines().any(|p| p.trim_end() == line.trim_end()),
                    "{what}: the page shows\n{line}\nbut it prints\n{printed}"
                );
            }
            ran += 1;
        }
    }
    // The commands above, at least: a change that loses them all fails here.
    assert!(ran >= 20, "only {ran} commands found");
}
