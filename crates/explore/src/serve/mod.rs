//! The playground (`explore serve`): a page whose controls retrain the line, an MLP or a
//! classifier and redraw it as they move, served over HTTP from this binary with its assets, so
//! it works offline.
//!
//! [`view`] (the line), [`mlp`] and [`classes`] compute (a [`view::View`] in, a
//! [`view::Scene`] out, the run's epochs streamed as it trains; no HTTP); this module serves
//! them. What a server facing a classroom needs is here: it binds loopback unless told, and then
//! asks for a random token; it checks the `Host` and `Origin` of every request (so no other web
//! page can drive it); runs computations on a bounded pool off the request threads, a newer
//! request from a page cancelling its stale one; caps request bodies, the time to send them,
//! idle connections and their number.

pub mod classes;
pub mod mlp;
pub mod view;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, HeaderValue, Request, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use tokio::sync::Semaphore;

use candle_core::DType;

use crate::cli::DataFlags;
use crate::data::Dataset;
use view::{Source, View};

/// The page and its script, and the chart library it draws with.
const PAGE: &str = include_str!("../../assets/playground.html");
const SCRIPT: &str = include_str!("../../assets/playground.js");

/// How the server runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// The access token every request must carry (`None`: loopback, where only this machine's
    /// users reach it).
    pub token: Option<String>,
    /// The largest upload, in bytes.
    pub max_upload: usize,
    /// Computations at once; more wait their turn.
    pub jobs: usize,
    /// Connections at once; more wait to be accepted.
    pub connections: usize,
    /// How long a client may take to send a request's head or body, or stay idle between two.
    pub timeout: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            token: None,
            max_upload: 100 << 20,
            jobs: std::thread::available_parallelism().map_or(2, |n| n.get()),
            connections: 256,
            timeout: Duration::from_secs(20),
        }
    }
}

/// The data the server was started with (or a page uploaded): the points, and how an
/// `explore` command names them ([`DataFlags::file`]).
#[derive(Debug, Clone)]
pub struct Served {
    pub data: Points,
    pub flags: String,
}

impl Served {
    /// "data/linear.csv (100 points)", its points and classes (0 for points `x, y`).
    fn about(&self) -> (String, usize, usize) {
        match &self.data {
            Points::Curve(d) => (d.source.clone(), d.len(), 0),
            Points::Classes(l) => (l.name.clone(), l.rows.len(), l.classes.len()),
        }
    }
}

/// The largest view a page sends, in bytes.
const VIEW_BYTES: usize = 64 << 10;

/// What every request shares.
struct Shared {
    config: Config,
    file: Option<Served>,
    jobs: Semaphore,
    /// Uploads read at once (each is held in memory while it is read).
    reading: Semaphore,
    /// The uploaded data sets by id, oldest first.
    uploads: Mutex<Vec<(String, Served)>>,
    /// The newest request number each page (by its client id) has sent.
    latest: Mutex<HashMap<String, u64>>,
}

/// A page's id and the number of its request, from the `x-slope-client` and `x-slope-seq`
/// headers: a request is stale once its page has sent a newer one.
#[derive(Debug, Clone)]
struct Ticket {
    client: String,
    seq: u64,
}

/// The most pages the server remembers the newest request of; past it, it forgets them all
/// (their stale requests then run to the end, which is only slower).
const MAX_CLIENTS: usize = 10_000;

impl Shared {
    /// Records `ticket` as its page's newest request.
    fn arrive(&self, ticket: &Ticket) {
        let mut latest = self.latest.lock().unwrap_or_else(|e| e.into_inner());
        if latest.len() >= MAX_CLIENTS && !latest.contains_key(&ticket.client) {
            latest.clear();
        }
        let seq = latest.entry(ticket.client.clone()).or_insert(ticket.seq);
        *seq = (*seq).max(ticket.seq);
    }

