//! `explore serve`: the playground, a page that retrains the line and redraws it as its
//! controls move, served from this binary (the work is in `explore::serve`).

use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use explore::cli::{say, usage};
use explore::data::Load;
use explore::serve::{self, Config, Served};

use crate::common::DataArgs;

#[derive(clap::Args, Clone)]
pub struct Args {
    /// The data to start with, read as `train --data` reads it (CSV, TSV, .npy, .npz, Parquet).
    /// Without it the page starts at the lesson's one point, and offers generated sets.
    #[arg(long, value_name = "FILE")]
    data: Option<PathBuf>,
    /// The name of the x column (or .npz array) in --data, any case; two names (`x1,x2`, with
    /// --y the label) make the data a classifier's.
    #[arg(
        long = "x",
        value_name = "NAME",
        default_value = "x",
        allow_hyphen_values = true
    )]
    x_column: String,
    /// The name of the y column (or .npz array) in --data, any case.
    #[arg(
        long = "y",
        value_name = "NAME",
        default_value = "y",
        allow_hyphen_values = true
    )]
    y_column: String,
    /// The field separator of --data: `,` `;` `|` or `tab` (default: told from its header).
    #[arg(long, value_name = "C", allow_hyphen_values = true, value_parser = crate::common::parse_delimiter)]
    delimiter: Option<u8>,
    /// The port to listen on; 0 takes any free one (the printed URL says which).
    #[arg(long, default_value_t = 8000)]
    port: u16,
    /// The address to listen on. 127.0.0.1 serves this machine only; any other (0.0.0.0 for a
    /// classroom) serves the network, and then every request needs the random token that the
    /// printed URL carries.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Serve a --host other than loopback without a token: anyone who reaches it can use it.
    #[arg(long, conflicts_with = "token")]
    no_token: bool,
    /// Ask for the token on loopback too: on a machine shared with other users, they reach
    /// its loopback as well.
    #[arg(long)]
    token: bool,
    /// Open the page in the default browser.
    #[arg(long)]
    open: bool,
    /// The largest file a page may upload: a size such as 100MB, 512KB or 1GB (decimal units),
    /// or bytes.
    #[arg(long, value_name = "SIZE", default_value = "100MB", value_parser = size)]
    max_upload: usize,
    /// Computations at once; more wait their turn. Default: the machine's cores.
    #[arg(long, value_name = "N", value_parser = explore::cli::whole(1, 256))]
    jobs: Option<u64>,
    /// Stop by itself after this many seconds; by default it runs until Ctrl-C.
    #[arg(long, value_name = "SECONDS", value_parser = explore::cli::whole(1, 31_536_000))]
    stop_after: Option<u64>,
}

/// A size in bytes: `100MB`, `512KB`, `1GB` (powers of 1000) or a plain number.
fn size(text: &str) -> Result<usize, String> {
    let t = text.trim();
    let upper = t.to_ascii_uppercase();
    let (digits, unit) = match upper.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => upper.split_at(at),
        None => (upper.as_str(), ""),
    };
    let scale: u64 = match unit.trim() {
        "" | "B" => 1,
        "KB" | "K" => 1_000,
        "MB" | "M" => 1_000_000,
        "GB" | "G" => 1_000_000_000,
        _ => {
            return Err(format!(
                "`{t}`: give a size such as 100MB, 512KB or 1GB, or bytes"
            ))
        }
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("`{t}`: give a size such as 100MB, 512KB or 1GB, or bytes"))?;
    match n.checked_mul(scale) {
        Some(0) => Err("the upload limit must be more than 0 bytes".into()),
        Some(bytes) if bytes <= 64_000_000_000 => Ok(bytes as usize),
        _ => Err(format!(
            "`{t}` is more than this server can hold: at most 64GB"
        )),
    }
}

