//! The file-system primitives of run directories (used only by [`crate::run`]): the exclusive
//! run lock, temporary files that are removed unless they are renamed into place, atomic
//! writes, and a write budget that simulates a full disk in tests.
//!
//! - **Lock.** `DIR/.lock` is an empty file created on the first run in `DIR` and never removed;
//!   a process writing the run holds an exclusive lock on it for the whole run: `flock(2)` on
//!   Unix, an open without sharing on Windows. The operating system releases it when the process
//!   ends, however it ends (even `kill -9`), so a stale lock never blocks a resume.
//! - **Temporary files** ([`TmpFile`]) are written beside their destination as `NAME.tmp`,
//!   synced and renamed; on any error (a full disk included) the temporary file is removed, so
//!   a failed write leaves neither a partial output nor a `.tmp` behind.
//! - **Full disk** ([`DiskFull`], a test hook of [`crate::run::Execution`]): writes fail with
//!   `StorageFull` once a byte budget is spent, as a real full disk does (the last write may be
//!   partial). The same code paths run against a real full file system in the CLI tests when a
//!   small tmpfs can be mounted.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// The lock file of a run directory.
pub const LOCK: &str = ".lock";

/// Which part of a run a simulated full disk hits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// While the chains write their parts and checkpoints.
    Chains,
    /// While the parts are merged into the final files.
    Merge,
}

/// Test hook: the disk fills up after `after_bytes` bytes written during `phase`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DiskFull {
    pub phase: Phase,
    pub after_bytes: u64,
}

/// The bytes left before a simulated full disk (`None`: unlimited, the normal case).
#[derive(Clone, Debug, Default)]
pub(crate) struct Budget(Option<Arc<AtomicU64>>);

impl Budget {
    pub(crate) fn new(fault: Option<DiskFull>, phase: Phase) -> Budget {
        Budget(fault.filter(|f| f.phase == phase).map(|f| Arc::new(AtomicU64::new(f.after_bytes))))
    }

    /// How many of `want` bytes may be written now.
    fn take(&self, want: usize) -> usize {
        let Some(left) = &self.0 else { return want };
        let mut cur = left.load(Ordering::Relaxed);
        loop {
            let n = cur.min(want as u64);
            match left.compare_exchange_weak(cur, cur - n, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => return n as usize,
                Err(now) => cur = now,
            }
        }
    }
}

/// A file that counts its writes against a [`Budget`].
pub(crate) struct BudgetFile {
    pub(crate) file: File,
    budget: Budget,
}

impl BudgetFile {
    pub(crate) fn new(file: File, budget: &Budget) -> BudgetFile {
        BudgetFile { file, budget: budget.clone() }
    }
}

impl Write for BudgetFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let n = self.budget.take(buf.len());
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::StorageFull,
                "No space left on device (simulated full disk)",
            ));
        }
        self.file.write(&buf[..n])
    }
    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// `path` + `.tmp`: where [`TmpFile`] writes before the rename.
pub(crate) fn tmp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".tmp");
    path.with_file_name(name)
}

/// A temporary file beside `dest`, removed on drop unless [`TmpFile::persist`] renamed it into
/// place.
pub(crate) struct TmpFile {
    pub(crate) dest: PathBuf,
    pub(crate) path: PathBuf,
    out: Option<io::BufWriter<BudgetFile>>,
}

impl TmpFile {
    pub(crate) fn create(dest: &Path, budget: &Budget) -> io::Result<TmpFile> {
        let path = tmp_path(dest);
        let file = File::create(&path)?;
        Ok(TmpFile {
            dest: dest.to_path_buf(),
            path,
            out: Some(io::BufWriter::with_capacity(1 << 16, BudgetFile::new(file, budget))),
        })
    }

    pub(crate) fn writer(&mut self) -> &mut io::BufWriter<BudgetFile> {
        self.out.as_mut().expect("not yet persisted")
    }