    /// Whether a newer request from the same page has arrived.
    fn stale(&self, ticket: &Ticket) -> bool {
        let latest = self.latest.lock().unwrap_or_else(|e| e.into_inner());
        latest.get(&ticket.client).is_some_and(|&s| s > ticket.seq)
    }
}

/// The server's routes over `file` (the data it was started with), as `config` says.
pub fn router(config: Config, file: Option<Served>) -> Router {
    let shared = Arc::new(Shared {
        jobs: Semaphore::new(config.jobs.max(1)),
        reading: Semaphore::new(2),
        uploads: Mutex::new(Vec::new()),
        config,
        file,
        latest: Mutex::new(HashMap::new()),
    });
    Router::new()
        .route("/", get(page))
        .route("/api/info", get(info))
        .route("/api/view", post(answer))
        .route("/api/view/params", post(answer))
        .route("/api/view/gif", post(answer))
        .route("/api/view/stream", post(answer))
        // A view is a few hundred bytes; an upload has its own limit.
        .layer(DefaultBodyLimit::max(VIEW_BYTES))
        .route(
            "/api/upload",
            post(upload).layer(DefaultBodyLimit::disable()),
        )
        .fallback(|| async {
            error(
                StatusCode::NOT_FOUND,
                "no such address here: the playground is at /, its API at /api/info, /api/view \
                 (/stream, /params, /gif) and /api/upload",
            )
        })
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            shared.config.timeout,
        ))
        .layer(middleware::from_fn_with_state(shared.clone(), guard))
        .with_state(shared)
}

/// An error the page shows: a status and one line, as JSON `{"error": "..."}`.
fn error(status: StatusCode, msg: impl Into<String>) -> Response {
    (status, Json(serde_json::json!({ "error": msg.into() }))).into_response()
}

/// Equal strings, compared in time that does not depend on where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0, |d, (x, y)| d | (x ^ y)) == 0
}

/// The token a request carries: in the query (`?token=`, the printed URL), the
/// `x-slope-token` header (the page's requests) or the cookie the page was given.
fn carried(headers: &HeaderMap, query: Option<&str>) -> Option<String> {
    if let Some(t) = query.and_then(|q| {
        q.split('&')
            .find_map(|kv| kv.strip_prefix("token="))
            .map(str::to_string)
    }) {
        return Some(t);
    }
    if let Some(t) = headers.get("x-slope-token").and_then(|v| v.to_str().ok()) {
        return Some(t.to_string());
    }
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|c| c.split(';'))
        .find_map(|kv| kv.trim().strip_prefix("slope_token="))
        .map(str::to_string)
}

/// Whether `host` (a `Host` header) names this machine's loopback.
fn loopback(host: &str) -> bool {
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    matches!(
        name.to_ascii_lowercase().as_str(),
        "127.0.0.1" | "localhost" | "[::1]"
    )
}

/// Every request passes here: the token when there is one, else a loopback `Host` (a web page
/// elsewhere cannot rebind its name to this server), and an `Origin`, when sent, that is this
/// server's own.
async fn guard(
    State(shared): State<Arc<Shared>>,
    request: Request<axum::body::Body>,
    next: Next,
) -> Response {
    let headers = request.headers();
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) {
        if origin != format!("http://{host}") {
            return error(
                StatusCode::FORBIDDEN,
                format!("requests from {origin} are refused: open the playground's own page"),
            );
        }
    }
    let Some(token) = &shared.config.token else {
        if !loopback(host) {
            return error(
                StatusCode::FORBIDDEN,
                format!("this server answers only at 127.0.0.1 or localhost, not at {host}"),
            );
        }
        return next.run(request).await;
    };
    let given = carried(headers, request.uri().query());
    if !given.is_some_and(|g| same(&g, token)) {
        return error(
            StatusCode::UNAUTHORIZED,
            "this server needs its access token: open the URL it printed, which ends in \
             ?token=…",
        );
    }
    let mut response = next.run(request).await;
    if let Ok(cookie) = HeaderValue::from_str(&format!(
        "slope_token={token}; HttpOnly; SameSite=Strict; Path=/"
    )) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