pub fn run(args: Args) -> Result<()> {
    let loopback = args.host.is_loopback();
    if args.no_token && loopback {
        return Err(usage(format!(
            "--no-token is not used here: on {} the server needs no token (only this machine \
             reaches it)",
            args.host
        )));
    }
    if args.token && !loopback {
        return Err(usage(format!(
            "--token is not used here: on {} the server always asks for its token",
            args.host
        )));
    }
    let file = match &args.data {
        // Two columns of --x are a classifier's features, --y its label.
        Some(path) if args.x_column.contains(',') => {
            let features = crate::classify::features(&args.x_column);
            crate::classify::check_features(&features)?;
            let table = explore::data::table::read_labelled(
                path,
                &features,
                &args.y_column,
                args.delimiter,
            )?;
            let name = path.display().to_string();
            let labels = serve::classes::Labels::of_table(table, &name, &args.y_column)?;
            let flags = explore::cli::DataFlags::file(&name, &args.x_column, &args.y_column).flags;
            Some(Served {
                data: serve::Points::Classes(labels),
                flags,
            })
        }
        Some(path) => {
            let data = DataArgs {
                data: Some(path.clone()),
                points: Vec::new(),
                x_column: args.x_column.clone(),
                y_column: args.y_column.clone(),
                delimiter: args.delimiter,
            }
            .load(Load::Points(candle_core::DType::F64))?;
            let name = path.display().to_string();
            let flags = explore::cli::DataFlags::file(&name, &args.x_column, &args.y_column).flags;
            Some(Served {
                data: serve::Points::Curve(data),
                flags,
            })
        }
        None => {
            explore::cli::refuse_unused(&[
                ("x_column", "--x", false, "it names a column of --data FILE"),
                ("y_column", "--y", false, "it names a column of --data FILE"),
                ("delimiter", "--delimiter", false, "it reads --data FILE"),
            ])?;
            None
        }
    };
    let token = ((!loopback && !args.no_token) || args.token).then(serve::new_token);
    let config = Config {
        token: token.clone(),
        max_upload: args.max_upload,
        jobs: args.jobs.map_or(Config::default().jobs, |j| j as usize),
        ..Config::default()
    };
    let addr = SocketAddr::new(args.host, args.port);
    let listener = std::net::TcpListener::bind(addr).with_context(|| match args.port {
        0 => format!("cannot listen on {}", args.host),
        port => format!(
            "cannot listen on {}:{port}: give another --port, or --port 0 for any free one",
            args.host
        ),
    })?;
    listener.set_nonblocking(true)?;
    let bound = listener.local_addr()?;
    let url = serve::url(bound, token.as_deref());
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "slope playground: {url}")?;
        out.flush()?;
    }
    if args.no_token {
        say(&format!(
            "warning: --no-token: anyone who reaches {bound} can use this server"
        ));
    }
    if !loopback {
        let with = if token.is_some() {
            ", with its token,"
        } else {
            ""
        };
        say(&format!(
            "serving {bound} to the network: give the address above{with} to the class, with \
             this machine's name or address in place of 127.0.0.1"
        ));
    }
    say("Ctrl-C stops it");
    if args.open {
        open(&url);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        let router = serve::router(config.clone(), file);
        let serving = serve::serve(listener, router, &config);
        match args.stop_after {
            Some(s) => {
                tokio::select! {
                    () = serving => {}
                    () = tokio::time::sleep(Duration::from_secs(s)) => {}
                }
            }
            None => serving.await,
        }
        Ok::<(), anyhow::Error>(())
    })?;
    Ok(())
}

/// Opens `url` in the desktop's browser, or says how to open it.
fn open(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let opened = std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if opened.is_err() {
        say(&format!(
            "--open: could not start {opener}; open {url} in a browser"
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::size;

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(size("100MB"), Ok(100_000_000));
        assert_eq!(size("512kb"), Ok(512_000));
        assert_eq!(size("1G"), Ok(1_000_000_000));
        assert_eq!(size("2048"), Ok(2048));
        assert!(size("0").is_err());
        assert!(size("-5MB").is_err());
        assert!(size("1.5MB").is_err());
        assert!(size("10TB").is_err());
        assert!(size("100000GB").is_err());
    }
}
