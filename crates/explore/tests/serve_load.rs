//! The playground under load: 50 pages at once on loopback, each recomputing its view 100
//! times, must all be answered, within a bounded time and memory. Prints the latencies' median
//! and 99th percentile and the server's peak memory (`cargo test --test serve_load --
//! --nocapture`; with `SLOPE_EXPLORE_BIN=target/release/explore` for a release build's figures).

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::server::{http, start};
use serde_json::json;

const CLIENTS: usize = 50;
const REQUESTS: usize = 100;
/// The whole test's bound: far beyond what it takes (about a minute in a debug build on two
/// cores), so that only a server that stalls or crawls exceeds it.
const DEADLINE: Duration = Duration::from_secs(600);

/// The server's resident memory now and at its peak, in MiB, from `/proc` (Linux).
fn memory(pid: u32) -> Option<(f64, f64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| -> Option<f64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb / 1024.0)
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

#[test]
fn fifty_pages_recomputing_at_once_are_all_answered() {
    let server = Arc::new(start(&["--data", "data/linear.csv", "--jobs", "2"]));
    let started = Instant::now();
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(CLIENTS * REQUESTS)));
    let failures = Arc::new(Mutex::new(Vec::new()));
    // Warm up, then note the memory a served page takes before the load.
    let one = json!({"data": "file"}).to_string();
    let headers = ["Content-Type: application/json"];
    assert_eq!(
        http(
            &server.addr,
            ("POST", "/api/view"),
            &headers,
            one.as_bytes()
        )
        .status,
        200
    );
    let before = memory(server.pid());
    let threads: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let (server, latencies, failures) =
                (server.clone(), latencies.clone(), failures.clone());
            std::thread::spawn(move || {
                let client = format!("x-slope-client: load-{c}");
                for seq in 0..REQUESTS {
                    if started.elapsed() > DEADLINE {
                        failures
                            .lock()
                            .unwrap()
                            .push(format!("client {c}: out of time"));
                        return;
                    }
                    // A page moving its learning-rate slider: every request a new run, streamed
                    // as the page asks for it (101 epochs, then the scene).
                    let lr = 1e-3 * (1.0 + ((c * REQUESTS + seq) % 97) as f64 / 10.0);
                    let view = json!({"data": "file", "lr": lr});
                    let seq_header = format!("x-slope-seq: {seq}");
                    let headers = ["Content-Type: application/json", &client, &seq_header];
                    let t = Instant::now();
                    let reply = http(
                        &server.addr,
                        ("POST", "/api/view/stream"),
                        &headers,
                        view.to_string().as_bytes(),
                    );
                    let took = t.elapsed().as_secs_f64() * 1e3;
                    let lines: Vec<&str> = reply.body.lines().collect();
                    let end: Option<serde_json::Value> =
                        lines.last().and_then(|l| serde_json::from_str(l).ok());
                    let lr_back = end.as_ref().and_then(|e| e["scene"]["lr"].as_f64());
                    if reply.status != 200
                        || lines.len() != 102
                        || lr_back.is_none_or(|l| (l - lr).abs() > 1e-12)
                    {
                        failures.lock().unwrap().push(format!(
                            "client {c}, request {seq}: {} {}",
                            reply.status,
                            reply.body.chars().take(200).collect::<String>()
                        ));
                    }
                    latencies.lock().unwrap().push(took);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let took = started.elapsed();
    let failures = failures.lock().unwrap();
    assert!(
        failures.is_empty(),
        "{} failed: {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
    let mut latencies = latencies.lock().unwrap().clone();
    assert_eq!(latencies.len(), CLIENTS * REQUESTS);
    latencies.sort_by(f64::total_cmp);
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q).round() as usize];
    println!(
        "{} requests from {CLIENTS} clients in {:.1} s: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        latencies.len(),
        took.as_secs_f64(),
        at(0.5),
        at(0.99),
        at(1.0)
    );
    if let (Some((rss0, _)), Some((rss, peak))) = (before, memory(server.pid())) {
        println!("server memory: {rss0:.0} MiB before, {rss:.0} MiB after, peak {peak:.0} MiB");
        // Fifty connections and two computations at a time, each a few MB: memory stays
        // bounded, and what the load took is given back or reused, not kept per request.
        assert!(peak < 1024.0, "the server peaked at {peak:.0} MiB");
        assert!(
            rss < rss0 + 256.0,
            "the server grew from {rss0:.0} to {rss:.0} MiB"
        );
    }
    // Still serving after the load.
    let reply = http(
        &server.addr,
        ("POST", "/api/view"),
        &headers,
        one.as_bytes(),
    );
    assert_eq!(reply.status, 200);
}