/// The playground's page: its markup, the chart library and its script, in one response.
async fn page() -> impl IntoResponse {
    // Put together once: it is 1.2 MB, and the same for every request.
    static HTML: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let html = HTML.get_or_init(|| {
        PAGE.replacen("/*SCRIPT*/", SCRIPT, 1)
            .replacen("/*PLOTLY*/", crate::plot::PLOTLY_2D, 1)
    });
    ([(header::CACHE_CONTROL, "no-store")], Html(html.as_str()))
}

/// What the page offers: the data sources, the optimizers, losses and schedules, the limits.
async fn info(State(shared): State<Arc<Shared>>) -> Json<serde_json::Value> {
    let file = shared.file.as_ref().map(|f| {
        let (source, points, classes) = f.about();
        serde_json::json!({ "source": source, "points": points, "classes": classes, "flags": f.flags })
    });
    Json(serde_json::json!({
        "file": file,
        "optimizers": crate::optim::Algorithm::ALL.iter().map(|a| a.name()).collect::<Vec<_>>(),
        "losses": ["mse", "l1", "huber", "smooth-l1", "bce-logits", "cross-entropy"],
        "schedules": crate::schedule::Kind::ALL.iter().map(|k| k.name()).collect::<Vec<_>>(),
        "limits": {
            "epochs": view::MAX_EPOCHS,
            "grid": view::MAX_GRID,
            "updates": view::MAX_UPDATES,
            "gen": view::MAX_GEN,
            "upload": shared.config.max_upload,
        },
        "view": View::default(),
    }))
}

/// What a request for a view asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ask {
    /// The scene the page draws, as JSON.
    Scene,
    /// The run's epochs as it trains them, then the scene (newline-delimited JSON).
    Stream,
    /// The trained parameters, as `explore train --save FILE.safetensors` writes them.
    Params,
    /// The run as `explore train --animate FILE.gif` draws it.
    Gif,
}

/// What a view trains on: points `x, y` (the line's and a regression MLP's), or labelled ones
/// on two features (a classifier's).
#[derive(Debug, Clone)]
pub enum Points {
    Curve(Dataset),
    Classes(classes::Labels),
}

/// Set when dropped: whether the request that holds it has gone (answered, or its client hung
/// up), for the computation it started.
#[derive(Default)]
struct Gone(Arc<std::sync::atomic::AtomicBool>);

