//! `trawl-testgen`: deterministic generators of big or hostile test data for trawl.
//!
//! Every subcommand is byte-identical from run to run: all randomness comes from a SplitMix64
//! generator with a fixed seed (no clock, no environment, no thread-order dependence).
//!
//! * `corpus DIR --mb N [--files K] [--seed S]` writes `K` files `DIR/part-NNN.log` (default
//!   64) totalling about `N` MiB of mixed text: application log lines, prose paragraphs,
//!   configuration blocks, CSV tables and JSON lines. Roughly once per 20 KB it plants a
//!   sensitive item (payment card numbers with and without a keyword nearby, SSNs, AWS access
//!   key ids, AWS secret keys, RSA private key blocks) and prints how many of each it planted,
//!   named by the trawl identifier that should report it.
//! * `bigtext FILE --mb N [--seed S]` writes exactly `N` MiB of log-like text: a ~1 MiB block
//!   generated once and repeated with a per-block counter, with an SSN and a card number (each
//!   with a keyword) in the first two lines and in the last two. Fast and bounded in memory.
//!   Prints the count of each planted identifier and the byte offset of each planted value.
//! * `table FILE --mb N [--seed S]` writes a Parquet file or an XLSX workbook (by `FILE`'s
//!   extension) of generated text cut into rows of three cells, about `N` MiB of cell text,
//!   for format throughput benchmarks (see `table.rs`). Prints the cell bytes and the counts
//!   of planted items.
//!
//! Standard output is `key value` lines: `files K`, `bytes B`, `planted IDENTIFIER COUNT`,
//! `decoys N` (corpus), `offset IDENTIFIER BYTE_OFFSET` (bigtext).
//!
//! The clean text is built so that trawl with `--identifiers ALL` should report exactly the
//! planted items. Decoys (millisecond and nanosecond timestamps, order and account numbers,
//! Luhn-failing card-like numbers, 9-digit sequence numbers, phone numbers, certificates) keep
//! the detectors busy but can never validate, and the only keywords outside planted items are
//! AWS-secret ones ("invalid credentials", `SIGNING_SECRET_KEY=` + lowercase hex) that no valid
//! secret follows.
//!
//! Sizes are in MiB: `--mb N` means `N * 1_048_576` bytes.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

mod table;

const USAGE: &str = "\
usage: trawl-testgen corpus DIR --mb N [--files K] [--seed S]
       trawl-testgen bigtext FILE --mb N [--seed S]
       trawl-testgen table FILE.parquet|FILE.xlsx --mb N [--seed S]

  corpus   K files DIR/part-NNN.log (default 64) of about N MiB in all: mixed text with
           planted sensitive items; prints how many of each it planted
  bigtext  one file of exactly N MiB of log-like text, an SSN and a card number near the
           start and near the end; prints their byte offsets
  table    a Parquet file or an XLSX workbook of generated text cut into rows (timestamp,
           level, message) with about N MiB of cell text; prints the planted counts
  --seed   another fixed seed (decimal or 0x-hex) for different, still reproducible output";

/// One mebibyte: the unit of `--mb`.
const MIB: u64 = 1 << 20;
/// The seed used unless `--seed` says otherwise.
const DEFAULT_SEED: u64 = 0x7472_6177_6c2d_7467;
/// How many files `corpus` writes unless `--files` says otherwise.
const DEFAULT_FILES: usize = 64;
/// Generated text is written out in chunks of about this size (bounds memory).
const FLUSH_AT: usize = 1 << 20;
/// Distance in bytes between two planted items: uniform in this range (mean 20 KB).
const PLANT_GAP: (u64, u64) = (10_000, 30_000);
/// Prose is wrapped at this column.
const WRAP: usize = 78;
/// The size of the block `bigtext` repeats.
const BIG_BLOCK: usize = 1 << 20;
/// 2024-01-01T00:00:00Z in milliseconds: generated clocks start within 300 days of it.
const START_MS: u64 = 1_704_067_200_000;
const DAY_MS: u64 = 86_400_000;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
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

/// Why a run failed.
#[derive(Debug)]
enum Failure {
    /// Bad command line.
    Usage(String),
    /// Writing the output failed.
    Io(io::Error),
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Failure {
        Failure::Io(e)
    }
}

fn usage(msg: impl Into<String>) -> Failure {
    Failure::Usage(msg.into())
}

