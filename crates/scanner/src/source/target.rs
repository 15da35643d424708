//! Targets as given on the command line or in a job, and the sources that list them.

use std::path::PathBuf;

use super::boundary::Source;
use super::local::LocalSource;
use super::s3::{S3Options, S3Source, S3Target};
use super::stdin::StdinSource;
use crate::error::Error;

/// What to scan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A local file or directory.
    Local(PathBuf),
    /// An S3 bucket (or every bucket the credentials can list) and a key prefix.
    S3(S3Target),
    /// Standard input, streamed as one object in any format the extractors detect from its
    /// bytes. Its record: storage `local`, key `-`, uri `file:///dev/stdin`, `size` the bytes
    /// read (all of them unless a limit stopped the read), no time, etag, version or encryption.
    Stdin,
}

impl Target {
    /// Parses a target: `s3://bucket[/prefix]`, `s3://`, or a local path. (`-` for standard
    /// input is the CLI's to give: here it is a file named `-`.)
    pub fn parse(s: &str) -> Result<Target, String> {
        let Some(rest) = s.strip_prefix("s3://") else {
            if s.is_empty() {
                return Err("empty target".into());
            }
            return Ok(Target::Local(PathBuf::from(s)));
        };
        if rest.is_empty() {
            return Ok(Target::S3(S3Target {
                bucket: None,
                prefix: String::new(),
            }));
        }
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        // S3's bucket naming rules (3-63 of a-z 0-9 . -); legacy buckets may have capitals
        // and underscores, which we accept.
        let ok_len = (3..=63).contains(&bucket.len());
        let ok_chars = bucket
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
        if !ok_len || !ok_chars {
            return Err(format!("{s}: {bucket:?} is not a valid S3 bucket name"));
        }
        Ok(Target::S3(S3Target {
            bucket: Some(bucket.to_string()),
            prefix: prefix.to_string(),
        }))
    }

    /// How the target is written on the command line.
    pub fn display(&self) -> String {
        match self {
            Target::Local(p) => p.display().to_string(),
            Target::S3(t) => t.display(),
            Target::Stdin => "-".to_string(),
        }
    }
}

/// The sources of `targets`, listed in this order: local and standard-input targets as given,
/// then every S3 target through one [`S3Source`] (one client, one runtime, one GET budget).
pub fn sources(
    targets: &[Target],
    s3: &S3Options,
    threads: usize,
) -> Result<Vec<Box<dyn Source>>, Error> {
    let mut out: Vec<Box<dyn Source>> = Vec::new();
    let mut s3_targets = Vec::new();
    for t in targets {
        match t {
            Target::Local(p) => out.push(Box::new(LocalSource::new(p.clone()))),
            Target::Stdin => out.push(Box::new(StdinSource::default())),
            Target::S3(s) => s3_targets.push(s.clone()),
        }
    }
    if !s3_targets.is_empty() {
        out.push(Box::new(S3Source::new(s3_targets, s3.clone(), threads)?));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_and_display() {
        for t in [
            "s3://",
            "s3://bucket",
            "s3://bucket/logs/",
            "s3://b.c-d/a/b",
            "dir/file",
        ] {
            assert_eq!(Target::parse(t).unwrap().display(), t);
        }
        assert_eq!(
            Target::parse("s3://bucket/logs/").unwrap(),
            Target::S3(S3Target {
                bucket: Some("bucket".into()),
                prefix: "logs/".into()
            })
        );
        assert!(Target::parse("s3://a").is_err(), "too short a bucket name");
        assert!(Target::parse("s3://bad bucket").is_err());
        assert!(Target::parse("").is_err());
    }
}
