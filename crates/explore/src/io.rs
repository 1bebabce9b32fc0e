//! Writing results: files so that a failure or an interrupt never leaves half a file or a
//! temporary file behind (write to a temporary file in the same folder, then rename it over the
//! destination in one step), never over an input of the same run, and through a symlink to its
//! target; a device or a FIFO (`/dev/null`, a named pipe) written in place, never replaced; and
//! stdout so that a reader who closes the pipe early is no error.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use crate::{Error, Result};

/// Writes `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_stream(path, |out| out.write_all(bytes))
}

/// Writes `path` atomically with `write`, which streams into a buffered temporary file beside
/// it (so that a large output needs no memory). A device or a FIFO is written in place.
pub fn write_atomic_stream(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    let wrap = |source| write_error(path, source);
    let target = match destination(path)? {
        // This process's own stdout or stderr: through the descriptor itself, so that its
        // offset, which the shell shares, moves on (`(explore … --out /dev/stdout; echo) > f`).
        Destination::Stream(fd) => {
            let mut stream: Box<dyn Write> = match fd {
                1 => Box::new(UntilClosed(Stdout::new())),
                _ => Box::new(std::io::stderr().lock()),
            };
            return match write(&mut stream).and_then(|()| stream.flush()) {
                // The reader has gone (`| head`): no error, as for any output on stdout.
                Err(e)
                    if fd == 1 && stdout_closed() && e.kind() == std::io::ErrorKind::BrokenPipe =>
                {
                    Ok(())
                }
                other => other.map_err(wrap),
            };
        }
        Destination::Special(target) => {
            let file = open_special(&target).map_err(wrap)?;
            let mut buffered = std::io::BufWriter::with_capacity(1 << 16, file);
            write(&mut buffered).map_err(wrap)?;
            return buffered.flush().map_err(wrap);
        }
        Destination::File(target) => target,
    };
    let mut tmp = Temp::beside(&target, path)?;
    {
        let mut buffered = std::io::BufWriter::with_capacity(1 << 16, tmp.file());
        write(&mut buffered).map_err(wrap)?;
        buffered.flush().map_err(wrap)?;
    }
    // A file replaced keeps its permissions (a private file stays private); a new one has the
    // umask's.
    if let Ok(meta) = std::fs::metadata(&target) {
        tmp.file()
            .as_file()
            .set_permissions(meta.permissions())
            .map_err(wrap)?;
    }
    tmp.file().as_file().sync_all().map_err(wrap)?;
    tmp.persist(&target, path)
}

/// `tensors` (and `metadata`, the header's string map) as a safetensors file, the format candle
/// and PyTorch's `safetensors` read: byte for byte the same for the same tensors (written with
/// [`write_atomic`]).
pub fn safetensors_bytes(
    tensors: &std::collections::HashMap<String, candle_core::Tensor>,
    metadata: Option<std::collections::HashMap<String, String>>,
) -> Result<Vec<u8>> {
    // The crate lays the data out by dtype and name; the header is put in key order below.
    let sorted: std::collections::BTreeMap<&String, &candle_core::Tensor> =
        tensors.iter().collect();
    let bytes = safetensors::serialize(sorted, metadata)
        .map_err(|e| candle_core::Error::Msg(format!("safetensors: {e}")))?;
    in_key_order(bytes)
}