fn run(args: &[String]) -> Result<(), Failure> {
    let Some((command, rest)) = args.split_first() else {
        return Err(usage("missing subcommand"));
    };
    match command.as_str() {
        "corpus" => {
            let o = Options::parse(rest, true)?;
            let tally = corpus(Path::new(&o.target), o.mb, o.files, o.seed)?;
            print!("files {}\nbytes {}\n", o.files, tally.bytes);
            for p in Plant::ALL {
                println!("planted {} {}", p.identifier(), tally.planted[p as usize]);
            }
            println!("decoys {}", tally.decoys);
        }
        "bigtext" => {
            let o = Options::parse(rest, false)?;
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
            let o = Options::parse(rest, false)?;
            let tally = table::table(Path::new(&o.target), o.mb, o.seed)?;
            println!("bytes {}", tally.bytes);
            for p in Plant::ALL {
                println!("planted {} {}", p.identifier(), tally.planted[p as usize]);
            }
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
    fn parse(args: &[String], allow_files: bool) -> Result<Options, Failure> {
        let mut target = None;
        let mut mb = None;
        let mut files = DEFAULT_FILES;
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
                "--files" if allow_files => {
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

// ---------------------------------------------------------------------------------------------
// Randomness

/// SplitMix64 (Steele, Lea and Flood, 2014): tiny, fast, and plenty for test data.
#[derive(Clone, Debug)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`), by multiply-shift; the bias is negligible here.
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `percent`/100.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// Index into `weights`, chosen with probability proportional to its weight.
    fn weighted(&mut self, weights: &[u64]) -> usize {
        let mut r = self.below(weights.iter().sum());
        for (i, &w) in weights.iter().enumerate() {
            if r < w {
                return i;
            }
            r -= w;
        }
        unreachable!("r is below the sum of the weights")
    }
}

/// The seed of file `index` of a corpus: independent streams, whatever the thread order.
fn file_seed(seed: u64, index: usize) -> u64 {
    Rng::new(seed ^ (index as u64 + 1).wrapping_mul(0xD1B5_4A32_D192_ED03)).next_u64()
}

// ---------------------------------------------------------------------------------------------
// Vocabulary. None of it contains a trawl keyword at a word start (a unit test checks the
// generated text), so keywords appear only where items are planted.

const LEVELS: &[&str] = &["INFO ", "DEBUG", "WARN ", "ERROR"];
const LEVEL_WEIGHTS: &[u64] = &[70, 15, 10, 5];
#[rustfmt::skip]
const COMPONENTS: &[&str] = &[
    "api", "auth", "orders", "payments", "inventory", "search", "gateway", "scheduler", "mailer",
    "billing", "sessions", "catalog", "checkout", "reports", "shipping", "profile", "notify",
];
const MESSAGES: &[&str] = &[
    "request completed",
    "request completed",
    "request completed",
    "cache miss",
    "cache hit",
    "upstream responded",
    "retrying after backoff",
    "connection pool exhausted, waiting",
    "job finished",
    "user signed in",
    "login failed: invalid credentials",
    "rate limit exceeded",
    "scheduled task started",
    "webhook delivered",
    "slow query detected",
    "config reloaded",
    "health check ok",
    "order state changed",
    "message published",
    "token refreshed",
];
#[rustfmt::skip]
const STATUSES: &[&str] = &[
    "200", "200", "200", "201", "204", "301", "304", "400", "404", "500",
];
// Prose: sentences of the shape "[opener] NP [adverb] verb NP [PP] [conjunction NP verb NP]."
const OPENERS: &[&str] = &[
    "However,",
    "Overall,",
    "Last week,",
    "This morning,",
    "As expected,",
    "In practice,",
    "Meanwhile,",
    "Since then,",
];
const DETERMINERS: &[&str] = &[
    "the", "the", "the", "our", "this", "every", "each", "their", "that",
];
#[rustfmt::skip]
const ADJECTIVES: &[&str] = &[
    "new", "old", "large", "small", "quick", "slow", "stable", "important", "reliable", "simple",
    "complex", "regional", "weekly", "final", "critical", "internal", "shared", "quarterly",
];
#[rustfmt::skip]
const NOUNS: &[&str] = &[
    "team", "release", "quarter", "customer", "service", "system", "report", "meeting", "project",
    "change", "review", "update", "plan", "budget", "schedule", "feature", "user", "account",
    "order", "product", "warehouse", "delivery", "region", "office", "manager", "engineer",
    "migration", "database", "server", "network", "incident", "outage", "backup", "policy",
    "process", "agreement", "contract", "vendor", "invoice", "shipment", "forecast", "revenue",
    "market", "strategy", "pipeline", "dashboard", "analysis", "decision", "request", "rollout",
    "roadmap",
];
#[rustfmt::skip]
const VERBS: &[&str] = &[
    "improved", "reduced", "increased", "shipped", "planned", "discussed", "confirmed", "delayed",
    "finished", "started", "reviewed", "approved", "measured", "replaced", "updated", "moved",
    "affected", "blocked", "simplified", "documented", "needs", "supports", "covers", "follows",
];
#[rustfmt::skip]
const ADVERBS: &[&str] = &[
    "quickly", "again", "still", "finally", "already", "also", "carefully", "quietly",
];
#[rustfmt::skip]
const PREPOSITIONS: &[&str] = &[
    "for", "with", "across", "after", "before", "during", "within", "without", "from", "despite",
];
const CONJUNCTIONS: &[&str] = &["because", "although", "while", "after", "and", "so", "but"];
#[rustfmt::skip]
const FIRST_NAMES: &[&str] = &[
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah",
    "Charles", "Karen", "Wei", "Priya", "Carlos", "Ana", "Ahmed", "Fatima", "Yuki", "Olga",
    "Kwame", "Ingrid",
];
#[rustfmt::skip]
const LAST_NAMES: &[&str] = &[
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez",
    "Clark", "Ramirez", "Lewis", "Robinson", "Nguyen", "Kim", "Patel", "Okafor", "Schmidt",
];
const DOMAINS: &[&str] = &["example.com", "example.org", "example.net", "mail.test"];
const CITIES: &[(&str, &str)] = &[
    ("Springfield", "IL"),
    ("Portland", "OR"),
    ("Austin", "TX"),
    ("Denver", "CO"),
    ("Madison", "WI"),
    ("Columbus", "OH"),
    ("Raleigh", "NC"),
    ("Boise", "ID"),
    ("Tucson", "AZ"),
    ("Omaha", "NE"),
];
const CURRENCIES: &[&str] = &["USD", "USD", "USD", "EUR", "GBP", "CAD"];
const ORDER_STATES: &[&str] = &[
    "pending",
    "paid",
    "shipped",
    "delivered",
    "returned",
    "cancelled",
];
#[rustfmt::skip]
const EVENTS: &[&str] = &[
    "page_view", "page_view", "search", "add_to_cart", "checkout", "login", "logout", "signup",
    "refund", "export",
];
const METRICS: &[(&str, &str)] = &[
    ("cpu_usage", "percent"),
    ("memory_rss", "bytes"),
    ("request_rate", "rps"),
    ("error_rate", "percent"),
    ("p99_latency", "ms"),
    ("queue_depth", "items"),
];
const REGIONS: &[&str] = &[
    "us-east-1",
    "us-west-2",
    "eu-west-1",
    "eu-central-1",
    "ap-south-1",
];
const SERVICES: &[&str] = &[
    "orders-api",
    "web-frontend",
    "worker",
    "search-indexer",
    "mailer",
];

/// What a configuration value looks like.
#[derive(Clone, Copy)]
enum Val {
    Host,
    Port,
    Int(u64, u64),
    Bool,
    Level,
    Region,
    Url,
    Path,
    /// Lowercase hex of this many characters.
    Hex(usize),
    Duration,
}

const CONFIG: &[(&str, Val)] = &[
    ("db_host", Val::Host),
    ("db_port", Val::Port),
    ("db_pool_size", Val::Int(5, 200)),
    ("cache_ttl_seconds", Val::Int(30, 86_400)),
    ("http_timeout", Val::Duration),
    ("worker_concurrency", Val::Int(1, 64)),
    ("log_level", Val::Level),
    ("region", Val::Region),
    ("enable_search_v2", Val::Bool),
    ("enable_audit_log", Val::Bool),
    ("upstream_url", Val::Url),
    ("data_dir", Val::Path),
    ("build_sha", Val::Hex(40)),
    ("cache_namespace", Val::Hex(12)),
    ("max_body_bytes", Val::Int(1_024, 10_485_760)),
    ("retry_backoff", Val::Duration),
    ("metrics_port", Val::Port),
    ("queue_host", Val::Host),
    // A keyword of the AWS secret detector with a value that never validates (no uppercase).
    ("signing_secret_key", Val::Hex(40)),
];

// ---------------------------------------------------------------------------------------------
// What gets planted

/// A planted item, named by the trawl identifier that should report it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Plant {
    Card,
    CardNoKeyword,
    Ssn,
    AwsAccessKeyId,
    AwsSecretKey,
    PrivateKey,
}

impl Plant {
    const ALL: [Plant; 6] = [
        Plant::Card,
        Plant::CardNoKeyword,
        Plant::Ssn,
        Plant::AwsAccessKeyId,
        Plant::AwsSecretKey,
        Plant::PrivateKey,
    ];
    /// Relative frequencies, in the order of [`Plant::ALL`].
    const WEIGHTS: [u64; 6] = [25, 15, 25, 15, 15, 5];

    fn identifier(self) -> &'static str {
        match self {
            Plant::Card => "CREDIT_CARD_NUMBER",
            Plant::CardNoKeyword => "CREDIT_CARD_NUMBER_(NO_KEYWORD)",
            Plant::Ssn => "USA_SOCIAL_SECURITY_NUMBER",
            Plant::AwsAccessKeyId => "AWS_ACCESS_KEY_ID",
            Plant::AwsSecretKey => "AWS_CREDENTIALS",
            Plant::PrivateKey => "PKCS",
        }
    }
}

/// Card networks planted, with relative frequencies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Network {
    Visa,
    Mastercard,
    Amex,
    Discover,
    Jcb,
    Diners,
    UnionPay,
}

impl Network {
    const ALL: [Network; 7] = [
        Network::Visa,
        Network::Mastercard,
        Network::Amex,
        Network::Discover,
        Network::Jcb,
        Network::Diners,
        Network::UnionPay,
    ];
    const WEIGHTS: [u64; 7] = [40, 25, 12, 8, 5, 5, 5];

    /// A trawl keyword naming the network.
    fn keyword(self) -> &'static str {
        match self {
            Network::Visa => "visa",
            Network::Mastercard => "mastercard",
            Network::Amex => "amex",
            Network::Discover => "discover",
            Network::Jcb => "jcb",
            Network::Diners => "diners club",
            Network::UnionPay => "unionpay",
        }
    }
}