impl Drop for Gone {
    fn drop(&mut self) {
        self.0.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// What a view's model made of what was asked.
enum Made {
    Scene(Box<view::Scene>),
    Params(Vec<u8>),
    Gif(Vec<u8>),
}

/// Trains a view and answers what its address asks of it: `/api/view` the scene (200, or 400
/// with why not, 409 when a newer request from the same page made it stale), `/stream` its
/// epochs as it trains and then the scene ([`stream`]), `/params` the trained parameters as a
/// `line.safetensors`, `mlp.safetensors` or `classifier.safetensors` download, `/gif` the run as
/// a `run.gif` download.
async fn answer(
    State(shared): State<Arc<Shared>>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Result<Json<View>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let ask = match uri.path() {
        "/api/view/params" => Ask::Params,
        "/api/view/gif" => Ask::Gif,
        "/api/view/stream" => Ask::Stream,
        _ => Ask::Scene,
    };
    let view = match body {
        Ok(Json(view)) => view,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return error(
                e.status(),
                format!("a view is at most {VIEW_BYTES} bytes, and this request is larger"),
            )
        }
        Err(e) => {
            // serde's words for a field of the wrong type or an unknown one are clear once
            // axum's preamble is off; every bad view is a 400, as every bad parameter is.
            let text = e.body_text();
            let why = text
                .rsplit_once("target type: ")
                .map_or(&*text, |(_, why)| why);
            return error(StatusCode::BAD_REQUEST, format!("a bad view: {why}"));
        }
    };
    // An export is never stale: it does not take the place of the page's last scene.
    let ticket = headers
        .get("x-slope-client")
        .filter(|_| matches!(ask, Ask::Scene | Ask::Stream))
        .and_then(|c| c.to_str().ok())
        .filter(|c| !c.is_empty() && c.len() <= 64)
        .and_then(|client| {
            // Without a readable number the request is not ordered among its page's.
            let seq = headers.get("x-slope-seq")?.to_str().ok()?.parse().ok()?;
            Some(Ticket {
                client: client.to_string(),
                seq,
            })
        });
    if let Some(t) = &ticket {
        shared.arrive(t);
    }
    // The points of a file or an upload, looked up once: whether they are labelled decides the
    // losses the view may take.
    let mut view = view;
    let kept =
        match view.data {
            Source::File => match &shared.file {
                Some(f) => Some(f.clone()),
                None => {
                    return error(
                        StatusCode::BAD_REQUEST,
                        "this server was started without a data file: choose the lesson or a \
                     generated set",
                    )
                }
            },
            Source::Upload => {
                let uploads = shared.uploads.lock().unwrap_or_else(|e| e.into_inner());
                let id = view.upload.as_deref().unwrap_or("");
                match uploads.iter().find(|(i, _)| i == id) {
                    Some((_, f)) => Some(f.clone()),
                    None => return error(
                        StatusCode::BAD_REQUEST,
                        "no such upload on this server (it keeps the last few, until it stops): \
                         upload the file again",
                    ),
                }
            }
            Source::Lesson | Source::Gen => None,
        };
    view.labelled = kept
        .as_ref()
        .is_some_and(|s| matches!(s.data, Points::Classes(_)));
    // Checked before any work: a generated set's size among the rest.
    if let Err(refused) = view.check() {
        return error(StatusCode::BAD_REQUEST, refused.0);
    }
    let (data, flags) = match (kept, view.data) {
        (Some(f), _) => (
            f.data,
            DataFlags {
                flags: f.flags,
                made_by: None,
            },
        ),
        (None, Source::Gen) if view.classifies() => (
            Points::Classes(classes::Labels::generated(&view)),
            DataFlags::generated(&view.gen),
        ),
        // Named as the exported command names the file it writes.
        (None, Source::Gen) => {
            let mut data = view.generated();
            data.source = "gen.csv".into();
            (Points::Curve(data), DataFlags::generated(&view.gen))
        }
        (None, _) => (
            Points::Curve(Dataset::from_points(&[(-3.0, 3.0)])),
            DataFlags::lesson(),
        ),
    };
    let job = Job {
        view,
        data,
        flags,
        ask,
    };
    if ask == Ask::Stream {
        return stream(shared, ticket, job).await;
    }
    // A client that hangs up takes its computation with it: this guard, dropped with the
    // request, tells the computation it is no longer wanted.
    let gone = Gone::default();
    match on_pool(shared, ticket, gone.0.clone(), job, |_| {}).await {
        Ran::Made((kind, file, bytes), took) => {
            let mut response = (
                [
                    (header::CONTENT_TYPE, kind.to_string()),
                    // The computation's time, for the page to tell it from the network's and its
                    // own.
                    (
                        header::HeaderName::from_static("server-timing"),
                        format!("compute;dur={:.1}", took.as_secs_f64() * 1e3),
                    ),
                ],
                bytes,
            )
                .into_response();
            if let Some(file) = file {
                response
                    .headers_mut()
                    .insert(header::CONTENT_DISPOSITION, HeaderValue::from_static(file));
            }
            response
        }
        Ran::Stopping => error(StatusCode::SERVICE_UNAVAILABLE, STOPPING),
        Ran::Replaced => error(StatusCode::CONFLICT, REPLACED),
        Ran::Failed(why) => error(StatusCode::BAD_REQUEST, why),
        Ran::Panicked => error(StatusCode::INTERNAL_SERVER_ERROR, BUG),
    }
}

/// A view to compute, the points it trains on, how its command names them, and what is asked.
struct Job {
    view: View,
    data: Points,
    flags: DataFlags,
    ask: Ask,
}

/// How a computation on the pool ended.
enum Ran {
    /// What was asked, and how long it took.
    Made(Reply, std::time::Duration),
    /// The server stops: no place on the pool.
    Stopping,
    /// A newer request from the page replaced it, before it started or midway.
    Replaced,
    /// Why it could not be made (said as the page says it).
    Failed(String),
    /// It panicked.
    Panicked,
}

/// Computes `job` off the request threads once a place on the pool is free, streaming its
/// epochs to `tick`; it stops midway once a newer request from its page comes or `hung_up` is
/// set.
async fn on_pool(
    shared: Arc<Shared>,
    ticket: Option<Ticket>,
    hung_up: Arc<std::sync::atomic::AtomicBool>,
    job: Job,
    tick: impl Fn(view::Tick) + Send + 'static,
) -> Ran {
    let Ok(_permit) = shared.jobs.acquire().await else {
        return Ran::Stopping;
    };
    if ticket.as_ref().is_some_and(|t| shared.stale(t)) {
        return Ran::Replaced;
    }
    let pool = shared.clone();
    let computed = tokio::task::spawn_blocking(move || {
        let started = std::time::Instant::now();
        let stale = || {
            hung_up.load(std::sync::atomic::Ordering::Relaxed)
                || ticket.as_ref().is_some_and(|t| pool.stale(t))
        };
        let watch = view::Watch {
            stale: &stale,
            tick: &tick,
        };
        let made = make(&job.view, job.data, &job.flags, job.ask, watch);
        made.map(|made| made.map(|m| (m, started.elapsed())))
    })
    .await;
    match computed {
        Ok(Ok(Some((made, took)))) => Ran::Made(made, took),
        Ok(Ok(None)) => Ran::Replaced,
        Ok(Err(e)) => Ran::Failed(view::said(&e)),
        Err(_) => Ran::Panicked,
    }
}

/// Why a page's request was not answered: a newer one took its place.
const REPLACED: &str = "a newer request from this page replaced it";
/// Why a request found no place on the pool.
const STOPPING: &str = "the server is stopping";
/// What a computation that panicked answers.
const BUG: &str = "the computation failed: this is a bug in slope, please report it";

/// An answer: its content type, the name of the file it downloads as (if it is one), its bytes.
type Reply = (&'static str, Option<&'static str>, Vec<u8>);

/// What `ask` wants of `view` trained on `data` (named by `flags` in its command), computed
/// under `watch`: `Ok(None)` when `watch` says it went stale.
fn make(
    view: &View,
    data: Points,
    flags: &DataFlags,
    ask: Ask,
    watch: view::Watch<'_>,
) -> crate::Result<Option<Reply>> {
    let made = match data {
        Points::Classes(labels) => {
            let frames = match ask {
                Ask::Gif => crate::plot::FRAMES as usize,
                _ => crate::plot::PAGE_FRAMES,
            };
            let Some(run) = classes::class_run(view, &labels, frames, watch)? else {
                return Ok(None);
            };
            match ask {
                Ask::Scene | Ask::Stream => match classes::class_scene(view, &run, watch)? {
                    Some(scene) => Made::Scene(Box::new(scene)),
                    None => return Ok(None),
                },
                Ask::Params => Made::Params(run.params()?),
                Ask::Gif => Made::Gif(run.gif()?),
            }
        }
        Points::Curve(data) if view.is_mlp() => match ask {
            Ask::Scene | Ask::Stream => match mlp::mlp_scene(view, &data, watch)? {
                Some(scene) => Made::Scene(Box::new(scene)),
                None => return Ok(None),
            },
            Ask::Params => Made::Params(mlp::mlp_params(view, &data)?),
            Ask::Gif => Made::Gif(mlp::mlp_gif(view, &data)?),
        },
        Points::Curve(data) => {
            let (data, val) = view.split(&data)?;
            let Some(run) = view::line_run(view, &data, val.as_ref(), watch)? else {
                return Ok(None);
            };
            match ask {
                Ask::Scene | Ask::Stream => {
                    Made::Scene(Box::new(view::scene(view, (&data, val.as_ref()), &run)?))
                }
                Ask::Params => Made::Params(view::line_params(&run)?),
                Ask::Gif => Made::Gif(view::line_gif(&run, &data)?),
            }
        }
    };
    Ok(Some(match made {
        Made::Scene(mut scene) => {
            scene.command = crate::cli::view_command(view, scene.lr, flags);
            (
                "application/json",
                None,
                crate::plot::to_json(&scene)?.into(),
            )
        }
        Made::Params(bytes) => (
            "application/octet-stream",
            Some(match (view.classifies(), view.is_mlp()) {
                (true, _) => "attachment; filename=\"classifier.safetensors\"",
                (false, true) => "attachment; filename=\"mlp.safetensors\"",
                (false, false) => "attachment; filename=\"line.safetensors\"",
            }),
            bytes,
        ),
        Made::Gif(bytes) => ("image/gif", Some("attachment; filename=\"run.gif\""), bytes),
    }))
}

/// What a streamed run sends: an epoch's line, then its end.
enum Line {
    Tick(Vec<u8>),
    Scene(Vec<u8>),
    Failed(String),
    Stale,
}

impl Line {
    /// The line as the stream writes it.
    fn bytes(self) -> Vec<u8> {
        let mut bytes = match self {
            Line::Tick(bytes) | Line::Scene(bytes) => bytes,
            Line::Failed(why) => serde_json::json!({ "error": why }).to_string().into_bytes(),
            Line::Stale => serde_json::json!({ "stale": REPLACED })
                .to_string()
                .into_bytes(),
        };
        bytes.push(b'\n');
        bytes
    }
}

/// Answers `/api/view/stream` with newline-delimited JSON: a line a [`view::Tick`] of the run as
/// it trains (about [`view::TICKS`] of its epochs), then one `{"scene": …, "compute_ms": …}`
/// with what `/api/view` answers, or `{"error": …}` with why not (a run that diverged), or
/// `{"stale": …}` when a newer request from the page replaced it. The answer starts with the
/// run's first epoch: what fails before it (a view past the cost bound, points too few to split)
/// is a 400, and a request replaced before it a 409, as `/api/view` answers them. The stream
/// holds a place on the pool as `/api/view` does, and a client that hangs up stops it.
async fn stream(shared: Arc<Shared>, ticket: Option<Ticket>, job: Job) -> Response {
    // At most a few hundred lines a run, so the channel needs no bound.
    let (lines, mut read) = tokio::sync::mpsc::unbounded_channel::<Line>();
    // Dropped with this request, or later with the stream's body: the run stops.
    let gone = Gone::default();
    let hung_up = gone.0.clone();
    tokio::spawn(async move {
        let ticks = lines.clone();
        let tick = move |t: view::Tick| {
            if let Ok(bytes) = serde_json::to_vec(&t) {
                let _ = ticks.send(Line::Tick(bytes));
            }
        };
        let last = match on_pool(shared, ticket, hung_up, job, tick).await {
            Ran::Made((_, _, scene), took) => {
                let mut bytes = b"{\"scene\":".to_vec();
                bytes.extend_from_slice(&scene);
                let ms = took.as_secs_f64() * 1e3;
                bytes.extend_from_slice(format!(",\"compute_ms\":{ms:.1}}}").as_bytes());
                Line::Scene(bytes)
            }
            Ran::Stopping => Line::Failed(STOPPING.into()),
            Ran::Replaced => Line::Stale,
            Ran::Failed(why) => Line::Failed(why),
            Ran::Panicked => Line::Failed(BUG.into()),
        };
        let _ = lines.send(last);
    });
    let first = match read.recv().await {
        Some(first @ (Line::Tick(_) | Line::Scene(_))) => first,
        Some(Line::Failed(why)) => return error(StatusCode::BAD_REQUEST, why),
        Some(Line::Stale) => return error(StatusCode::CONFLICT, REPLACED),
        None => return error(StatusCode::INTERNAL_SERVER_ERROR, BUG),
    };
    // The body reads the channel until the run's last line; dropped (the client gone), it drops
    // the guard that stops the run.
    let body = futures_util::stream::unfold(
        (Some(first), read, gone),
        |(first, mut read, gone)| async move {
            let line = match first {
                Some(line) => line,
                None => read.recv().await?,
            };
            // The lines made meanwhile go out together: one write, not one each.
            let mut bytes = line.bytes();
            while let Ok(more) = read.try_recv() {
                bytes.extend(more.bytes());
            }
            Some((Ok::<_, std::convert::Infallible>(bytes), (None, read, gone)))
        },
    );
    (
        [(header::CONTENT_TYPE, "application/x-ndjson")],
        axum::body::Body::from_stream(body),
    )
        .into_response()
}

/// `bytes` as people write a size: `100 MB`, `512 KB`, `1500 bytes`.
fn size_text(bytes: usize) -> String {
    match bytes {
        b if b >= 1_000_000 && b % 1_000_000 == 0 => format!("{} MB", b / 1_000_000),
        b if b >= 1_000 && b % 1_000 == 0 => format!("{} KB", b / 1_000),
        b => format!("{b} bytes"),
    }
}

/// The most uploaded data sets the server keeps; an older one is forgotten.
const KEPT_UPLOADS: usize = 8;

/// How an upload names itself: a file name for its form (by extension, as `--data` reads it)
/// and the columns to read.
#[derive(Debug, serde::Deserialize)]
struct UploadQuery {
    name: String,
    #[serde(default = "x_name")]
    x: String,
    #[serde(default = "y_name")]
    y: String,
}

fn x_name() -> String {
    "x".into()
}

fn y_name() -> String {
    "y".into()
}

/// A data file from the page, as the request's body: read with `--data`'s readers and limits
/// (the form told by `name`'s extension; no path on this machine is ever named by the client),
/// kept under a fresh id. 200 with `{id, source, points}`; 413 past `--max-upload`; 400 with the
/// reader's one line for a bad file.
async fn upload(
    State(shared): State<Arc<Shared>>,
    query: Result<axum::extract::Query<UploadQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Response {
    let Ok(axum::extract::Query(query)) = query else {
        return error(
            StatusCode::BAD_REQUEST,
            "an upload names its file: /api/upload?name=FILE.csv (and &x=COLUMN&y=COLUMN)",
        );
    };
    let max = shared.config.max_upload;
    let too_large = || {
        error(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the file is larger than this server takes: at most {}",
                size_text(max)
            ),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return too_large();
    }
    let Ok(_turn) = shared.reading.acquire().await else {
        return error(StatusCode::SERVICE_UNAVAILABLE, STOPPING);
    };
    let bytes = match axum::body::to_bytes(body, max).await {
        Ok(bytes) => bytes,
        Err(_) => return too_large(),
    };
    // Only the name's extension is used: it tells the form, as for a file on the command line.
    let whole: String = query
        .name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    let extension = std::path::Path::new(&whole)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .filter(|e| ["csv", "tsv", "npy", "npz", "parquet", "pq"].contains(&e.as_str()));
    // A long name is shortened in its middle, keeping its extension.
    let name = match whole.char_indices().nth(60) {
        Some((at, _)) => format!("{}….{}", &whole[..at], extension.as_deref().unwrap_or("")),
        None => whole,
    };
    let Some(extension) = extension else {
        return error(
            StatusCode::BAD_REQUEST,
            format!(
                "{name}: the playground reads .csv, .tsv, .npy, .npz and .parquet files (told by \
                 the name's extension)"
            ),
        );
    };
    let read = tokio::task::spawn_blocking(move || -> Result<Served, String> {
        let file = tempfile::Builder::new()
            .prefix("slope-upload-")
            .suffix(&format!(".{extension}"))
            .tempfile()
            .map_err(|e| format!("cannot hold the upload: {e}"))?;
        std::fs::write(file.path(), &bytes).map_err(|e| format!("cannot hold the upload: {e}"))?;
        let at = file.path().display().to_string();
        // The reader names the file it read: the page's name, not this machine's path.
        let named = |e: crate::Error| e.to_string().replace(&at, &name);
        let flags = DataFlags::file(&name, &query.x, &query.y).flags;
        // Two columns of x are a classifier's features, y its label.
        let features: Vec<String> = query.x.split(',').map(|f| f.trim().to_string()).collect();
        if features.len() > 1 {
            let table = crate::data::table::read_labelled(file.path(), &features, &query.y, None)
                .map_err(named)?;
            let labels = classes::Labels::of_table(table, &name, &query.y).map_err(named)?;
            return Ok(Served {
                data: Points::Classes(labels),
                flags,
            });
        }
        let columns = crate::data::Columns {
            x: query.x.clone(),
            y: query.y.clone(),
            delimiter: None,
        };
        let mut data =
            crate::data::read(file.path(), &columns, crate::data::Load::Points(DType::F64))
                .map_err(named)?;
        data.source = name.clone();
        Ok(Served {
            data: Points::Curve(data),
            flags,
        })
    })
    .await;
    let served = match read {
        Ok(Ok(served)) => served,
        Ok(Err(msg)) => return error(StatusCode::BAD_REQUEST, msg),
        Err(_) => {
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "reading the upload failed: this is a bug in slope, please report it",
            )
        }
    };
    let id = new_token();
    let (source, points, classes) = served.about();
    let reply = serde_json::json!({
        "id": id,
        "source": source,
        "points": points,
        "classes": classes,
    });
    let mut uploads = shared.uploads.lock().unwrap_or_else(|e| e.into_inner());
    if uploads.len() >= KEPT_UPLOADS {
        uploads.remove(0);
    }
    uploads.push((id, served));
    Json(reply).into_response()
}

/// Serves `router` on `listener` until the process ends: hyper's HTTP/1 server, at most
/// `config.connections` connections at once, each closed when its client takes longer than
/// `config.timeout` to send a request's head or leaves it idle that long.
pub async fn serve(listener: tokio::net::TcpListener, router: Router, config: &Config) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let connections = Arc::new(Semaphore::new(config.connections.max(1)));
    let timeout = config.timeout;
    loop {
        let Ok(permit) = connections.clone().acquire_owned().await else {
            return;
        };
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            // Out of file descriptors, say: wait for some to close.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let service = hyper_util::service::TowerToHyperService::new(router.clone());
        tokio::spawn(async move {
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(timeout)
                .serve_connection(TokioIo::new(stream), service);
            let _ = connection.await;
            drop(permit);
        });
    }
}

/// A fresh access token: 32 hexadecimal digits from the system's randomness.
pub fn new_token() -> String {
    use rand::Rng;
    let bytes: [u8; 16] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The address a browser opens for `addr`: a wildcard one by its loopback name.
pub fn url(addr: SocketAddr, token: Option<&str>) -> String {
    let host = match addr.ip() {
        ip if ip.is_unspecified() || ip.is_loopback() => "127.0.0.1".to_string(),
        std::net::IpAddr::V6(ip) => format!("[{ip}]"),
        ip => ip.to_string(),
    };
    match token {
        Some(t) => format!("http://{host}:{}/?token={t}", addr.port()),
        None => format!("http://{host}:{}/", addr.port()),
    }
}
