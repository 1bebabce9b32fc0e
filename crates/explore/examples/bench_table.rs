//! Prints the performance table from the medians criterion recorded under `target/criterion`
//! (run `scripts/bench.sh`, which benchmarks first), and measures the peak memory of a real
//! `explore sweep` over 1,000,000 points and 100,000 weights.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

/// Median time in nanoseconds of every benchmark, by its full id (`group/threads=T/name[/k]`).
fn medians(root: &Path) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.ends_with("new/benchmark.json") {
                let read = |p: PathBuf| -> Option<Value> {
                    serde_json::from_str(&std::fs::read_to_string(p).ok()?).ok()
                };
                let (Some(bench), Some(est)) = (
                    read(path.clone()),
                    read(path.with_file_name("estimates.json")),
                ) else {
                    continue;
                };
                if let (Some(id), Some(median)) = (
                    bench["full_id"].as_str(),
                    est["median"]["point_estimate"].as_f64(),
                ) {
                    out.insert(id.to_string(), median);
                }
            }
        }
    }
    out
}

/// Peak resident memory of `explore sweep --method direct` on N = 1e6, K = 1e5, in bytes.
fn sweep_peak_memory(explore: &Path) -> Result<(u64, Duration), String> {
    let dir = std::env::temp_dir().join(format!("slope-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let data = dir.join("million.csv");
    let status = Command::new(explore)
        .args(["gen", "--n", "1000000", "--seed", "2", "--out"])
        .arg(&data)
        .stderr(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run {}: {e}", explore.display()))?;
    if !status.success() {
        return Err("explore gen failed".into());
    }
    let start = std::time::Instant::now();
    let mut child = Command::new(explore)
        .args([
            "sweep",
            "--method",
            "direct",
            "--weights",
            "-1:3:100000",
            "--format",
            "csv",
            "--quiet",
            "--data",
        ])
        .arg(&data)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    // VmHWM is the high-water mark of resident memory; read it until the process is gone.
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0u64;
    loop {
        if let Ok(text) = std::fs::read_to_string(&status_file) {
            for line in text.lines().filter(|l| l.starts_with("VmHWM:")) {
                let kib = line
                    .split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                peak_kib = peak_kib.max(kib);
            }
        }
        if child.try_wait().map_err(|e| e.to_string())?.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let elapsed = start.elapsed();
    let _ = std::fs::remove_dir_all(&dir);
    Ok((peak_kib * 1024, elapsed))
}

fn seconds(ns: f64) -> String {
    match ns {
        ns if ns >= 1e9 => format!("{:.2} s", ns / 1e9),
        ns if ns >= 1e6 => format!("{:.2} ms", ns / 1e6),
        ns if ns >= 1e3 => format!("{:.2} µs", ns / 1e3),
        ns => format!("{ns:.0} ns"),
    }
}

const USAGE: &str =
    "Prints the performance table from the criterion medians under target/criterion \
(run scripts/bench.sh first), and measures the peak memory of `explore sweep` on 1e6 points.

Usage: bench_table

Options:
  -h, --help  Print help";

fn main() {
    // No arguments but --help, which does nothing else; anything else is refused before work.
    match std::env::args().nth(1).as_deref() {
        None => {}
        Some("-h" | "--help") => {
            println!("{USAGE}");
            return;
        }
        Some(other) => {
            eprintln!("error: unexpected argument '{other}' found (bench_table takes only --help)");
            std::process::exit(2);
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target");
    let m = medians(&root.join("criterion"));
    if m.is_empty() {
        eprintln!("error: no criterion results under target/criterion: run scripts/bench.sh");
        std::process::exit(1);
    }
    let mut threads: Vec<String> = m
        .keys()
        .filter_map(|k| {
            k.split('/')
                .nth(1)
                .and_then(|t| t.strip_prefix("threads="))
                .map(String::from)
        })
        .collect();
    threads.sort_by_key(|t| std::cmp::Reverse(t.parse::<usize>().unwrap_or(0)));
    threads.dedup();

    let simd = if is_x86_feature_detected!("avx512f") {
        "AVX-512"
    } else if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
        "AVX2+FMA"
    } else {
        "scalar (no AVX2)"
    };
    println!("slope performance figures: medians of one `cargo bench` run; vector unit detected at run time: {simd}");
    println!();
    println!("| work | threads | slope | plain candle | ratio | target |");
    println!("|---|---|---|---|---|---|");
    for t in &threads {
        let get = |id: &str| m.get(&id.replace("{t}", t)).copied();
        if let (Some(f), Some(p)) = (
            get("sweep_1e6/threads={t}/fused/1000"),
            get("sweep_1e6/threads={t}/plain/20"),
        ) {
            let (fast, slow) = (1e6 * 1000.0 / f, 1e6 * 20.0 / p);
            println!("| direct sweep, N = 1e6 × K = 1000, f32 | {t} | {fast:.1} G eval/s | {slow:.2} G eval/s | {:.0}× | ≥ 20 G/s (≥ 50 with AVX2/AVX-512), ≥ 60× |", fast / slow);
        }
        if let Some(f) = get("surface_501x501_1e6/threads={t}/moments") {
            println!(
                "| surface 501 × 501, N = 1e6, moments | {t} | {} | — | — | ≤ 20 ms |",
                seconds(f)
            );
        }
        for n in ["1000000", "100"] {
            let key = |name: &str| format!("epoch_{n}/threads={{t}}/{name}");
            if let (Some(f), Some(p)) = (get(&key("fused")), get(&key("plain"))) {
                let target = if n == "100" {
                    "≤ 5 µs"
                } else {
                    "≤ 0.4 ms, ≥ 90×"
                };
                println!("| training epoch, N = {n}, learnable bias | {t} | {} | {} | {:.1}× | {target} |", seconds(f), seconds(p), p / f);
                if let Some(mm) = get(&key("plain_matmul")) {
                    println!(
                        "| … plain with matmul for (N,1)·(1,1) | {t} | {} | {} | {:.1}× | |",
                        seconds(f),
                        seconds(mm),
                        mm / f
                    );
                }
                let epochs = if n == "100" { 1000.0 } else { 20.0 };
                let loop_id = if n == "100" {
                    key("train_loop/1000")
                } else {
                    key("train_loop/20")
                };
                if let Some(l) = get(&loop_id) {
                    println!("| … the whole `explore train` loop, rows recorded, per epoch | {t} | {} | | | |", seconds(l / epochs));
                    if let Some(a) = get(&key("train_loop_adam/20")) {
                        println!("| … the same loop with Adam, per epoch | {t} | {} | SGD's {} | {:.2}× | ≤ 1.2× |", seconds(a / epochs), seconds(l / epochs), a / l);
                    }
                }
            }
        }
        if let Some(m) = get("minibatch_32_1e6/threads={t}/sgd_epoch") {
            println!("| mini-batches of 32, N = 1e6, shuffled, one epoch (31,250 updates) | {t} | {} | PyTorch DataLoader: see README | | ≥ 10× |", seconds(m));
        }
        if let Some(l) = get("landscape_mlp16x16_200/threads={t}/plane_21x21") {
            println!("| landscape plane 21 × 21, MLP 1-16-16-1, N = 200, a point at a time | {t} | {:.0} points/s | — | — | |", 441.0 / (l / 1e9));
            if let Some(b) = get("landscape_mlp16x16_200/threads={t}/batched_101x101") {
                let rate = 10201.0 / (b / 1e9);
                println!("| … batched, plane 101 × 101 | {t} | {rate:.0} points/s | {:.0} points/s, a point at a time | {:.1}× | ≥ 3× PyTorch vmap (`scripts/landscape_vmap.py`) |", 441.0 / (l / 1e9), rate / (441.0 / (l / 1e9)));
            }
        }
        for (id, what) in [
            (
                "csv_1000000_moments",
                "read a CSV of 1e6 points (38 MB), moments only",
            ),
            (
                "csv_1000000_f32",
                "read a CSV of 1e6 points into f32 columns",
            ),
            (
                "npy_1000000_f32",
                "read a .npy of 1e6 points into f32 columns",
            ),
            (
                "parquet_1000000_f32",
                "read a Parquet file of 1e6 points into f32 columns",
            ),
        ] {
            if let Some(r) = get(&format!("read/threads={{t}}/{id}")) {
                println!("| {what} | {t} | {} ({:.1} M rows/s) | polars, pandas: `scripts/read_bench.py` | | |", seconds(r), 1e6 / (r / 1e9) / 1e6);
            }
        }
    }
    let explore = root.join("release/explore");
    match sweep_peak_memory(&explore) {
        Ok((bytes, took)) => println!(
            "| peak memory, `explore sweep --method direct`, N = 1e6, K = 1e5 | default | {:.0} MiB ({:.1} s) | — | — | ≤ 1 GiB |",
            bytes as f64 / (1 << 20) as f64,
            took.as_secs_f64()
        ),
        Err(e) => println!("| peak memory | | not measured: {e} | | | |"),
    }
}
