//! The command line: subcommands, options, usage text.

use std::path::Path;
use std::process::ExitCode;

use crate::plant::Plant;
use crate::tree::DEFAULT_TREE_FILES;
use crate::{bigtext, corpus, table, tree, usage, Failure, DEFAULT_FILES, DEFAULT_SEED};

const USAGE: &str = "\
usage: trawl-testgen corpus DIR --mb N [--files K] [--seed S]
       trawl-testgen bigtext FILE --mb N [--seed S]
       trawl-testgen table FILE.parquet|FILE.xlsx --mb N [--seed S]
       trawl-testgen tree DIR --mb N [--files K] [--seed S]

  corpus   K files DIR/part-NNN.log (default 64) of about N MiB in all: mixed text with
           planted sensitive items; prints how many of each it planted
  bigtext  one file of exactly N MiB of log-like text, an SSN and a card number near the
           start and near the end; prints their byte offsets
  table    a Parquet file or an XLSX workbook of generated text cut into rows (timestamp,
           level, message) with about N MiB of cell text; prints the planted counts
  tree     K files of 4-100 KiB (default 5333) of about N MiB in all, in DIR/proj-NNN/
           subfolders: logs, CSV exports, JSON/YAML/.env configs, Rust and Python source,
           Markdown and text prose, items planted as in corpus; prints the counts
  --seed   another fixed seed (decimal or 0x-hex) for different, still reproducible output";

/// Runs the command line `args` (without the program name); the exit code says how it went.
pub fn cli(args: &[String]) -> ExitCode {
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(msg)) => {
            eprintln!("trawl-testgen: {msg}\n\n{USAGE}");
            ExitCode::from(2)
        }
        Err(Failure::Io(e)) => {
            eprintln!("trawl-testgen: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<(), Failure> {
    let Some((command, rest)) = args.split_first() else {
        return Err(usage("missing subcommand"));
    };
    match command.as_str() {
        "corpus" => {
            let o = Options::parse(rest, Some(DEFAULT_FILES))?;
            let tally = corpus(Path::new(&o.target), o.mb, o.files, o.seed)?;
            print!("files {}\nbytes {}\n", o.files, tally.bytes);
            for p in Plant::ALL {
                println!("planted {} {}", p.identifier(), tally.planted[p as usize]);
            }
            println!("decoys {}", tally.decoys);
        }
        "bigtext" => {
            let o = Options::parse(rest, None)?;
            let big = bigtext(Path::new(&o.target), o.mb, o.seed)?;
            println!("bytes {}", big.bytes);
            for p in [Plant::Card, Plant::Ssn] {
                let n = big.planted.iter().filter(|(id, _)| *id == p.identifier());
                println!("planted {} {}", p.identifier(), n.count());
            }
            for (id, offset) in &big.planted {
                println!("offset {id} {offset}");
            }
        }
        "table" => {
            let o = Options::parse(rest, None)?;
            let tally = table(Path::new(&o.target), o.mb, o.seed)?;
            println!("bytes {}", tally.bytes);
            for p in Plant::ALL {
                println!("planted {} {}", p.identifier(), tally.planted[p as usize]);
            }
        }
        "tree" => {
            let o = Options::parse(rest, Some(DEFAULT_TREE_FILES))?;
            let tally = tree(Path::new(&o.target), o.mb, o.files, o.seed)?;
            print!("files {}\nbytes {}\n", o.files, tally.bytes);
            for p in Plant::ALL {
                println!("planted {} {}", p.identifier(), tally.planted[p as usize]);
            }
            println!("decoys {}", tally.decoys);
        }
        "-h" | "--help" | "help" => println!("{USAGE}"),
        other => return Err(usage(format!("unknown subcommand {other:?}"))),
    }
    Ok(())
}

/// Parsed options of a subcommand.
struct Options {
    target: String,
    mb: u64,
    files: usize,
    seed: u64,
}

impl Options {
    /// `default_files` is None when the subcommand takes no `--files`.
    fn parse(args: &[String], default_files: Option<usize>) -> Result<Options, Failure> {
        let mut target = None;
        let mut mb = None;
        let mut files = default_files.unwrap_or(1);
        let mut seed = DEFAULT_SEED;
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let mut value = |name: &str| -> Result<u64, Failure> {
                let v = it
                    .next()
                    .ok_or_else(|| usage(format!("{name} needs a value")))?;
                parse_number(v).ok_or_else(|| usage(format!("{name}: not a number: {v:?}")))
            };
            match arg.as_str() {
                "--mb" => mb = Some(value("--mb")?),
                "--files" if default_files.is_some() => {
                    files = usize::try_from(value("--files")?)
                        .map_err(|_| usage("--files: too large"))?;
                }
                "--seed" => seed = value("--seed")?,
                s if s.starts_with('-') => return Err(usage(format!("unknown option {s}"))),
                s => {
                    if target.replace(s.to_string()).is_some() {
                        return Err(usage("more than one target"));
                    }
                }
            }
        }
        let target = target.ok_or_else(|| usage("missing target"))?;
        let mb = mb.ok_or_else(|| usage("missing --mb"))?;
        if mb == 0 || files == 0 {
            return Err(usage("--mb and --files must be at least 1"));
        }
        Ok(Options {
            target,
            mb,
            files,
            seed,
        })
    }
}

/// Parses a decimal or `0x` hexadecimal number (`_` separators allowed).
fn parse_number(s: &str) -> Option<u64> {
    let s = s.replace('_', "");
    match s.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => s.parse().ok(),
    }
}
