//! Local files and directories. Every regular file under a directory target is listed,
//! dotfiles included; ignore files are not honoured; symbolic links are not followed.

use std::fs::{self, File, Metadata};
use std::io;
use std::path::{Path, PathBuf};

use trawl_formats::{Reason, ReasonCode};

use super::boundary::{Content, Feed, Notice, ObjectRef, Source, WalkError, Work};
use crate::record::Storage;

/// A local file or directory target.
pub struct LocalSource {
    target: PathBuf,
}

impl LocalSource {
    /// A source over `target` (a file, or a directory walked whole).
    pub fn new(target: PathBuf) -> LocalSource {
        LocalSource { target }
    }
}

impl Source for LocalSource {
    fn list<'s>(&'s self, feed: &Feed<'_, 's>) {
        let mut found = |o: ObjectRef| {
            if feed.stopped() {
                return;
            }
            if feed.admit(&o) {
                feed.send(Work::Listed(o, self));
            }
        };
        let mut failed = |e: WalkError| feed.notice(Notice::Walk(e));
        if let Err(e) = walk(&self.target, &mut found, &mut failed) {
            feed.notice(Notice::Target {
                target: self.target.display().to_string(),
                error: e.to_string(),
            });
        }
    }

    fn open(&self, obj: &ObjectRef) -> Result<Content, Reason> {
        match open_file(obj) {
            Ok(f) => Ok(Content::Seekable(Box::new(f))),
            Err(e) => Err(open_reason(&e)),
        }
    }
}

/// The reason for a file that could not be opened.
fn open_reason(e: &io::Error) -> Reason {
    let code = match e.kind() {
        io::ErrorKind::PermissionDenied => ReasonCode::PermissionDenied,
        io::ErrorKind::NotFound => ReasonCode::SourceObjectNoLongerAvailable,
        _ => ReasonCode::ReadError,
    };
    Reason::new(code, format!("open failed: {e}"))
}

fn rfc3339(meta: &Metadata) -> Option<String> {
    let t = meta.modified().ok()?;
    let dt: chrono::DateTime<chrono::Utc> = t.into();
    Some(dt.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

fn object(path: &Path, key: String, meta: &Metadata) -> ObjectRef {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    ObjectRef {
        storage: Storage::Local,
        bucket: None,
        key,
        uri: format!("file://{}", abs.to_string_lossy()),
        size: meta.len(),
        last_modified: rfc3339(meta),
        etag: None,
        version_id: None,
        encryption: None,
        account: None,
        storage_class: None,
        tags: None,
        path: Some(path.to_path_buf()),
    }
}

fn key_of(rel: &Path) -> String {
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// Walks `target` (a file or directory), calling `found` for each regular file and `failed`
/// for each path that could not be listed. Returns an error only when `target` itself cannot
/// be read.
pub fn walk(
    target: &Path,
    found: &mut dyn FnMut(ObjectRef),
    failed: &mut dyn FnMut(WalkError),
) -> io::Result<()> {
    let meta = fs::metadata(target)?;
    if meta.is_file() {
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| target.to_string_lossy().into_owned());
        found(object(target, name, &meta));
        return Ok(());
    }
    if !meta.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file or directory",
        ));
    }
    for entry in walkdir::WalkDir::new(target)
        .follow_links(false)
        .sort_by_file_name()
    {
        match entry {
            Ok(e) => {
                if !e.file_type().is_file() {
                    continue;
                }
                let rel = e.path().strip_prefix(target).unwrap_or(e.path());
                match e.metadata() {
                    Ok(m) => found(object(e.path(), key_of(rel), &m)),
                    Err(err) => failed(WalkError {
                        path: e.path().to_path_buf(),
                        error: err.into(),
                    }),
                }
            }
            Err(err) => {
                let path = err.path().map(Path::to_path_buf).unwrap_or_default();
                failed(WalkError {
                    path,
                    error: err.into(),
                })
            }
        }
    }
    Ok(())
}

/// Opens a local object as a file (it can seek).
pub fn open_file(obj: &ObjectRef) -> io::Result<File> {
    let path = obj
        .path
        .as_ref()
        .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "object has no local path"))?;
    File::open(path)
}
