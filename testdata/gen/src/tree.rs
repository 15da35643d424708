//! `tree`: many small files of mixed kinds in subfolders, as a user's tree looks.
//!
//! `DIR/proj-NNN/{logs,exports,config,src,docs}/SERVICE-IIIII.EXT`, 48 files to a project,
//! each 4-100 KiB: `.log` (log lines, now and then JSON lines), `.csv` (CSV exports), `.json`
//! (an array of JSON events), `.yaml` and `.env` (configuration), `.rs` and `.py` (source code),
//! `.md` and `.txt` (prose). Items are planted the way `corpus` plants them (about one per
//! 20 KB, so a small file often holds none); a planted block is one string in a `.json` file,
//! one quoted field in a `.csv` file.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::corpus::in_parallel;
use crate::gen::{Gen, Word};
use crate::plant::Tally;
use crate::rng::{file_seed, Rng};
use crate::vocab::{CONFIG, EVENTS, METRICS, ORDER_STATES, REGIONS, SERVICES};
use crate::MIB;

mod rewrite;
use rewrite::{csv_quoted, json_array, yaml};

/// The smallest and largest file, in bytes.
pub(crate) const MIN_FILE: u64 = 4 * 1024;
pub(crate) const MAX_FILE: u64 = 100 * 1024;
/// Target sizes stay this far below [`MAX_FILE`]: room for the section that reaches the
/// target and for the JSON and YAML rewriting.
pub(crate) const SLACK: u64 = 16 * 1024;
/// How many files `tree` writes unless `--files` says otherwise.
pub(crate) const DEFAULT_TREE_FILES: usize = 5333;
/// About how far the last section of a file passes its target: taken off the targets.
const OVERSHOOT: u64 = 2 * 1024;
/// Files per `proj-NNN` folder.
const PER_PROJECT: usize = 48;

/// A kind of file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Log,
    Csv,
    Json,
    Yaml,
    Env,
    Rs,
    Py,
    Md,
    Txt,
}

impl Kind {
    pub(crate) const ALL: [Kind; 9] = [
        Kind::Log,
        Kind::Csv,
        Kind::Json,
        Kind::Yaml,
        Kind::Env,
        Kind::Rs,
        Kind::Py,
        Kind::Md,
        Kind::Txt,
    ];
    /// Relative frequencies, in the order of [`Kind::ALL`].
    const WEIGHTS: [u64; 9] = [20, 12, 10, 6, 4, 14, 12, 10, 12];

    fn ext(self) -> &'static str {
        match self {
            Kind::Log => "log",
            Kind::Csv => "csv",
            Kind::Json => "json",
            Kind::Yaml => "yaml",
            Kind::Env => "env",
            Kind::Rs => "rs",
            Kind::Py => "py",
            Kind::Md => "md",
            Kind::Txt => "txt",
        }
    }

    fn folder(self) -> &'static str {
        match self {
            Kind::Log => "logs",
            Kind::Csv => "exports",
            Kind::Json | Kind::Yaml | Kind::Env => "config",
            Kind::Rs | Kind::Py => "src",
            Kind::Md | Kind::Txt => "docs",
        }
    }
}

/// Creates `dir`, or empties it of an earlier tree. Refuses a directory holding anything else.
fn prepare_tree_dir(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    let mut old = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        match name.to_str() {
            Some(n) if n.starts_with("proj-") && entry.file_type()?.is_dir() => {
                old.push(entry.path());
            }
            _ => {
                return Err(io::Error::other(format!(
                    "{} holds {:?}, which is not a tree folder; refusing to write there",
                    dir.display(),
                    name
                )))
            }
        }
    }
    old.into_iter().try_for_each(fs::remove_dir_all)
}

/// Target sizes of `files` files totalling about `total` bytes, each within bounds: skewed
/// toward small files (the smaller of two uniform draws), scaled to the mean.
pub(crate) fn sizes(total: u64, files: usize, seed: u64) -> Vec<u64> {
    let mut rng = Rng::new(seed ^ 0x5349_5a45);
    let span = MAX_FILE - SLACK - MIN_FILE;
    let raw: Vec<u64> = (0..files)
        .map(|_| rng.below(span + 1).min(rng.below(span + 1)))
        .collect();
    let mean = (total / files as u64).clamp(MIN_FILE, MAX_FILE - SLACK) - MIN_FILE;
    let raw_mean = (raw.iter().sum::<u64>() as f64 / files as f64).max(1.0);
    let k = mean as f64 / raw_mean;
    raw.iter()
        .map(|&r| MIN_FILE + ((r as f64 * k) as u64).min(span))
        .collect()
}

/// Writes a tree of `files` files and about `mb` MiB into `dir`, on all cores.
pub fn tree(dir: &Path, mb: u64, files: usize, seed: u64) -> io::Result<Tally> {
    prepare_tree_dir(dir)?;
    let sizes = sizes(
        (mb * MIB).saturating_sub(files as u64 * OVERSHOOT),
        files,
        seed,
    );
    in_parallel(files, |i| {
        let (path, bytes, t) = tree_file(dir, i, sizes[i], file_seed(seed, i));
        fs::create_dir_all(path.parent().unwrap_or(dir))?;
        fs::write(&path, bytes)?;
        Ok(t)
    })
}