/// The Luhn check digit completing `body` (digit values 0-9).
fn luhn_check_digit(body: &[u8]) -> u8 {
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            match (i % 2 == 0, d * 2) {
                (true, x) if x > 9 => x - 9,
                (true, x) => x,
                (false, _) => d,
            }
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// Counts of what a generator wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Tally {
    /// Planted items, indexed by `Plant as usize`.
    planted: [u64; 6],
    /// Decoys: digit runs and blocks shaped to tempt a detector without validating.
    decoys: u64,
    /// Bytes written.
    bytes: u64,
}

impl Tally {
    fn add(&mut self, other: &Tally) {
        for (a, b) in self.planted.iter_mut().zip(other.planted) {
            *a += b;
        }
        self.decoys += other.decoys;
        self.bytes += other.bytes;
    }
}

// ---------------------------------------------------------------------------------------------
// The text generator

/// A word of prose.
#[derive(Clone, Copy, Debug)]
enum Word {
    Text(&'static str),
    Num(u64),
}

/// Generates text into an in-memory buffer that the caller drains now and then.
struct Gen {
    rng: Rng,
    /// Generated, not yet written bytes.
    out: Vec<u8>,
    /// Bytes already drained from `out` (so the file position is `flushed + out.len()`).
    flushed: u64,
    /// The log clock in milliseconds since the epoch; it only moves forward.
    clock_ms: u64,
    /// The file position at or after which the next item is planted; None plants nothing.
    next_plant: Option<u64>,
    tally: Tally,
}

impl Gen {
    fn new(seed: u64, plant: bool) -> Gen {
        let mut rng = Rng::new(seed);
        let clock_ms = START_MS + rng.below(300 * DAY_MS);
        let next_plant = plant.then(|| rng.range(PLANT_GAP.0, PLANT_GAP.1));
        Gen {
            rng,
            out: Vec::with_capacity(FLUSH_AT + 64 * 1024),
            flushed: 0,
            clock_ms,
            next_plant,
            tally: Tally::default(),
        }
    }

    /// The position in the output of the next byte generated.
    fn pos(&self) -> u64 {
        self.flushed + self.out.len() as u64
    }

    /// Writes `out` to `w` and empties it.
    fn drain(&mut self, w: &mut impl Write) -> io::Result<()> {
        w.write_all(&self.out)?;
        self.flushed += self.out.len() as u64;
        self.out.clear();
        Ok(())
    }

    // --- primitives ---------------------------------------------------------------------

    fn put(&mut self, s: &str) {
        self.out.extend_from_slice(s.as_bytes());
    }

    fn nl(&mut self) {
        self.out.push(b'\n');
    }

    fn pick_put(&mut self, items: &[&str]) {
        let s = *self.rng.pick(items);
        self.put(s);
    }

