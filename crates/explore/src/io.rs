//! Writing results: files so that a failure never leaves half a file behind (write to a
//! temporary file in the same folder, then rename it over the destination in one step), and
//! stdout so that a reader who closes the pipe early is no error.

use std::io::Write;
use std::path::Path;

use crate::{Error, Result};

/// Writes `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let wrap = |source| write_error(path, source);
    let mut tmp = temp_beside(path)?;
    tmp.write_all(bytes).map_err(wrap)?;
    tmp.as_file().sync_all().map_err(wrap)?;
    tmp.persist(path).map_err(|e| wrap(e.error))?;
    Ok(())
}

/// Writes `path` atomically with a writer that only takes a path (candle's safetensors `save`):
/// `write` fills a temporary file beside `path`, which then replaces it.
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&Path) -> candle_core::Result<()>,
) -> Result<()> {
    let tmp = temp_beside(path)?;
    write(tmp.path())?;
    tmp.persist(path).map_err(|e| write_error(path, e.error))?;
    Ok(())
}

/// Checks that `path` can be written, before any long computation: it is not a folder, and its
/// folder exists and takes a new file. Nothing is left behind.
pub fn check_writable(path: &Path) -> Result<()> {
    if path.is_dir() {
        return Err(write_error(
            path,
            std::io::Error::other("it is a directory"),
        ));
    }
    temp_beside(path).map(drop)
}

/// A temporary file in the folder of `path`, removed when dropped unless persisted.
fn temp_beside(path: &Path) -> Result<tempfile::NamedTempFile> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".slope-");
    // tempfile makes private (0600) files; the result should be an ordinary file, 0666 less
    // the user's umask, like any other program's output.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    builder.tempfile_in(dir).map_err(|e| write_error(path, e))
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

/// Writes to stdout; a reader that closed the pipe early (`| head`) is not an error.
pub fn write_stdout(bytes: &[u8]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::Write {
            path: "stdout".into(),
            reason: e,
        }),
        Ok(()) => Ok(()),
    }
}