/// The safetensors file `bytes` with its JSON header's keys in order: the crate writes the
/// metadata map in hash order, so the same parameters would make different files run to run.
fn in_key_order(bytes: Vec<u8>) -> Result<Vec<u8>> {
    let bad = |what: &str| candle_core::Error::Msg(format!("safetensors: {what}"));
    let n = bytes
        .get(..8)
        .and_then(|b| <[u8; 8]>::try_from(b).ok())
        .map(u64::from_le_bytes)
        .and_then(|n| usize::try_from(n).ok())
        .filter(|&n| n.checked_add(8).is_some_and(|end| end <= bytes.len()))
        .ok_or_else(|| bad("no header"))?;
    let header: serde_json::Value =
        serde_json::from_slice(&bytes[8..8 + n]).map_err(|e| bad(&e.to_string()))?;
    // In a map of our own: serde_json keeps insertion order when another crate turns on its
    // `preserve_order`.
    type Sorted = std::collections::BTreeMap<String, serde_json::Value>;
    let sorted = |v: &serde_json::Value| -> Result<Sorted> {
        let object = v
            .as_object()
            .ok_or_else(|| bad("the header is not a JSON object"))?;
        Ok(object.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
    };
    let mut map = sorted(&header)?;
    if let Some(meta) = map.get_mut("__metadata__") {
        *meta = serde_json::json!(sorted(meta)?);
    }
    let mut text = serde_json::to_vec(&map).map_err(|e| bad(&e.to_string()))?;
    // The header is padded with spaces to a multiple of 8 bytes, as the format asks.
    text.resize(text.len().next_multiple_of(8), b' ');
    let mut out = Vec::with_capacity(8 + text.len() + bytes.len() - 8 - n);
    out.extend_from_slice(&(text.len() as u64).to_le_bytes());
    out.extend_from_slice(&text);
    out.extend_from_slice(&bytes[8 + n..]);
    Ok(out)
}

/// Checks that `path` can be written, before any long computation: it is not a folder or a
/// socket, and its folder exists and takes a new file (or, a device, it opens for writing).
/// Nothing is left behind.
pub fn check_writable(path: &Path) -> Result<()> {
    match destination(path)? {
        Destination::Stream(_) => Ok(()),
        // A FIFO opens only once a reader comes, as with `cmd > fifo`: that is for the write.
        Destination::Special(target) if is_fifo(&target) => Ok(()),
        Destination::Special(target) => open_special(&target)
            .map(drop)
            .map_err(|e| write_error(path, e)),
        Destination::File(target) => Temp::beside(&target, path).map(drop),
    }
}

/// Where a write to a path goes.
enum Destination {
    /// A regular file, new or replaced: written beside, then renamed over it.
    File(PathBuf),
    /// A device or a FIFO: written in place, since replacing it would destroy it (and a folder
    /// such as `/dev` does not take a temporary file).
    Special(PathBuf),
    /// This process's stdout (1) or stderr (2), by a path such as `/dev/stdout`.
    Stream(u32),
}

/// The destination of a write to `path` (through its links), refusing what cannot be written:
/// a folder, a socket.
fn destination(path: &Path) -> Result<Destination> {
    // An open descriptor (`/dev/stdout`, `/dev/fd/3`, `/proc/self/fd/1`) is the caller's
    // stream, whatever it points at: a file behind it is the shell's redirection, written on
    // (appended to), never replaced.
    match through_descriptor(path) {
        Some(Some(fd @ (1 | 2))) => return Ok(Destination::Stream(fd)),
        Some(_) => return Ok(Destination::Special(path.to_path_buf())),
        None => {}
    }
    // `x.png/` names a folder: the check would pass (a temporary file goes beside `x.png`) and
    // the rename at the end fail, after all the work.
    if path.as_os_str().as_encoded_bytes().ends_with(b"/") {
        return Err(write_error(
            path,
            std::io::Error::other("a file's name cannot end in /"),
        ));
    }
    // The kernel's own view through every link.
    if let Ok(meta) = std::fs::metadata(path) {
        let kind = meta.file_type();
        if kind.is_dir() {
            return Err(write_error(
                path,
                std::io::Error::other("it is a directory"),
            ));
        }
        if !kind.is_file() {
            #[cfg(unix)]
            {
                use std::os::unix::fs::FileTypeExt;
                if kind.is_char_device() || kind.is_block_device() || kind.is_fifo() {
                    return Ok(Destination::Special(path.to_path_buf()));
                }
            }
            return Err(write_error(
                path,
                std::io::Error::other("it is not a regular file, a device or a FIFO (a socket?)"),
            ));
        }
    }
    link_target(path).map(Destination::File)
}

/// Whether `path`, or a link on the way to its target, names an open file descriptor:
/// `Some(Some(n))` for this process's descriptor `n`, `Some(None)` for another's.
fn through_descriptor(path: &Path) -> Option<Option<u32>> {
    let own = |text: &str| -> Option<Option<u32>> {
        let number = |n: &str| n.parse::<u32>().ok();
        match text {
            "/dev/stdin" => Some(Some(0)),
            "/dev/stdout" => Some(Some(1)),
            "/dev/stderr" => Some(Some(2)),
            t if t.starts_with("/dev/fd/") => Some(number(&t["/dev/fd/".len()..])),
            t if t.starts_with("/proc/self/fd/") => Some(number(&t["/proc/self/fd/".len()..])),
            t => {
                let (pid, fd) = t.strip_prefix("/proc/")?.split_once("/fd/")?;
                let mine = pid.parse::<u32>().ok() == Some(std::process::id());
                Some(number(fd).filter(|_| mine))
            }
        }
    };
    let mut current = path.to_path_buf();
    for _ in 0..40 {
        if let Some(fd) = own(&current.to_string_lossy()) {
            return Some(fd);
        }
        match std::fs::read_link(&current) {
            Ok(target) if target.is_absolute() => current = target,
            Ok(target) => current = current.parent().unwrap_or(Path::new("")).join(target),
            Err(_) => return None,
        }
    }
    None
}

fn is_fifo(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        std::fs::metadata(path).is_ok_and(|m| m.file_type().is_fifo())
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        false
    }
}