/// File `index` of a tree in `dir`: its path, its bytes and what it holds.
pub(crate) fn tree_file(
    dir: &Path,
    index: usize,
    target: u64,
    seed: u64,
) -> (PathBuf, Vec<u8>, Tally) {
    let mut g = Gen::new(seed, true);
    let kind = Kind::ALL[g.rng.weighted(&Kind::WEIGHTS)];
    let service = *g.rng.pick(SERVICES);
    let path = dir
        .join(format!("proj-{:03}", index / PER_PROJECT))
        .join(kind.folder())
        .join(format!("{service}-{index:05}.{}", kind.ext()));
    header(&mut g, kind, service);
    while g.pos() < target {
        let (len, tally, next, clock) = (g.out.len(), g.tally, g.next_plant, g.clock_ms);
        section(&mut g, kind);
        if g.pos() > MAX_FILE - SLACK / 2 && len as u64 >= MIN_FILE {
            // Too far past the target: undo the section (and whatever it planted).
            g.out.truncate(len);
            (g.tally, g.next_plant, g.clock_ms) = (tally, next, clock);
            break;
        }
    }
    let mut tally = g.tally;
    let bytes = match kind {
        Kind::Json => json_array(&g.out),
        Kind::Yaml => yaml(&g.out),
        Kind::Csv => csv_quoted(&g.out),
        _ => g.out,
    };
    tally.bytes = bytes.len() as u64;
    (path, bytes, tally)
}

/// The first lines of a file of `kind`.
fn header(g: &mut Gen, kind: Kind, service: &str) {
    match kind {
        Kind::Rs => {
            g.put("//! The ");
            g.put(service);
            g.put(" handlers.\n\nuse crate::{Context, Error, Request};\n\n");
        }
        Kind::Py => {
            g.put("\"\"\"The ");
            g.put(service);
            g.put(" jobs.\"\"\"\n\nimport logging\n\nlog = logging.getLogger(\"");
            g.put(service);
            g.put("\")\n\n");
        }
        Kind::Md => {
            g.put("# ");
            g.put(service);
            g.put("\n\n");
        }
        Kind::Log => g.log_run(),
        _ => {}
    }
}

/// One section of a file of `kind`.
fn section(g: &mut Gen, kind: Kind) {
    match kind {
        Kind::Log if g.rng.chance(15) => g.json_run(),
        Kind::Log => g.log_run(),
        Kind::Csv => g.csv(),
        Kind::Json => g.json_run(),
        Kind::Yaml | Kind::Env => g.config(),
        Kind::Rs | Kind::Py => code(g, kind == Kind::Py),
        Kind::Md | Kind::Txt => {
            if kind == Kind::Md && g.rng.chance(30) {
                g.put("## ");
                let (metric, _) = *g.rng.pick(METRICS);
                g.put(metric);
                g.put("\n\n");
            }
            if g.rng.chance(10) {
                g.log_run();
                g.nl();
            } else {
                g.prose();
            }
        }
    }
}

/// One sentence on a line after `prefix`.
fn comment(g: &mut Gen, prefix: &str) {
    let mut words = Vec::with_capacity(32);
    g.sentence(&mut words);
    g.put(prefix);
    for (i, w) in words.into_iter().enumerate() {
        if i > 0 {
            g.out.push(b' ');
        }
        match w {
            Word::Text(t) => g.put(t),
            Word::Num(n) => g.num(n),
        }
    }
    g.put(".\n");
}

/// A constant from the configuration vocabulary, or a function handling an event.
fn code(g: &mut Gen, python: bool) {
    g.maybe_plant();
    if g.rng.chance(25) {
        let (key, val) = *g.rng.pick(CONFIG);
        g.put(if python { "" } else { "pub const " });
        let name = g.out.len();
        g.put(key);
        g.out[name..].make_ascii_uppercase();
        g.put(if python { " = \"" } else { ": &str = \"" });
        g.config_value(val);
        g.put(if python { "\"\n\n" } else { "\";\n\n" });
        return;
    }
    let event = *g.rng.pick(EVENTS);
    let n = g.rng.range(1, 999);
    let k = g.rng.range(2, 12);
    let limit = g.rng.range(100, 100_000);
    let user = g.rng.range(1_000, 999_999);
    let region = *g.rng.pick(REGIONS);
    if python {
        g.put("def handle_");
        g.put(event);
        g.out.push(b'_');
        g.num(n);
        g.put("(request, ctx):\n");
        comment(g, "    # ");
        g.put("    total = 0\n    for item in request.items:\n        total += item.amount * ");
    } else {
        comment(g, "/// ");
        g.put("pub fn handle_");
        g.put(event);
        g.out.push(b'_');
        g.num(n);
        g.put("(req: &Request, ctx: &mut Context) -> Result<u64, Error> {\n");
        g.put("    let mut total = 0u64;\n    for item in &req.items {\n        total += item.amount * ");
    }
    g.num(k);
    g.put(if python {
        "\n    if total > "
    } else {
        ";\n    }\n    if total > "
    });
    g.num(limit);
    g.put(if python {
        ":\n        log.warning(\""
    } else {
        " {\n        tracing::warn!(\""
    });
    g.put(event);
    g.put(" over limit user_id=");
    g.num(user);
    g.put(" region=");
    g.put(region);
    g.put("\")\n");
    let state = *g.rng.pick(ORDER_STATES);
    if python {
        g.put("    return {\"status\": \"");
        g.put(state);
        g.put("\", \"total\": total, \"session\": \"");
        g.hex(16);
        g.put("\"}\n\n");
    } else {
        g.out.insert(g.out.len() - 1, b';');
        g.put("    }\n    ctx.record(\"");
        g.put(state);
        g.put("\", total);\n    Ok(total)\n}\n\n");
    }
}
