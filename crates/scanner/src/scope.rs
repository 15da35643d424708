//! Object scope: which listed objects a run scans, in the manner of a Macie job's object
//! criteria. Includes narrow (every criterion given must hold: AND across kinds, OR within a
//! list); excludes remove (any exclude criterion that matches removes the object); exclude
//! wins. Sampling keeps a random share of what is left, each object scanned whole.

use chrono::{DateTime, Utc};

use crate::source::ObjectRef;

/// One set of criteria. Empty lists and `None` bounds are "not given".
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Criteria {
    /// File name extensions, lowercase, without the dot (`csv`, `gz`).
    pub extensions: Vec<String>,
    /// Key prefixes (relative to the target for local paths).
    pub key_prefixes: Vec<String>,
    /// Smallest size in bytes (inclusive).
    pub min_size: Option<u64>,
    /// Largest size in bytes (inclusive).
    pub max_size: Option<u64>,
    /// Last modified at or after.
    pub modified_after: Option<DateTime<Utc>>,
    /// Last modified before.
    pub modified_before: Option<DateTime<Utc>>,
    /// Object tags: `(key, Some(value))` matches that pair, `(key, None)` any value of the key.
    pub tags: Vec<(String, Option<String>)>,
}

/// Includes, excludes and sampling.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Scope {
    /// Objects must meet all of these.
    pub include: Criteria,
    /// Objects meeting any of these are left out (exclude wins).
    pub exclude: Criteria,
    /// Scan only this percentage of the objects in scope (chosen at random, each whole).
    pub sample_percent: Option<f64>,
    /// Seed of the sample; a run picks one at random when `None`.
    pub sample_seed: Option<u64>,
    /// One shard of a run split across processes: only the objects this shard owns.
    pub shard: Option<Shard>,
}

/// Shard `index` of `count` (0-based): one run split across processes or machines, each
/// object owned by exactly one shard whatever the listing order.
///
/// The owner is `u64::from_be_bytes(SHA-256(bucket ‖ 0x00 ‖ key ‖ 0x00 ‖ version)[0..8]) mod
/// count`, where `bucket` is empty for local files and standard input, `key` is the S3 key
/// or the path relative to the target directory (`/`-separated; `-` for standard input),
/// and `version` is the version id or empty. SHA-256 so that any tool in any language can
/// tell which shard holds an object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// This shard, `0..count`.
    pub index: u64,
    /// Shards in all.
    pub count: u64,
}

impl Shard {
    /// `K/N`, checked: `N >= 1`, `K < N`.
    pub fn new(index: u64, count: u64) -> Result<Shard, String> {
        if count == 0 {
            return Err("shard count 0: give at least 1".into());
        }
        if index >= count {
            return Err(format!(
                "shard {index}/{count}: shards are numbered from 0, so the last of {count} is {}",
                count - 1
            ));
        }
        Ok(Shard { index, count })
    }