    fn num(&mut self, mut n: u64) {
        let mut buf = [0u8; 20];
        let mut i = buf.len();
        loop {
            i -= 1;
            buf[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.out.extend_from_slice(&buf[i..]);
    }

    /// `n` zero-padded to `width` digits.
    fn num_w(&mut self, n: u64, width: usize) {
        let len = n.checked_ilog10().map_or(1, |l| l as usize + 1);
        self.out
            .extend(std::iter::repeat_n(b'0', width.saturating_sub(len)));
        self.num(n);
    }

    /// `len` random characters of `alphabet`.
    fn chars(&mut self, alphabet: &[u8], len: usize) {
        for _ in 0..len {
            let c = *self.rng.pick(alphabet);
            self.out.push(c);
        }
    }

    fn digits(&mut self, len: usize) {
        self.chars(b"0123456789", len);
    }

    /// Lowercase hex, never more than 8 decimal digits in a row (a longer run could look like
    /// a card number).
    fn hex(&mut self, len: usize) {
        const HEX: &[u8] = b"0123456789abcdef";
        let mut run = 0;
        for _ in 0..len {
            let mut c = *self.rng.pick(HEX);
            if c.is_ascii_digit() {
                run += 1;
                if run > 8 {
                    c = HEX[10 + self.rng.below(6) as usize];
                    run = 0;
                }
            } else {
                run = 0;
            }
            self.out.push(c);
        }
    }

    /// An amount like `129.99`.
    fn amount(&mut self) {
        let cents = self.rng.range(99, 250_000);
        self.num(cents / 100);
        self.out.push(b'.');
        self.num_w(cents % 100, 2);
    }

    fn ip(&mut self) {
        let (net, parts) = *self.rng.pick(&[("10.", 3), ("192.168.", 2), ("203.0.", 2)]);
        self.put(net);
        for i in 0..parts {
            if i > 0 {
                self.out.push(b'.');
            }
            let n = self.rng.range(1, 254);
            self.num(n);
        }
    }

    fn email(&mut self) {
        let first = *self.rng.pick(FIRST_NAMES);
        let last = *self.rng.pick(LAST_NAMES);
        let start = self.out.len();
        self.put(first);
        self.out.push(b'.');
        self.put(last);
        self.out[start..].make_ascii_lowercase();
        if self.rng.chance(40) {
            let n = self.rng.range(1, 99);
            self.num(n);
        }
        self.out.push(b'@');
        self.pick_put(DOMAINS);
    }

    fn name(&mut self) {
        self.pick_put(FIRST_NAMES);
        self.out.push(b' ');
        self.pick_put(LAST_NAMES);
    }

    /// Advances the clock a little and returns it.
    fn tick(&mut self) -> u64 {
        self.clock_ms += self.rng.range(1, 2_000);
        self.clock_ms
    }

    /// `YYYY-MM-DD` then `sep` then `hh:mm:ss` of `ms`; with `.mmmZ` if `millis`.
    fn datetime(&mut self, ms: u64, sep: u8, millis: bool) {
        let secs = ms / 1000;
        let (y, m, d) = civil_from_days(secs / 86_400);
        let tod = secs % 86_400;
        self.num(y);
        self.out.push(b'-');
        self.num_w(m, 2);
        self.out.push(b'-');
        self.num_w(d, 2);
        self.out.push(sep);
        self.num_w(tod / 3600, 2);
        self.out.push(b':');
        self.num_w(tod / 60 % 60, 2);
        self.out.push(b':');
        self.num_w(tod % 60, 2);
        if millis {
            self.out.push(b'.');
            self.num_w(ms % 1000, 3);
            self.out.push(b'Z');
        }
    }

    /// A log-line timestamp: `2024-03-14T09:26:53.589Z`.
    fn timestamp(&mut self) {
        let ms = self.tick();
        self.datetime(ms, b'T', true);
    }

    // --- decoys: shaped like sensitive items, never valid ------------------------------------

    /// A 13-digit millisecond timestamp (prefix 17: no card network).
    fn decoy_ms(&mut self) {
        self.tally.decoys += 1;
        let ms = self.clock_ms;
        self.num(ms);
    }

    /// A 19-digit nanosecond timestamp (prefix 17: no card network).
    fn decoy_ns(&mut self) {
        self.tally.decoys += 1;
        let ns = self.clock_ms * 1_000_000 + self.rng.below(1_000_000);
        self.num(ns);
    }

    /// A 14-digit order number `YYYYMMDD` + 6 digits (prefix 20: no card network).
    fn decoy_order(&mut self) {
        self.tally.decoys += 1;
        let (y, m, d) = civil_from_days(self.clock_ms / DAY_MS);
        self.num(y);
        self.num_w(m, 2);
        self.num_w(d, 2);
        self.digits(6);
    }

    /// A 16-digit account number starting with 9 (no card network).
    fn decoy_account(&mut self) {
        self.tally.decoys += 1;
        self.out.push(b'9');
        self.digits(15);
    }

    /// A 9-digit sequence number starting with 9 (area 9xx: never an SSN).
    fn decoy_seq(&mut self) {
        self.tally.decoys += 1;
        self.out.push(b'9');
        self.digits(8);
    }

    /// A card-like number of a real network whose Luhn check fails.
    fn decoy_luhn_fail(&mut self) {
        self.tally.decoys += 1;
        let (_, mut d) = self.card_digits();
        let last = d.len() - 1;
        d[last] = (d[last] + 1 + self.rng.below(9) as u8) % 10;
        self.put_card(&d);
    }

    /// A North American phone number in one of a few shapes.
    fn decoy_phone(&mut self) {
        self.tally.decoys += 1;
        let (area, exch, line) = (
            self.rng.range(201, 989),
            self.rng.range(200, 999),
            self.rng.below(10_000),
        );
        match self.rng.below(3) {
            0 => {
                self.put("+1-");
                self.num(area);
                self.out.push(b'-');
                self.num(exch);
                self.out.push(b'-');
            }
            1 => {
                self.out.push(b'(');
                self.num(area);
                self.put(") ");
                self.num(exch);
                self.out.push(b'-');
            }
            _ => {
                self.num(area);
                self.num(exch);
            }
        }
        self.num_w(line, 4);
    }

    // --- sections -------------------------------------------------------------------------

    /// Plants an item here if the schedule says so. Called at line starts.
    fn maybe_plant(&mut self) {
        if let Some(at) = self.next_plant {
            if self.pos() >= at {
                self.plant();
                self.next_plant = Some(self.pos() + self.rng.range(PLANT_GAP.0, PLANT_GAP.1));
            }
        }
    }

    /// One section of a randomly chosen kind.
    fn section(&mut self) {
        match self.rng.weighted(&[40, 14, 10, 15, 20, 1]) {
            0 => self.log_run(),
            1 => self.prose(),
            2 => self.config(),
            3 => self.csv(),
            4 => self.json_run(),
            _ => self.certificate(),
        }
    }

    fn log_run(&mut self) {
        for _ in 0..self.rng.range(5, 80) {
            self.maybe_plant();
            self.log_line();
        }
    }

    /// One application log line with a request id and a random set of fields.
    fn log_line(&mut self) {
        self.timestamp();
        self.out.push(b' ');
        let level = LEVELS[self.rng.weighted(LEVEL_WEIGHTS)];
        self.put(level);
        self.put(" [");
        self.pick_put(COMPONENTS);
        self.put("] ");
        self.pick_put(MESSAGES);
        self.put(" req=");
        self.hex(16);
        if self.rng.chance(60) {
            self.put(" user_id=");
            let id = self.rng.range(1_000, 999_999);
            self.num(id);
        }
        if self.rng.chance(45) {
            self.put(" ip=");
            self.ip();
        }
        match self.rng.below(10) {
            0..=2 => {
                self.put(" method=GET path=/api/v2/orders/");
                self.decoy_order();
            }
            3 => self.put(" method=GET path=/healthz"),
            4 => self.put(" method=POST path=/api/v2/checkout"),
            _ => {}
        }
        if self.rng.chance(70) {
            self.put(" status=");
            self.pick_put(STATUSES);
        }
        if self.rng.chance(70) {
            self.put(" dur=");
            let (ms, tenths) = (self.rng.below(2_000), self.rng.below(10));
            self.num(ms);
            self.out.push(b'.');
            self.num(tenths);
            self.put("ms");
        }
        if self.rng.chance(25) {
            self.put(" ts_ms=");
            self.decoy_ms();
        }
        if self.rng.chance(20) {
            self.put(" trace=");
            self.hex(32);
        }
        if self.rng.chance(8) {
            self.put(" acct=");
            self.decoy_account();
        }
        if self.rng.chance(5) {
            self.put(" txn=");
            self.decoy_luhn_fail();
        }
        if self.rng.chance(10) {
            self.put(" seq=");
            self.decoy_seq();
        }
        if self.rng.chance(5) {
            self.put(" callback=");
            self.decoy_phone();
        }
        if self.rng.chance(5) {
            self.put(" span_ns=");
            self.decoy_ns();
        }
        if self.rng.chance(40) {
            self.put(" bytes=");
            let n = self.rng.below(5_000_000);
            self.num(n);
        }
        self.nl();
    }

    /// A random word of `list`.
    fn word(&mut self, list: &[&'static str]) -> Word {
        let w = *self.rng.pick(list);
        Word::Text(w)
    }

    /// A noun phrase: determiner, perhaps an adjective, noun.
    fn noun_phrase(&mut self, words: &mut Vec<Word>) {
        words.push(self.word(DETERMINERS));
        if self.rng.chance(35) {
            words.push(self.word(ADJECTIVES));
        }
        words.push(self.word(NOUNS));
    }

    /// The words of one sentence, appended to `words`.
    fn sentence(&mut self, words: &mut Vec<Word>) {
        if self.rng.chance(20) {
            words.push(self.word(OPENERS));
        }
        self.noun_phrase(words);
        if self.rng.chance(25) {
            words.push(self.word(ADVERBS));
        }
        words.push(self.word(VERBS));
        self.noun_phrase(words);
        match self.rng.below(5) {
            0 | 1 => {
                words.push(self.word(PREPOSITIONS));
                self.noun_phrase(words);
            }
            2 => {
                let pct = self.rng.range(2, 60);
                words.extend([Word::Text("by"), Word::Num(pct), Word::Text("percent")]);
            }
            3 => {
                let year = self.rng.range(2015, 2025);
                words.extend([Word::Text("in"), Word::Num(year)]);
            }
            _ => {}
        }
        if self.rng.chance(30) {
            words.push(self.word(CONJUNCTIONS));
            self.noun_phrase(words);
            words.push(self.word(VERBS));
            self.noun_phrase(words);
        }
    }

    /// A paragraph of 3-8 sentences wrapped at [`WRAP`], then a blank line.
    fn prose(&mut self) {
        self.maybe_plant();
        let mut words = Vec::with_capacity(32);
        let mut col = 0;
        for _ in 0..self.rng.range(3, 8) {
            words.clear();
            self.sentence(&mut words);
            for (i, &word) in words.iter().enumerate() {
                let last = i + 1 == words.len();
                let len = match word {
                    Word::Text(t) => t.len(),
                    Word::Num(n) => n.checked_ilog10().map_or(1, |l| l as usize + 1),
                } + usize::from(last);
                if col > 0 && col + 1 + len > WRAP {
                    self.nl();
                    self.maybe_plant();
                    col = 0;
                } else if col > 0 {
                    self.out.push(b' ');
                    col += 1;
                }
                let start = self.out.len();
                match word {
                    Word::Text(t) => self.put(t),
                    Word::Num(n) => self.num(n),
                }
                if i == 0 {
                    self.out[start].make_ascii_uppercase();
                }
                if last {
                    self.out.push(b'.');
                }
                col += len;
            }
        }
        self.put("\n\n");
    }

    /// An environment file (`KEY=value`) or an INI section (`key = value`), then a blank line.
    fn config(&mut self) {
        self.maybe_plant();
        let env = self.rng.chance(50);
        if env {
            self.put("# ");
            self.pick_put(SERVICES);
            self.put(" environment\n");
        } else {
            self.out.push(b'[');
            self.pick_put(SERVICES);
            self.put("]\n");
        }
        for _ in 0..self.rng.range(4, 14) {
            self.maybe_plant();
            let (key, val) = *self.rng.pick(CONFIG);
            let start = self.out.len();
            self.put(key);
            if env {
                self.out[start..].make_ascii_uppercase();
                self.out.push(b'=');
            } else {
                self.put(" = ");
            }
            self.config_value(val);
            self.nl();
        }
        self.nl();
    }

    fn config_value(&mut self, val: Val) {
        match val {
            Val::Host => {
                self.pick_put(&["db-", "cache-", "mq-", "node-"]);
                let n = self.rng.range(1, 12);
                self.num(n);
                self.put(".internal");
            }
            Val::Port => {
                let p = *self.rng.pick(&[5432, 6379, 8080, 8443, 9090, 5672, 3306]);
                self.num(p);
            }
            Val::Int(lo, hi) => {
                let n = self.rng.range(lo, hi);
                self.num(n);
            }
            Val::Bool => self.pick_put(&["true", "false"]),
            Val::Level => self.pick_put(&["info", "debug", "warn"]),
            Val::Region => self.pick_put(REGIONS),
            Val::Url => {
                self.put("https://");
                self.pick_put(&["api", "cdn", "auth", "hooks"]);
                self.put(".example.com/v");
                let v = self.rng.range(1, 4);
                self.num(v);
            }
            Val::Path => {
                self.pick_put(&["/var/lib/", "/srv/", "/opt/"]);
                self.pick_put(SERVICES);
                self.put("/data");
            }
            Val::Hex(len) => self.hex(len),
            Val::Duration => {
                let n = self.rng.range(1, 120);
                self.num(n);
                self.pick_put(&["s", "ms", "m"]);
            }
        }
    }

    /// A CSV table (header and 5-50 rows), then a blank line.
    fn csv(&mut self) {
        self.maybe_plant();
        let table = self.rng.below(3);
        self.put(match table {
            0 => "order_id,created_at,customer_id,email,phone,amount,currency,status,sku\n",
            1 => "customer_id,first_name,last_name,email,city,state,zip,signup_date\n",
            _ => "timestamp_ms,host,metric,value,unit\n",
        });
        for _ in 0..self.rng.range(5, 50) {
            self.maybe_plant();
            let ms = self.tick();
            match table {
                0 => {
                    self.decoy_order();
                    self.out.push(b',');
                    self.datetime(ms, b' ', false);
                    self.out.push(b',');
                    let id = self.rng.range(1_000, 999_999);
                    self.num(id);
                    self.out.push(b',');
                    self.email();
                    self.out.push(b',');
                    self.decoy_phone();
                    self.out.push(b',');
                    self.amount();
                    self.out.push(b',');
                    self.pick_put(CURRENCIES);
                    self.out.push(b',');
                    self.pick_put(ORDER_STATES);
                    self.put(",SKU-");
                    let sku = self.rng.range(10_000, 99_999);
                    self.num(sku);
                }
                1 => {
                    let id = self.rng.range(1_000, 999_999);
                    self.num(id);
                    self.out.push(b',');
                    self.pick_put(FIRST_NAMES);
                    self.out.push(b',');
                    self.pick_put(LAST_NAMES);
                    self.out.push(b',');
                    self.email();
                    self.out.push(b',');
                    let (city, state) = *self.rng.pick(CITIES);
                    self.put(city);
                    self.out.push(b',');
                    self.put(state);
                    self.out.push(b',');
                    let zip = self.rng.range(10_000, 99_950);
                    self.num(zip);
                    self.out.push(b',');
                    let signup = ms - self.rng.below(900 * DAY_MS);
                    self.datetime(signup, b' ', false);
                    self.out.truncate(self.out.len() - 9);
                }
                _ => {
                    self.decoy_ms();
                    self.put(",web-");
                    let host = self.rng.range(1, 40);
                    self.num_w(host, 2);
                    self.out.push(b',');
                    let (metric, unit) = *self.rng.pick(METRICS);
                    self.put(metric);
                    self.out.push(b',');
                    let (int, frac) = (self.rng.below(10_000), self.rng.below(1_000));
                    self.num(int);
                    self.out.push(b'.');
                    self.num_w(frac, 3);
                    self.out.push(b',');
                    self.put(unit);
                }
            }
            self.nl();
        }
        self.nl();
    }

    /// A run of 3-40 JSON event lines.
    fn json_run(&mut self) {
        for _ in 0..self.rng.range(3, 40) {
            self.maybe_plant();
            let ms = self.tick();
            self.put("{\"ts\":");
            self.num(ms / 1000);
            self.put(",\"level\":\"");
            self.pick_put(&["info", "info", "info", "debug", "warn"]);
            self.put("\",\"event\":\"");
            let event = *self.rng.pick(EVENTS);
            self.put(event);
            self.put("\",\"user_id\":");
            let user = self.rng.range(1_000, 999_999);
            self.num(user);
            if matches!(event, "checkout" | "refund" | "add_to_cart") {
                self.put(",\"order_id\":\"");
                self.decoy_order();
                self.put("\",\"amount\":");
                self.amount();
                self.put(",\"items\":");
                let items = self.rng.range(1, 12);
                self.num(items);
            }
            if self.rng.chance(30) {
                self.put(",\"ts_ms\":");
                self.decoy_ms();
            }
            if self.rng.chance(20) {
                self.put(",\"latency_ms\":");
                let l = self.rng.below(3_000);
                self.num(l);
            }
            self.put(",\"session\":\"");
            self.hex(16);
            self.put("\",\"ip\":\"");
            self.ip();
            self.put("\"}\n");
        }
    }

    /// A public certificate block: it starts like a private key block but is none.
    fn certificate(&mut self) {
        self.maybe_plant();
        self.tally.decoys += 1;
        self.put("-----BEGIN CERTIFICATE-----\n");
        self.pem_body("MIIDdzCCAl+gAwIBAgIE", 1_100);
        self.put("-----END CERTIFICATE-----\n");
    }

    /// A base64 PEM body starting with `prefix`, about `len` characters, 64 to a line.
    fn pem_body(&mut self, prefix: &str, len: usize) {
        const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let len = len + self.rng.below(200) as usize;
        let mut body = prefix.as_bytes().to_vec();
        while body.len() < len {
            body.push(*self.rng.pick(B64));
        }
        for line in body.chunks(64) {
            self.out.extend_from_slice(line);
            self.nl();
        }
    }

    // --- planted items ----------------------------------------------------------------------

    /// Digits (values 0-9) of a Luhn-valid card number of a random network.
    fn card_digits(&mut self) -> (Network, Vec<u8>) {
        let net = Network::ALL[self.rng.weighted(&Network::WEIGHTS)];
        let (prefix, len): (u64, usize) = match net {
            Network::Visa => (
                4,
                [16, 16, 16, 16, 16, 16, 16, 16, 13, 19][self.rng.below(10) as usize],
            ),
            Network::Mastercard if self.rng.chance(70) => (self.rng.range(51, 55), 16),
            Network::Mastercard => (self.rng.range(2221, 2720), 16),
            Network::Amex => (*self.rng.pick(&[34, 37]), 15),
            Network::Discover => (*self.rng.pick(&[6011, 65]), 16),
            Network::Jcb => (self.rng.range(3528, 3589), 16),
            Network::Diners => (*self.rng.pick(&[36, 38]), 14),
            Network::UnionPay => (62, 16),
        };
        let mut d: Vec<u8> = prefix.to_string().bytes().map(|b| b - b'0').collect();
        while d.len() < len - 1 {
            d.push(self.rng.below(10) as u8);
        }
        d.push(luhn_check_digit(&d));
        (net, d)
    }

    /// Writes card digits plain or grouped the way cards are printed.
    fn put_card(&mut self, d: &[u8]) {
        let groups: &[usize] = match d.len() {
            16 => &[4, 4, 4, 4],
            19 => &[4, 4, 4, 4, 3],
            15 => &[4, 6, 5],
            14 => &[4, 6, 4],
            _ => &[],
        };
        let sep = match self.rng.below(10) {
            0..=4 => None,
            5..=7 => Some(b' '),
            _ => Some(b'-'),
        };
        match sep {
            Some(s) if !groups.is_empty() => {
                let mut at = 0;
                for (i, &g) in groups.iter().enumerate() {
                    if i > 0 {
                        self.out.push(s);
                    }
                    self.out.extend(d[at..at + g].iter().map(|x| b'0' + x));
                    at += g;
                }
            }
            _ => self.out.extend(d.iter().map(|x| b'0' + x)),
        }
    }

    /// A valid SSN (area 001-899 but not 666, group 01-99, serial 0001-9999), in one of the
    /// shapes trawl looks for.
    fn put_ssn(&mut self) {
        let (area, group, serial) = loop {
            let area = self.rng.range(1, 899);
            let parts = (area, self.rng.range(1, 99), self.rng.range(1, 9_999));
            if area != 666 && parts != (78, 5, 1120) && parts != (219, 9, 9999) {
                break parts;
            }
        };
        let sep: &[u8] = match self.rng.below(10) {
            0..=5 => b"-",
            6 | 7 => b"",
            _ => b" ",
        };
        self.num_w(area, 3);
        self.out.extend_from_slice(sep);
        self.num_w(group, 2);
        self.out.extend_from_slice(sep);
        self.num_w(serial, 4);
    }

    /// Plants one item of a random kind, on lines of its own.
    fn plant(&mut self) {
        let kind = Plant::ALL[self.rng.weighted(&Plant::WEIGHTS)];
        self.tally.planted[kind as usize] += 1;
        match kind {
            Plant::Card => self.plant_card(),
            Plant::CardNoKeyword => self.plant_card_no_keyword(),
            Plant::Ssn => self.plant_ssn(),
            Plant::AwsAccessKeyId => self.plant_access_key_id(),
            Plant::AwsSecretKey => self.plant_secret_key(),
            Plant::PrivateKey => self.plant_private_key(),
        }
    }

    /// A card number with a keyword at most 30 bytes before it.
    fn plant_card(&mut self) {
        let (net, d) = self.card_digits();
        match self.rng.below(4) {
            0 => {
                self.timestamp();
                self.put(" INFO  [payments] charge accepted ");
                self.pick_put(&["card=", "card_number=", "cc#"]);
                self.put_card(&d);
                self.put(" amount=");
                self.amount();
                self.put(" currency=USD");
            }
            1 => {
                self.put("{\"event\":\"payment\",\"method\":\"");
                self.put(net.keyword());
                self.put("\",\"card_number\":\"");
                self.put_card(&d);
                self.put("\",\"amount\":");
                self.amount();
                self.out.push(b'}');
            }
            2 => {
                self.put("The customer asked us to replace the ");
                self.put(net.keyword());
                self.put(" card on file with ");
                self.put_card(&d);
                self.put(" before the next renewal.");
            }
            _ => {
                self.name();
                self.out.push(b',');
                self.email();
                self.out.push(b',');
                self.put(net.keyword());
                self.out.push(b',');
                self.put_card(&d);
                self.out.push(b',');
                let (m, y) = (self.rng.range(1, 12), self.rng.range(26, 33));
                self.num_w(m, 2);
                self.out.push(b'/');
                self.num(y);
            }
        }
        self.nl();
    }

    /// A card number with no keyword within 30 bytes.
    fn plant_card_no_keyword(&mut self) {
        let (_, d) = self.card_digits();
        match self.rng.below(3) {
            0 => {
                self.timestamp();
                self.put(" INFO  [shipping] shipment ref ");
                self.put_card(&d);
                self.put(" dispatched from warehouse ");
                let n = self.rng.range(1, 40);
                self.num(n);
            }
            1 => {
                self.put("{\"event\":\"export\",\"ref\":\"");
                self.put_card(&d);
                self.put("\",\"rows\":");
                let n = self.rng.range(1, 5_000);
                self.num(n);
                self.out.push(b'}');
            }
            _ => {
                self.put("Ticket ");
                let n = self.rng.range(100, 99_999);
                self.num(n);
                self.put(" quotes reference ");
                self.put_card(&d);
                self.put(" as the original order.");
            }
        }
        self.nl();
    }

    /// An SSN with a keyword at most 30 bytes before it.
    fn plant_ssn(&mut self) {
        match self.rng.below(4) {
            0 => {
                self.timestamp();
                self.put(" WARN  [profile] employee record updated ssn=");
                self.put_ssn();
                self.put(" dept=");
                self.pick_put(&["finance", "sales", "support", "engineering"]);
            }
            1 => {
                self.put("{\"employee_id\":");
                let id = self.rng.range(1_000, 99_999);
                self.num(id);
                self.put(",\"name\":\"");
                self.name();
                self.put("\",\"ssn\":\"");
                self.put_ssn();
                self.put("\"}");
            }
            2 => {
                self.put("Applicant ");
                self.name();
                self.put(" wrote social security number ");
                self.put_ssn();
                self.put(" on the form.");
            }
            _ => {
                self.name();
                self.put(",employee_ssn,");
                self.put_ssn();
            }
        }
        self.nl();
    }

    /// An AWS access key id: AKIA (or ASIA) and 16 base32 characters.
    fn plant_access_key_id(&mut self) {
        const BASE32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        self.pick_put(&[
            "aws_access_key_id = ",
            "export AWS_ACCESS_KEY_ID=",
            "{\"Region\":\"us-east-1\",\"AccessKeyId\":\"",
        ]);
        let json = self.out.ends_with(b"\"");
        let prefix = if self.rng.chance(90) { "AKIA" } else { "ASIA" };
        self.put(prefix);
        self.chars(BASE32, 16);
        if json {
            self.put("\"}");
        }
        self.nl();
    }

    /// An AWS secret access key: `aws_secret_access_key=` and 40 base64 characters.
    fn plant_secret_key(&mut self) {
        const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        self.pick_put(&[
            "aws_secret_access_key=",
            "aws_secret_access_key = ",
            "export AWS_SECRET_ACCESS_KEY=",
        ]);
        loop {
            let start = self.out.len();
            self.chars(B64, 40);
            let s = &self.out[start..];
            let upper = s.iter().any(u8::is_ascii_uppercase);
            let lower = s.iter().any(u8::is_ascii_lowercase);
            let other = s.iter().any(|b| !b.is_ascii_alphabetic());
            if upper && lower && other {
                break;
            }
            self.out.truncate(start);
        }
        self.nl();
    }

    /// An RSA (PKCS#1) or PKCS#8 private key block.
    fn plant_private_key(&mut self) {
        let (label, prefix) = if self.rng.chance(80) {
            ("RSA PRIVATE KEY", "MIIEowIBAAKCAQEA")
        } else {
            ("PRIVATE KEY", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC")
        };
        self.put("-----BEGIN ");
        self.put(label);
        self.put("-----\n");
        self.pem_body(prefix, 1_550);
        self.put("-----END ");
        self.put(label);
        self.put("-----\n");
    }
}

/// `(year, month, day)` of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

// ---------------------------------------------------------------------------------------------
// corpus

/// The name of corpus file `index`.
fn part_name(index: usize) -> String {
    format!("part-{index:03}.log")
}

fn is_part_name(name: &str) -> bool {
    name.strip_prefix("part-")
        .and_then(|s| s.strip_suffix(".log"))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Creates `dir`, or empties it of an earlier corpus. Refuses to touch a directory holding
/// anything else.
fn prepare_dir(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    let mut old = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        match name.to_str() {
            Some(n) if is_part_name(n) && entry.file_type()?.is_file() => old.push(entry.path()),
            _ => {
                return Err(io::Error::other(format!(
                    "{} holds {:?}, which is not a corpus file; refusing to write there",
                    dir.display(),
                    name
                )))
            }
        }
    }
    old.into_iter().try_for_each(fs::remove_file)
}

/// Writes a corpus of `files` files and about `mb` MiB into `dir`, on all cores.
fn corpus(dir: &Path, mb: u64, files: usize, seed: u64) -> io::Result<Tally> {
    prepare_dir(dir)?;
    let total = mb * MIB;
    let n = files as u64;
    let sizes: Vec<u64> = (0..n)
        .map(|i| total / n + u64::from(i < total % n))
        .collect();
    let workers = thread::available_parallelism()
        .map_or(1, |p| p.get())
        .min(files);
    let next = AtomicUsize::new(0);
    let results: Vec<io::Result<Tally>> = thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| {
                    let mut tally = Tally::default();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= files {
                            return Ok(tally);
                        }
                        let path = dir.join(part_name(i));
                        tally.add(&corpus_file(&path, sizes[i], file_seed(seed, i))?);
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a generator thread panicked"))
            .collect()
    });
    let mut tally = Tally::default();
    for r in results {
        tally.add(&r?);
    }
    Ok(tally)
}

/// Writes one corpus file of about `target` bytes (it ends after the section that reaches
/// the target).
fn corpus_file(path: &Path, target: u64, seed: u64) -> io::Result<Tally> {
    let mut file = File::create(path)?;
    let mut g = Gen::new(seed, true);
    // Start with log lines, so format detection sees plain text.
    g.log_run();
    while g.pos() < target {
        if g.out.len() >= FLUSH_AT {
            g.drain(&mut file)?;
        }
        g.section();
    }
    g.drain(&mut file)?;
    g.tally.bytes = g.pos();
    Ok(g.tally)
}

// ---------------------------------------------------------------------------------------------
// bigtext

/// What `bigtext` wrote.
struct BigText {
    bytes: u64,
    /// Identifier and byte offset of each planted item.
    planted: Vec<(&'static str, u64)>,
}

/// Card numbers and SSNs planted by `bigtext`, first near the start, then near the end.
const BIG_SSNS: [&str; 2] = ["536-22-8921", "601-44-2718"];
const BIG_CARDS: [&str; 2] = ["4539 2274 2374 7675", "5425852580973782"];

/// Two log lines carrying an SSN and a card, each with a keyword; their values' offsets
/// (relative to the start of the lines) are pushed to `offsets`.
fn big_plants(g: &mut Gen, which: usize, offsets: &mut Vec<(&'static str, u64)>) {
    g.timestamp();
    g.put(" INFO  [profile] employee record verified ssn=");
    offsets.push((Plant::Ssn.identifier(), g.out.len() as u64));
    g.put(BIG_SSNS[which]);
    g.put(" dept=finance\n");
    g.timestamp();
    g.put(" INFO  [payments] charge accepted card=");
    offsets.push((Plant::Card.identifier(), g.out.len() as u64));
    g.put(BIG_CARDS[which]);
    g.put(" amount=42.00 currency=USD\n");
}

/// Writes exactly `mb` MiB of log text to `path`: planted lines, repeated blocks, planted
/// lines. Memory use is about two blocks.
fn bigtext(path: &Path, mb: u64, seed: u64) -> Result<BigText, Failure> {
    let total = mb * MIB;
    let mut g = Gen::new(seed, false);
    let mut planted = Vec::new();

    big_plants(&mut g, 0, &mut planted);
    let head = std::mem::take(&mut g.out);

    // The block: log lines; its first line carries a counter patched per copy.
    g.timestamp();
    g.put(" INFO  [reports] block ");
    let counter_at = g.out.len();
    g.put("00000000 begins\n");
    while g.out.len() < BIG_BLOCK {
        g.log_line();
    }
    let mut block = std::mem::take(&mut g.out);

    let mut tail_offsets = Vec::new();
    big_plants(&mut g, 1, &mut tail_offsets);
    let tail = std::mem::take(&mut g.out);

    let fixed = (head.len() + tail.len()) as u64;
    if total < fixed {
        return Err(usage(format!("--mb {mb} is too small")));
    }
    let mut file = File::create(path)?;
    file.write_all(&head)?;
    let mut body = total - fixed;
    let mut index: u64 = 0;
    while body > 0 {
        let counter = format!("{:08x}", index % (1 << 32));
        block[counter_at..counter_at + 8].copy_from_slice(counter.as_bytes());
        if body >= block.len() as u64 {
            file.write_all(&block)?;
            body -= block.len() as u64;
        } else {
            // The last, partial block: whole lines, then a filler line to the exact size.
            let part = &block[..body as usize];
            let keep = part.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
            file.write_all(&part[..keep])?;
            let filler = part.len() - keep;
            if filler > 0 {
                let mut line = vec![b'.'; filler];
                line[filler - 1] = b'\n';
                file.write_all(&line)?;
            }
            body = 0;
        }
        index += 1;
    }
    let tail_start = total - tail.len() as u64;
    planted.extend(tail_offsets.into_iter().map(|(id, o)| (id, tail_start + o)));
    file.write_all(&tail)?;
    Ok(BigText {
        bytes: total,
        planted,
    })
}

// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;

    /// Every trawl keyword (from crates/identifiers/src/builtin), lowercase.
    #[rustfmt::skip]
    const KEYWORDS: &[&str] = &[
        "amex", "american express", "bank card", "card", "card no", "card num", "card number",
        "cc #", "cc#", "ccn", "check card", "credit card", "credit card number", "creditcard",
        "debit", "debit card", "diners club", "discover", "electron", "japanese card bureau",
        "jcb", "mastercard", "master card", "pan", "union pay", "unionpay", "visa",
        "visa electron", "dankort", "maestro", "payment card", "carte bancaire", "carte de credit",
        "kreditkarte", "tarjeta de credito", "carta di credito", "cartao de credito",
        "numero de tarjeta", "kartennummer", "ssn", "ss#", "ss #", "social security", "soc sec",
        "ssn#", "social security number", "aws_secret_access_key", "secret access key",
        "secret key", "credentials", "set-awscredential", "aws secret", "aws_secret",
        "secretaccesskey", "aws key",
    ];
    /// Keywords the clean text may hold: no valid AWS secret ever follows them.
    const ALLOWED: &[&str] = &["credentials", "secret_key"];

    /// Keyword variants as trawl matches them: a space may also be nothing, `_` or `-`.
    fn variants() -> Vec<String> {
        let mut v = Vec::new();
        for k in KEYWORDS {
            v.push(k.to_string());
            if k.contains(' ') {
                for sep in ["", "_", "-"] {
                    v.push(k.replace(' ', sep));
                }
            }
        }
        v
    }

    fn clean_text(seed: u64, len: usize) -> Vec<u8> {
        let mut g = Gen::new(seed, false);
        while g.out.len() < len {
            g.section();
        }
        g.out
    }

    fn digits_of(s: &[u8]) -> Vec<u8> {
        s.iter()
            .filter(|b| b.is_ascii_digit())
            .map(|b| b - b'0')
            .collect()
    }

    fn luhn_ok(d: &[u8]) -> bool {
        luhn_check_digit(&d[..d.len() - 1]) == d[d.len() - 1]
    }

    fn temp(name: &str) -> std::path::PathBuf {
        std::env::temp_dir().join(format!("trawl-testgen-{}-{name}", std::process::id()))
    }

    #[test]
    fn same_seed_same_bytes() {
        assert_eq!(clean_text(7, 200_000), clean_text(7, 200_000));
        assert_ne!(clean_text(7, 200_000), clean_text(8, 200_000));
    }

    #[test]
    fn clean_text_has_no_keywords() {
        let raw = clean_text(DEFAULT_SEED, 4 << 20);
        let text = raw.to_ascii_lowercase();
        let variants: Vec<String> = variants()
            .into_iter()
            .filter(|k| !ALLOWED.contains(&k.as_str()))
            .collect();
        for i in 0..text.len() {
            // trawl's rule: a keyword starts a word (or a camelCase hump).
            let starts_word = i == 0
                || !raw[i - 1].is_ascii_alphabetic()
                || (raw[i - 1].is_ascii_lowercase() && raw[i].is_ascii_uppercase());
            if !starts_word {
                continue;
            }
            if let Some(k) = variants
                .iter()
                .find(|k| text[i..].starts_with(k.as_bytes()))
            {
                let context = &raw[i.saturating_sub(40)..(i + 40).min(raw.len())];
                panic!(
                    "keyword {k:?} in clean text: {:?}",
                    String::from_utf8_lossy(context)
                );
            }
        }
    }

    #[test]
    fn planted_cards_are_valid_and_decoys_are_not() {
        let mut g = Gen::new(1, false);
        for _ in 0..5_000 {
            let (_, d) = g.card_digits();
            assert!(luhn_ok(&d), "{d:?}");
            assert!((13..=19).contains(&d.len()));
            g.out.clear();
            g.decoy_luhn_fail();
            assert!(!luhn_ok(&digits_of(&g.out)));
        }
        for card in BIG_CARDS {
            assert!(luhn_ok(&digits_of(card.as_bytes())), "{card}");
        }
    }

    #[test]
    fn dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_797), (2024, 3, 15));
        assert_eq!(civil_from_days(START_MS / DAY_MS), (2024, 1, 1));
    }

    #[test]
    fn corpus_is_reproducible() {
        let (a, b) = (temp("corpus-a"), temp("corpus-b"));
        let ta = corpus(&a, 2, 3, DEFAULT_SEED).unwrap();
        let tb = corpus(&b, 2, 3, DEFAULT_SEED).unwrap();
        assert_eq!(ta, tb);
        assert!(ta.bytes >= 2 * MIB && ta.bytes < 2 * MIB + 100_000);
        // About one planted item per 20 KB.
        let planted: u64 = ta.planted.iter().sum();
        assert!((60..=150).contains(&planted), "{planted}");
        for i in 0..3 {
            let fa = fs::read(a.join(part_name(i))).unwrap();
            assert_eq!(fa, fs::read(b.join(part_name(i))).unwrap());
            assert!(
                fa[..4].iter().all(u8::is_ascii_digit),
                "starts with a timestamp"
            );
        }
        // A second run replaces the corpus; a foreign file stops it.
        corpus(&a, 1, 2, DEFAULT_SEED).unwrap();
        assert_eq!(fs::read_dir(&a).unwrap().count(), 2);
        fs::write(a.join("notes.txt"), "mine").unwrap();
        assert!(corpus(&a, 1, 2, DEFAULT_SEED).is_err());
        fs::remove_dir_all(&a).unwrap();
        fs::remove_dir_all(&b).unwrap();
    }

    #[test]
    fn bigtext_has_exact_size_and_plants() {
        let path = temp("big.log");
        let big = bigtext(&path, 3, DEFAULT_SEED).unwrap();
        let data = fs::read(&path).unwrap();
        assert_eq!(data.len() as u64, 3 * MIB);
        assert_eq!(big.bytes, 3 * MIB);
        assert_eq!(big.planted.len(), 4);
        let values = [BIG_SSNS[0], BIG_CARDS[0], BIG_SSNS[1], BIG_CARDS[1]];
        for ((_, offset), value) in big.planted.iter().zip(values) {
            let at = *offset as usize;
            assert_eq!(&data[at..at + value.len()], value.as_bytes());
        }
        assert!(big.planted[1].1 < 1_000 && big.planted[2].1 > 3 * MIB - 1_000);
        assert!(data.ends_with(b"currency=USD\n"));
        assert!(data.windows(23).any(|w| w == b"block 00000002 begins\n2"));
        fs::remove_file(&path).unwrap();
    }
}
