//! How objects are named for people and for viewers: a local file by the path it was given
//! as (ripgrep's way), standard input as `<stdin>`, an S3 object by its URI.

use std::path::{Path, PathBuf};

use crate::record::{ResultRecord, Storage};
use crate::source::Target;

/// Names objects relative to the targets as they were given (`data/a.txt` for a target
/// `data`), not as `file:///` URIs.
#[derive(Clone, Debug, Default)]
pub struct DisplayPaths {
    /// Local targets: (as given, absolute).
    roots: Vec<(PathBuf, PathBuf)>,
}

impl DisplayPaths {
    /// For the given targets.
    pub fn new(targets: &[Target]) -> DisplayPaths {
        let roots = targets
            .iter()
            .filter_map(|t| match t {
                Target::Local(p) => Some((
                    p.clone(),
                    std::path::absolute(p).unwrap_or_else(|_| p.clone()),
                )),
                _ => None,
            })
            .collect();
        DisplayPaths { roots }
    }

    /// The object as a person reads it.
    pub fn path(&self, r: &ResultRecord) -> String {
        match self.local(r) {
            Some(LocalName::Stdin) => "<stdin>".into(),
            Some(LocalName::Path(p)) => p.display().to_string(),
            None => r.object.uri.clone(),
        }
    }

    /// A local object's path as given (relative when its target was), or standard input;
    /// None for an S3 object or a URI that is not a `file://` one.
    pub fn local(&self, r: &ResultRecord) -> Option<LocalName> {
        let uri = &r.object.uri;
        if r.object.storage != Storage::Local {
            return None;
        }
        if r.object.key == "-" && uri == "file:///dev/stdin" {
            return Some(LocalName::Stdin);
        }
        let abs = Path::new(uri.strip_prefix("file://")?);
        let best = self
            .roots
            .iter()
            .filter(|(_, root)| abs.starts_with(root))
            .max_by_key(|(_, root)| root.as_os_str().len());
        Some(LocalName::Path(match best {
            Some((given, root)) => match abs.strip_prefix(root) {
                Ok(rest) if rest.as_os_str().is_empty() => given.clone(),
                Ok(rest) => given.join(rest),
                Err(_) => abs.to_path_buf(),
            },
            None => abs.to_path_buf(),
        }))
    }
}

/// A local object's name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LocalName {
    /// Standard input.
    Stdin,
    /// A file, by the path it was reached by.
    Path(PathBuf),
}
