//! `trawl-testgen`: the command line of the generators in the `trawl_testgen` library.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    trawl_testgen::cli(&args)
}
