//! `explore serve` from tests: started on an ephemeral loopback port (stopping by itself after
//! ten minutes, and when dropped), and a small HTTP/1.1 client for it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use super::root;

/// A running `explore serve`, killed when dropped.
pub struct Server {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// The token of its URL, if it asks for one.
    pub token: Option<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `explore serve --port 0 ARGS` and reads the URL it prints.
pub fn start(args: &[&str]) -> Server {
    // SLOPE_EXPLORE_BIN runs another build (the release one, for the browser test's figures).
    let binary = std::env::var("SLOPE_EXPLORE_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_explore").to_string());
    let mut child = Command::new(binary)
        .args(["serve", "--port", "0", "--stop-after", "600"])
        .args(args)
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("slope playground: http://")
        .unwrap_or_else(|| panic!("the server says where it is: {line:?}"))
        .to_string();
    let (addr, rest) = url.split_once('/').unwrap();
    let token = rest.strip_prefix("?token=").map(str::to_string);
    Server {
        child,
        addr: addr.to_string(),
        token,
    }
}

/// A response: status, headers (lower-case names), body (as text, and as sent).
pub struct Reply {
    pub status: u16,
    pub headers: String,
    pub body: String,
    pub bytes: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|_| panic!("JSON: {}", self.body))
    }

    /// The one-line error of a refusal with `status`.
    pub fn refused(&self, status: u16) -> String {
        let body: String = self.body.chars().take(300).collect();
        assert_eq!(self.status, status, "{body}");
        let msg = self.json()["error"].as_str().unwrap().to_string();
        assert!(!msg.is_empty() && !msg.contains('\n'), "{msg:?}");
        msg
    }
}

impl Server {
    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends one request on its own connection: `extra` headers are `Name: value` lines.
    pub fn request(&self, method: &str, path: &str, extra: &[&str], body: &[u8]) -> Reply {
        http(&self.addr, (method, path), extra, body)
    }

    /// POSTs `view` to `/api/view`, with the token when there is one.
    pub fn line(&self, view: &Value) -> Reply {
        self.post("/api/view", view)
    }

    /// POSTs `view` to `path`, with the token when there is one.
    pub fn post(&self, path: &str, view: &Value) -> Reply {
        let token = self.token.as_ref().map(|t| format!("x-slope-token: {t}"));
        let mut headers = vec!["Content-Type: application/json"];
        if let Some(t) = &token {
            headers.push(t);
        }
        self.request("POST", path, &headers, view.to_string().as_bytes())
    }
}

impl Server {
    /// POSTs `view` to `/api/view/stream` (with the `extra` header lines) and reads the head
    /// of the 200 that starts the stream.
    pub fn stream(&self, view: &Value, extra: &[&str]) -> Stream {
        let mut stream = TcpStream::connect(&self.addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(300)))
            .unwrap();
        let body = view.to_string();
        let mut head = format!(
            "POST /api/view/stream HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        );
        if let Some(t) = &self.token {
            head.push_str(&format!("x-slope-token: {t}\r\n"));
        }
        for h in extra {
            head.push_str(h);
            head.push_str("\r\n");
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(body.as_bytes()).unwrap();
        let mut reader = BufReader::new(stream);
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if line.trim().is_empty() {
                break;
            }
            lines.push(line.trim().to_lowercase());
        }
        assert!(lines[0].starts_with("http/1.1 200"), "{lines:?}");
        assert!(
            lines
                .iter()
                .any(|l| l == "content-type: application/x-ndjson")
                && lines.iter().any(|l| l == "transfer-encoding: chunked"),
            "{lines:?}"
        );
        Stream {
            reader,
            pending: Vec::new(),
        }
    }
}

/// A streamed answer, read a JSON line at a time as the server sends it.
pub struct Stream {
    reader: BufReader<TcpStream>,
    pending: Vec<u8>,
}

impl Iterator for Stream {
    type Item = Value;

    fn next(&mut self) -> Option<Value> {
        loop {
            if let Some(at) = self.pending.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = self.pending.drain(..=at).collect();
                return Some(serde_json::from_slice(&line).unwrap());
            }
            // The next chunk: its size in hex, its bytes, CRLF; a size of 0 ends the body.
            let mut size = String::new();
            if self.reader.read_line(&mut size).ok()? == 0 {
                return None;
            }
            let n = usize::from_str_radix(size.trim(), 16).unwrap();
            if n == 0 {
                return None;
            }
            let mut chunk = vec![0; n + 2];
            self.reader.read_exact(&mut chunk).unwrap();
            self.pending.extend_from_slice(&chunk[..n]);
        }
    }
}

/// Sends one HTTP/1.1 request to `addr` on its own connection: `extra` headers are
/// `Name: value` lines (a `Host` among them replaces the default).
pub fn http(addr: &str, (method, path): (&str, &str), extra: &[&str], body: &[u8]) -> Reply {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(300)))
        .unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
        addr,
        body.len()
    );
    if extra.iter().any(|h| h.to_lowercase().starts_with("host:")) {
        head = head.replace(&format!("Host: {}\r\n", addr), "");
    }
    for h in extra {
        head.push_str(h);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    // A server may answer (413) before it has read all of a large body.
    let _ = stream.write_all(body);
    // Read to the end of the head, then the body its Content-Length says (a server may keep
    // the connection open), else to the end of the stream.
    let mut raw = Vec::new();
    let mut buf = [0u8; 65536];
    let mut want: Option<usize> = None;
    loop {
        if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&raw[..end]).to_lowercase();
            want = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|n| n.trim().parse::<usize>().ok())
                .map(|n| end + 4 + n);
        }
        if want.is_some_and(|w| raw.len() >= w) {
            break;
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
        }
    }
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(raw.len());
    let head = String::from_utf8_lossy(&raw[..end]).to_lowercase();
    let body = raw.get(end + 4..).unwrap_or(&[]);
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let bytes = if head.contains("transfer-encoding: chunked") {
        unchunk(body)
    } else {
        body.to_vec()
    };
    Reply {
        status,
        headers: head,
        body: String::from_utf8_lossy(&bytes).into_owned(),
        bytes,
    }
}

fn unchunk(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(at) = rest.windows(2).position(|w| w == b"\r\n") {
        let size = String::from_utf8_lossy(&rest[..at]);
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        let tail = &rest[at + 2..];
        out.extend_from_slice(&tail[..n]);
        rest = &tail[n + 2..];
    }
    out
}