    /// Flushes, syncs and renames the file into place, then syncs the directory. On failure the
    /// temporary file is removed.
    pub(crate) fn persist(mut self) -> io::Result<()> {
        let out = self.out.take().expect("persisted once");
        let result = out.into_inner().map_err(|e| e.into_error()).and_then(|f| {
            f.file.sync_all()?;
            drop(f);
            fs::rename(&self.path, &self.dest)
        });
        match result {
            Ok(()) => {
                sync_parent(&self.dest);
                Ok(())
            }
            Err(e) => {
                let _ = fs::remove_file(&self.path);
                Err(e)
            }
        }
    }
}

impl Drop for TmpFile {
    fn drop(&mut self) {
        if self.out.is_some() {
            self.out = None; // close before removing (Windows)
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Writes `bytes` to `path` atomically (temporary file, fsync, rename), counting against
/// `budget`; on failure nothing is left behind.
pub(crate) fn write_atomic_budget(path: &Path, bytes: &[u8], budget: &Budget) -> io::Result<()> {
    let mut t = TmpFile::create(path, budget)?;
    t.writer().write_all(bytes)?;
    t.persist()
}

/// Makes a rename in `path`'s directory durable (best effort: not every platform can open a
/// directory for syncing, and the rename itself already happened).
pub(crate) fn sync_parent(path: &Path) {
    if let Some(dir) = path.parent() {
        let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
}

/// An exclusive lock on a run directory, held until dropped (see the module docs).
#[derive(Debug)]
pub struct RunLock {
    _file: File,
}

/// Why a run directory could not be locked.
pub(crate) enum LockError {
    /// Another process holds it.
    Held,
    Io(PathBuf, io::Error),
}

/// Takes the exclusive lock of `dir` (which must exist) without waiting.
pub(crate) fn lock_dir(dir: &Path) -> Result<RunLock, LockError> {
    let path = dir.join(LOCK);
    let mut opts = OpenOptions::new();
    opts.read(true).write(true).create(true).truncate(false);
    #[cfg(windows)]
    {
        // No sharing: a second open fails (ERROR_SHARING_VIOLATION) while this handle lives.
        use std::os::windows::fs::OpenOptionsExt;
        opts.share_mode(0);
    }
    let file = match opts.open(&path) {
        Ok(f) => f,
        #[cfg(windows)]
        Err(e) if e.raw_os_error() == Some(32) => return Err(LockError::Held),
        Err(e) => return Err(LockError::Io(path, e)),
    };
    #[cfg(unix)]
    {
        use std::os::unix::io::AsRawFd;
        // SAFETY: flock on a file descriptor this function owns (open for the call's duration).
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
            let e = io::Error::last_os_error();
            return Err(if e.raw_os_error() == Some(libc::EWOULDBLOCK) {
                LockError::Held
            } else {
                LockError::Io(path, e)
            });
        }
    }
    Ok(RunLock { _file: file })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_fails_writes_once_spent_and_tmp_files_vanish() {
        let dir = std::env::temp_dir().join(format!("redraw-fsio-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let budget = Budget::new(Some(DiskFull { phase: Phase::Merge, after_bytes: 10 }), Phase::Merge);
        let dest = dir.join("out.bin");
        let e = write_atomic_budget(&dest, &[7u8; 100], &budget).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::StorageFull);
        assert!(!dest.exists() && !tmp_path(&dest).exists(), "no output, no temporary file");
        // Another phase is unaffected.
        let free = Budget::new(Some(DiskFull { phase: Phase::Merge, after_bytes: 0 }), Phase::Chains);
        write_atomic_budget(&dest, &[7u8; 100], &free).unwrap();
        assert_eq!(fs::read(&dest).unwrap().len(), 100);
        // The lock is exclusive while held and free again after.
        let l = lock_dir(&dir).ok().unwrap();
        assert!(matches!(lock_dir(&dir), Err(LockError::Held)));
        drop(l);
        assert!(lock_dir(&dir).is_ok());
        fs::remove_dir_all(&dir).unwrap();
    }
}