    /// Parses `K/N`.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let bad = || format!("shard {text:?}: give K/N, e.g. 0/4 (0-based)");
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let k: u64 = k.trim().parse().map_err(|_| bad())?;
        let n: u64 = n.trim().parse().map_err(|_| bad())?;
        Shard::new(k, n)
    }

    /// The shard that owns an object, out of `count`.
    pub fn owner(bucket: &str, key: &str, version: &str, count: u64) -> u64 {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(bucket.as_bytes());
        h.update([0]);
        h.update(key.as_bytes());
        h.update([0]);
        h.update(version.as_bytes());
        let d = h.finalize();
        let mut first = [0u8; 8];
        first.copy_from_slice(&d[..8]);
        u64::from_be_bytes(first) % count.max(1)
    }

    /// Whether this shard owns `obj`.
    pub fn owns(&self, obj: &ObjectRef) -> bool {
        let owner = Shard::owner(
            obj.bucket.as_deref().unwrap_or(""),
            &obj.key,
            obj.version_id.as_deref().unwrap_or(""),
            self.count,
        );
        owner == self.index
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

fn extension_of(key: &str) -> Option<String> {
    let name = key.rsplit('/').next().unwrap_or(key);
    let (stem, ext) = name.rsplit_once('.')?;
    (!stem.is_empty() && !ext.is_empty()).then(|| ext.to_ascii_lowercase())
}

fn modified(obj: &ObjectRef) -> Option<DateTime<Utc>> {
    let s = obj.last_modified.as_deref()?;
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

fn tag_matches(obj: &ObjectRef, key: &str, value: &Option<String>) -> bool {
    obj.tags
        .as_deref()
        .unwrap_or_default()
        .iter()
        .any(|(k, v)| {
            k == key
                && match value {
                    None => true,
                    Some(want) => v == want,
                }
        })
}

impl Criteria {
    /// Whether no criterion is given.
    pub fn is_empty(&self) -> bool {
        *self == Criteria::default()
    }

    /// Whether tags are needed to decide.
    pub fn uses_tags(&self) -> bool {
        !self.tags.is_empty()
    }

    /// Every given criterion holds (include semantics).
    /// Whether `obj` meets every criterion given (includes).
    fn all(&self, obj: &ObjectRef) -> bool {
        self.first_failed(obj).is_none()
    }

    /// Whether `obj` meets any criterion given (excludes).
    fn any(&self, obj: &ObjectRef) -> bool {
        self.first_matched(obj).is_some()
    }

    /// The first criterion given that `obj` fails (for includes).
    fn first_failed(&self, obj: &ObjectRef) -> Option<&'static str> {
        let ext = extension_of(&obj.key);
        let modified = modified(obj);
        let passes = [
            (
                "extension",
                self.extensions.is_empty()
                    || ext.as_ref().is_some_and(|e| self.extensions.contains(e)),
            ),
            (
                "key prefix",
                self.key_prefixes.is_empty()
                    || self.key_prefixes.iter().any(|p| obj.key.starts_with(p)),
            ),
            ("minimum size", self.min_size.is_none_or(|m| obj.size >= m)),
            ("maximum size", self.max_size.is_none_or(|m| obj.size <= m)),
            (
                "modified after",
                self.modified_after
                    .is_none_or(|t| modified.is_some_and(|m| m >= t)),
            ),
            (
                "modified before",
                self.modified_before
                    .is_none_or(|t| modified.is_some_and(|m| m < t)),
            ),
            (
                "tags",
                self.tags.is_empty() || self.tags.iter().any(|(k, v)| tag_matches(obj, k, v)),
            ),
        ];
        passes.iter().find(|(_, ok)| !ok).map(|(name, _)| *name)
    }

    /// The first criterion given that `obj` matches (for excludes).
    fn first_matched(&self, obj: &ObjectRef) -> Option<&'static str> {
        let ext = extension_of(&obj.key);
        let modified = modified(obj);
        let matches = [
            (
                "extension",
                ext.as_ref().is_some_and(|e| self.extensions.contains(e)),
            ),
            (
                "key prefix",
                self.key_prefixes.iter().any(|p| obj.key.starts_with(p)),
            ),
            ("minimum size", self.min_size.is_some_and(|m| obj.size >= m)),
            ("maximum size", self.max_size.is_some_and(|m| obj.size <= m)),
            (
                "modified after",
                self.modified_after
                    .is_some_and(|t| modified.is_some_and(|m| m >= t)),
            ),
            (
                "modified before",
                self.modified_before
                    .is_some_and(|t| modified.is_some_and(|m| m < t)),
            ),
            (
                "tags",
                self.tags.iter().any(|(k, v)| tag_matches(obj, k, v)),
            ),
        ];
        matches.iter().find(|(_, hit)| *hit).map(|(name, _)| *name)
    }
}

