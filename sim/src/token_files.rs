//! Writing `.vpptoken` files into the token directory safely: each file is first written
//! as a new temporary file (created exclusively, mode 0600 on Unix) in the same directory,
//! then renamed over `<uId>.vpptoken`. A symlink planted at the target is replaced, never
//! followed, and writing into the same directory again (a re-run, a renewal) works.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Distinguishes temporary files of one process.
static NEXT: AtomicU64 = AtomicU64::new(0);

/// `<dir>/<uid>.vpptoken`.
pub(crate) fn token_path(dir: &Path, uid: &str) -> PathBuf {
    dir.join(format!("{uid}.vpptoken"))
}

/// Writes `content` as `<dir>/<uid>.vpptoken` (see the module docs). `uid` is digits only
/// (the scenario refuses anything else), so the name stays inside `dir`.
pub(crate) fn write(dir: &Path, uid: &str, content: &str) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let target = token_path(dir, uid);
    let (tmp, mut file) = create_temp(dir, uid)?;
    let written = file
        .write_all(content.as_bytes())
        .and_then(|()| file.sync_all())
        .and_then(|()| std::fs::rename(&tmp, &target));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written.map(|()| target)
}

/// A new file `.<uid>.vpptoken.<pid>.<n>.tmp` that did not exist before (a leftover of the
/// same name is never opened: the next name is tried).
fn create_temp(dir: &Path, uid: &str) -> std::io::Result<(PathBuf, std::fs::File)> {
    let mut last = None;
    for _ in 0..16 {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!(".{uid}.vpptoken.{}.{n}.tmp", std::process::id()));
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        match options.open(&tmp) {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no free temporary name")))
}