/// Opens a device, a FIFO or a descriptor for writing as it is: never created, truncated or
/// replaced; appended to where that means anything (a file behind `/dev/stdout`).
fn open_special(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new().append(true).open(path)
}

/// Refuses outputs that would replace an input of the same run, or each other: `outputs` and
/// `inputs` are `(flag, path)` pairs, and the message names both flags.
pub fn check_outputs(outputs: &[(&str, &Path)], inputs: &[(&str, &Path)]) -> Result<()> {
    // Only existing files can be the same file; canonical paths see through links and `..`.
    let canonical = |p: &Path| std::fs::canonicalize(link_target(p).ok()?).ok();
    // Two outputs to one device (`/dev/null`) take turns; only files can replace each other.
    let file = |p: &Path| std::fs::metadata(p).map_or(true, |m| m.is_file());
    for (i, (flag, out)) in outputs.iter().enumerate() {
        let Some(resolved) = canonical(out) else {
            // A new file: it can still clash with another output given the same way.
            if let Some((other, _)) = outputs[..i].iter().find(|(_, o)| o == out) {
                return Err(clash(flag, out, other, "another output"));
            }
            continue;
        };
        for (other, input) in inputs {
            if canonical(input).as_ref() == Some(&resolved) {
                return Err(clash(flag, out, other, "an input of this run"));
            }
        }
        if let Some((other, _)) = outputs[..i]
            .iter()
            .filter(|_| file(&resolved))
            .find(|(_, o)| canonical(o).as_ref() == Some(&resolved))
        {
            return Err(clash(flag, out, other, "another output"));
        }
    }
    Ok(())
}

fn clash(flag: &str, path: &Path, other: &str, what: &str) -> Error {
    Error::Usage(format!(
        "{flag} {}: that file is also {other}, {what}; give a different file",
        path.display()
    ))
}

/// The file a write to `path` goes to: the target of a symlink, followed link by link (so that
/// the link stays a link), else `path` itself. A loop of links is an error.
fn link_target(path: &Path) -> Result<PathBuf> {
    let mut current = path.to_path_buf();
    // The limit of links the kernel itself follows.
    for _ in 0..40 {
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => match std::fs::read_link(&current) {
                Ok(target) if target.is_absolute() => current = target,
                Ok(target) => {
                    current = current.parent().unwrap_or(Path::new("")).join(target);
                }
                Err(_) => return Ok(current),
            },
            _ => return Ok(current),
        }
    }
    Err(write_error(
        path,
        std::io::Error::other("too many levels of symbolic links (a loop?)"),
    ))
}

/// The temporary files of writes in progress, for the interrupt handler to remove.
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// On Ctrl-C (SIGINT) or SIGTERM, removes the temporary file of any write in progress and exits
/// with code 130, so that an interrupt leaves neither a partial output nor a temporary file.
/// Call once, at the start of a program.
pub fn clean_up_on_interrupt() {
    // A second handler (a test harness's, say) is not an error worth stopping for.
    let _ = ctrlc::set_handler(|| {
        for path in pending().iter() {
            let _ = std::fs::remove_file(path);
        }
        std::process::exit(130);
    });
}