fn fnv1a(seed: u64, bytes: &[u8]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64 ^ seed;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    // Final avalanche (from SplitMix64) so that nearby keys spread over the whole range.
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

impl Scope {
    /// Whether tags must be fetched to decide (S3 fetches them only then).
    pub fn uses_tags(&self) -> bool {
        self.include.uses_tags() || self.exclude.uses_tags()
    }

    /// Why the scope leaves `obj` out, if it does: `exclude: CRITERION`,
    /// `include: CRITERION` (the first it fails) or `sampling`.
    pub fn left_out_by(&self, obj: &ObjectRef, seed: u64) -> Option<String> {
        if self.shard.is_some_and(|s| !s.owns(obj)) {
            return Some("shard: another shard's".to_string());
        }
        if let Some(c) = self.exclude.first_matched(obj) {
            return Some(format!("exclude: {c}"));
        }
        if let Some(c) = self.include.first_failed(obj) {
            return Some(format!("include: {c}"));
        }
        (!self.sampled(obj, seed)).then(|| "sampling".to_string())
    }

    /// Whether `obj` is in scope (and in this shard), before sampling.
    pub fn admits(&self, obj: &ObjectRef) -> bool {
        self.shard.is_none_or(|s| s.owns(obj)) && self.include.all(obj) && !self.exclude.any(obj)
    }

    /// Whether `obj` falls in the sample drawn with `seed` (always true without sampling).
    pub fn sampled(&self, obj: &ObjectRef, seed: u64) -> bool {
        match self.sample_percent {
            None => true,
            Some(p) if p >= 100.0 => true,
            Some(p) if p <= 0.0 => false,
            Some(p) => {
                let mut id = obj.uri.clone().into_bytes();
                if let Some(v) = &obj.version_id {
                    id.push(0);
                    id.extend_from_slice(v.as_bytes());
                }
                let h = fnv1a(seed, &id);
                (h as f64) < (p / 100.0) * (u64::MAX as f64)
            }
        }
    }

    /// Checks the values (for a clear error before a run starts).
    pub fn validate(&self) -> Result<(), String> {
        if let Some(p) = self.sample_percent {
            if !(p > 0.0 && p <= 100.0) {
                return Err(format!("sample percentage {p} is not in (0, 100]"));
            }
        }
        if let (Some(a), Some(b)) = (self.include.min_size, self.include.max_size) {
            if a > b {
                return Err(format!("minimum size {a} is above maximum size {b}"));
            }
        }
        for e in self
            .include
            .extensions
            .iter()
            .chain(&self.exclude.extensions)
        {
            if e.is_empty() || e.contains('.') || e.contains('/') || *e != e.to_ascii_lowercase() {
                return Err(format!(
                    "extension {e:?}: give it lowercase, without the dot (csv, gz)"
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Storage;

    fn obj(key: &str, size: u64, modified: &str, tags: &[(&str, &str)]) -> ObjectRef {
        ObjectRef {
            storage: Storage::S3,
            bucket: Some("b".into()),
            key: key.into(),
            uri: format!("s3://b/{key}"),
            size,
            last_modified: Some(modified.into()),
            etag: None,
            version_id: None,
            encryption: None,
            account: None,
            storage_class: None,
            tags: Some(
                tags.iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            ),
            path: None,
        }
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn include_is_and_across_kinds_or_within() {
        let scope = Scope {
            include: Criteria {
                extensions: vec!["csv".into(), "json".into()],
                key_prefixes: vec!["data/".into()],
                max_size: Some(100),
                ..Default::default()
            },
            ..Default::default()
        };
        let t = "2026-01-01T00:00:00Z";
        assert!(scope.admits(&obj("data/a.csv", 10, t, &[])));
        assert!(scope.admits(&obj("data/x/b.JSON", 100, t, &[])));
        assert!(!scope.admits(&obj("data/a.txt", 10, t, &[])));
        assert!(!scope.admits(&obj("logs/a.csv", 10, t, &[])));
        assert!(!scope.admits(&obj("data/a.csv", 101, t, &[])));
        assert!(!scope.admits(&obj("data/csv", 1, t, &[])), "no extension");
    }

    #[test]
    fn exclude_wins_and_is_or() {
        let scope = Scope {
            include: Criteria {
                key_prefixes: vec!["data/".into()],
                ..Default::default()
            },
            exclude: Criteria {
                extensions: vec!["log".into()],
                tags: vec![("classification".into(), Some("public".into()))],
                modified_before: Some(at("2025-01-01T00:00:00Z")),
                ..Default::default()
            },
            ..Default::default()
        };
        let new = "2026-01-01T00:00:00Z";
        assert!(scope.admits(&obj("data/a.csv", 1, new, &[])));
        assert!(!scope.admits(&obj("data/a.log", 1, new, &[])));
        assert!(!scope.admits(&obj("data/a.csv", 1, new, &[("classification", "public")])));
        assert!(scope.admits(&obj("data/a.csv", 1, new, &[("classification", "secret")])));
        assert!(!scope.admits(&obj("data/a.csv", 1, "2024-06-01T00:00:00Z", &[])));
        assert!(scope.uses_tags());
    }

    #[test]
    fn include_tags_and_dates() {
        let scope = Scope {
            include: Criteria {
                tags: vec![("team".into(), None)],
                modified_after: Some(at("2026-01-01T00:00:00Z")),
                ..Default::default()
            },
            ..Default::default()
        };
        assert!(scope.admits(&obj("a", 1, "2026-02-01T00:00:00Z", &[("team", "x")])));
        assert!(!scope.admits(&obj("a", 1, "2026-02-01T00:00:00Z", &[])));
        assert!(!scope.admits(&obj("a", 1, "2025-02-01T00:00:00Z", &[("team", "x")])));
    }

    #[test]
    fn sample_takes_about_its_share_and_is_stable() {
        let scope = Scope {
            sample_percent: Some(25.0),
            ..Default::default()
        };
        let t = "2026-01-01T00:00:00Z";
        let objs: Vec<ObjectRef> = (0..4000)
            .map(|i| obj(&format!("k/{i}.txt"), 1, t, &[]))
            .collect();
        let picked = objs.iter().filter(|o| scope.sampled(o, 7)).count();
        assert!((850..1150).contains(&picked), "picked {picked} of 4000");
        let again = objs.iter().filter(|o| scope.sampled(o, 7)).count();
        assert_eq!(picked, again);
        let other: Vec<bool> = objs.iter().map(|o| scope.sampled(o, 8)).collect();
        let first: Vec<bool> = objs.iter().map(|o| scope.sampled(o, 7)).collect();
        assert_ne!(first, other, "another seed draws another sample");
        assert!(Scope::default().sampled(&objs[0], 1));
    }

    #[test]
    fn every_object_has_exactly_one_shard_and_the_hash_is_the_documented_one() {
        let objects: Vec<ObjectRef> = (0..2000)
            .map(|i| obj(&format!("dir/{i}.txt"), 1, "2026-01-01T00:00:00Z", &[]))
            .collect();
        let shards: Vec<Shard> = (0..4).map(|k| Shard::new(k, 4).unwrap()).collect();
        let mut per = [0usize; 4];
        for o in &objects {
            let owners: Vec<u64> = shards
                .iter()
                .filter(|s| s.owns(o))
                .map(|s| s.index)
                .collect();
            assert_eq!(owners.len(), 1, "{}", o.key);
            per[owners[0] as usize] += 1;
            let scope = Scope {
                shard: Some(shards[owners[0] as usize]),
                ..Default::default()
            };
            assert!(scope.admits(o));
            let other = Scope {
                shard: Some(shards[(owners[0] as usize + 1) % 4]),
                ..Default::default()
            };
            assert_eq!(
                other.left_out_by(o, 0).as_deref(),
                Some("shard: another shard's")
            );
        }
        assert!(per.iter().all(|n| (400..600).contains(n)), "{per:?}");
        // The owner is the first 8 bytes of SHA-256("b\0k\0"), big-endian, mod the count.
        use sha2::{Digest, Sha256};
        let d = Sha256::digest(b"b\0k\0");
        let mut first = [0u8; 8];
        first.copy_from_slice(&d[..8]);
        assert_eq!(
            Shard::owner("b", "k", "", 1000),
            u64::from_be_bytes(first) % 1000
        );
        assert_ne!(
            Shard::owner("b", "k", "v1", 1 << 40),
            Shard::owner("b", "k", "", 1 << 40)
        );
        assert_eq!(Shard::parse("3/4"), Ok(Shard { index: 3, count: 4 }));
        assert!(Shard::parse("4/4").is_err());
        assert!(Shard::parse("1/0").is_err());
        assert!(Shard::parse("-1/4").is_err());
    }

    #[test]
    fn validate_rejects_nonsense() {
        let mut s = Scope {
            sample_percent: Some(0.0),
            ..Default::default()
        };
        assert!(s.validate().is_err());
        s.sample_percent = Some(150.0);
        assert!(s.validate().is_err());
        s.sample_percent = None;
        s.include.extensions = vec![".csv".into()];
        assert!(s.validate().is_err());
        s.include.extensions = vec!["csv".into()];
        assert!(s.validate().is_ok());
    }
}
