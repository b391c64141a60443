//! File writes that never leave a half-written file behind.

use std::io::Write;
use std::path::Path;

/// Write `bytes` to `path` through a temporary file in the same directory and a rename, so a
/// reader sees the old content or the new, never a mix, even if we are killed mid-write; and
/// durable: the file is flushed to disk before the rename and the directory after it (the
/// rename itself lives in the directory), so it survives a power cut too.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_replacing(path, bytes, true)
}

/// [`write_atomic`] without the flush to disk: still all-or-nothing for readers and crashes
/// of the process, but an edit of many files (tracked in git anyway) costs no fsync each.
pub fn write_replacing(path: &Path, bytes: &[u8], durable: bool) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    temp.write_all(bytes)?;
    if durable {
        temp.as_file().sync_all()?;
    }
    if let Ok(metadata) = fs_err::metadata(path) {
        // Keep the mode of the file we replace (an executable bit, a group permission).
        fs_err::set_permissions(temp.path(), metadata.permissions())?;
    }
    temp.persist(path).map_err(|error| error.error)?;
    if durable {
        sync_dir(dir)?;
    }
    Ok(())
}

/// Flush a directory's entries (a rename into it) to disk.
#[cfg(unix)]
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    fs_err::File::open(dir)?.sync_all()
}

/// Windows has no directory handles to flush; its renames are journaled by NTFS.
#[cfg(not(unix))]
fn sync_dir(_: &Path) -> std::io::Result<()> {
    Ok(())
}