/// A temporary file beside the destination, registered for removal on an interrupt and removed
/// when dropped unless persisted.
struct Temp {
    file: Option<tempfile::NamedTempFile>,
}

impl Temp {
    /// A temporary file in the folder of `target`; errors name `shown`, the path as given.
    fn beside(target: &Path, shown: &Path) -> Result<Self> {
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let mut builder = tempfile::Builder::new();
        builder.prefix(".slope-");
        // tempfile makes private (0600) files; the result should be an ordinary file, 0666 less
        // the user's umask, like any other program's output.
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
        // Created and registered under the lock, so that the handler knows of it at once.
        let mut pending = pending();
        let file = builder
            .tempfile_in(dir)
            .map_err(|e| write_error(shown, e))?;
        pending.push(file.path().to_path_buf());
        Ok(Self { file: Some(file) })
    }

    fn file(&mut self) -> &mut tempfile::NamedTempFile {
        self.file.as_mut().expect("present until persisted")
    }

    /// Renames the file over `target`, under the lock, so that an interrupt sees either the
    /// temporary file or the finished output, never neither.
    fn persist(mut self, target: &Path, shown: &Path) -> Result<()> {
        let file = self.file.take().expect("present until persisted");
        let mut pending = pending();
        pending.retain(|p| p != file.path());
        file.persist(target)
            .map(drop)
            .map_err(|e| write_error(shown, e.error))
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        if let Some(file) = self.file.take() {
            let mut pending = pending();
            pending.retain(|p| p != file.path());
            drop(file);
        }
    }
}

fn pending() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    PENDING.lock().unwrap_or_else(|e| e.into_inner())
}

fn write_error(path: &Path, reason: std::io::Error) -> Error {
    // tempfile appends the name of its own random file (` at path "…/.slope-x1y2"`), which
    // means nothing to the user; the OS reason before it is what they can act on.
    let text = reason.to_string();
    let plain = text.split(" at path ").next().unwrap_or(&text).to_string();
    Error::Write {
        path: path.to_path_buf(),
        reason: std::io::Error::new(reason.kind(), plain),
    }
}

/// Set once a reader closed stdout early.
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

/// Whether the reader of stdout has gone (`explore train … | head`): long work can stop, since
/// nothing more can be seen.
pub fn stdout_closed() -> bool {
    STDOUT_CLOSED.load(Ordering::Relaxed)
}

/// Standard output, buffered, for results. A reader that closes the pipe early (`| head`) is no
/// error: the rest is dropped, and [`stdout_closed`] says so.
#[derive(Debug)]
pub struct Stdout {
    inner: std::io::BufWriter<std::io::Stdout>,
}

impl Stdout {
    pub fn new() -> Self {
        Self {
            inner: std::io::BufWriter::with_capacity(64 << 10, std::io::stdout()),
        }
    }

    fn quietly<T>(result: std::io::Result<T>, or: T) -> std::io::Result<T> {
        match result {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                STDOUT_CLOSED.store(true, Ordering::Relaxed);
                Ok(or)
            }
            other => other,
        }
    }
}

impl Default for Stdout {
    fn default() -> Self {
        Self::new()
    }
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if stdout_closed() {
            return Ok(buf.len());
        }
        Self::quietly(self.inner.write(buf), buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if stdout_closed() {
            return Ok(());
        }
        Self::quietly(self.inner.flush(), ())
    }
}

impl Drop for Stdout {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

/// [`Stdout`] for a writer that would go on making output nobody reads (`gen … | head`): once
/// the reader has gone, every write fails with `BrokenPipe`, so the writer stops; the caller
/// takes that, with [`stdout_closed`], as the quiet end it is.
#[derive(Debug, Default)]
pub struct UntilClosed(pub Stdout);

impl Write for UntilClosed {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.0.write(buf)?;
        if stdout_closed() {
            return Err(std::io::ErrorKind::BrokenPipe.into());
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// An error writing results to stdout, as one that names it.
pub fn stdout_error(reason: std::io::Error) -> Error {
    Error::Write {
        path: "stdout".into(),
        reason,
    }
}

/// Writes `bytes` to stdout (see [`Stdout`]).
pub fn write_stdout(bytes: &[u8]) -> Result<()> {
    let mut out = Stdout::new();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(stdout_error)
}
