//! Files that hold findings or results are the owner's alone: created `0600` in directories
//! created `0700`, whatever the process umask, and an existing file that others could read is
//! narrowed to `0600` when trawl opens it to write. (On other systems than Unix the platform's
//! defaults apply.)

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

/// How [`open`] treats a file's existing content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteMode {
    /// Empty the file.
    Truncate,
    /// Write at the end.
    Append,
    /// Keep the content; the caller seeks where it writes.
    Keep,
}

/// Creates `dir` and its missing parents, each new one `0700`. Existing directories keep
/// their mode: they may be the user's own, shared ones.
pub fn create_dir_all(dir: &Path) -> io::Result<()> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Opens `path` for writing, creating it `0600` (and its directory `0700`) if needed.
pub fn open(path: &Path, mode: WriteMode) -> io::Result<File> {
    if let Some(dir) = path.parent() {
        create_dir_all(dir)?;
    }
    let mut options = OpenOptions::new();
    options.create(true);
    match mode {
        WriteMode::Truncate => options.write(true).truncate(true),
        WriteMode::Append => options.append(true),
        WriteMode::Keep => options.write(true).truncate(false),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options.open(path)?;
    restrict(&file)?;
    Ok(file)
}

/// Writes `bytes` to `path` as [`open`] with [`WriteMode::Truncate`] does.
pub fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    open(path, WriteMode::Truncate)?.write_all(bytes)
}

/// Makes an existing file `0600` when group or others have any access to it (the mode given
/// at creation is masked by the umask, but only ever narrowed, so a new file needs nothing).
pub fn restrict(file: &File) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = file.metadata()?;
        if meta.permissions().mode() & 0o077 != 0 {
            file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn new_files_and_dirs_are_the_owners_only() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a/b/results.jsonl");
        write(&file, b"x").unwrap();
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(&dir.path().join("a")), 0o700);
        assert_eq!(mode(&dir.path().join("a/b")), 0o700);
    }

    #[test]
    fn an_existing_readable_file_is_narrowed() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("events.jsonl");
        std::fs::write(&file, b"old\n").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let f = open(&file, WriteMode::Append).unwrap();
        drop(f);
        assert_eq!(mode(&file), 0o600);
        assert_eq!(std::fs::read(&file).unwrap(), b"old\n");
    }
}
