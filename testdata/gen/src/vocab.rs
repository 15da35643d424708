//! Vocabulary. None of it contains a trawl keyword at a word start (a unit test checks the
//! generated text), so keywords appear only where items are planted.

pub(crate) const LEVELS: &[&str] = &["INFO ", "DEBUG", "WARN ", "ERROR"];
pub(crate) const LEVEL_WEIGHTS: &[u64] = &[70, 15, 10, 5];
#[rustfmt::skip]
pub(crate) const COMPONENTS: &[&str] = &[
    "api", "auth", "orders", "payments", "inventory", "search", "gateway", "scheduler", "mailer",
    "billing", "sessions", "catalog", "checkout", "reports", "shipping", "profile", "notify",
];
pub(crate) const MESSAGES: &[&str] = &[
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
pub(crate) const STATUSES: &[&str] = &[
    "200", "200", "200", "201", "204", "301", "304", "400", "404", "500",
];
// Prose: sentences of the shape "[opener] NP [adverb] verb NP [PP] [conjunction NP verb NP]."
pub(crate) const OPENERS: &[&str] = &[
    "However,",
    "Overall,",
    "Last week,",
    "This morning,",
    "As expected,",
    "In practice,",
    "Meanwhile,",
    "Since then,",
];
pub(crate) const DETERMINERS: &[&str] = &[
    "the", "the", "the", "our", "this", "every", "each", "their", "that",
];
#[rustfmt::skip]
pub(crate) const ADJECTIVES: &[&str] = &[
    "new", "old", "large", "small", "quick", "slow", "stable", "important", "reliable", "simple",
    "complex", "regional", "weekly", "final", "critical", "internal", "shared", "quarterly",
];
#[rustfmt::skip]
pub(crate) const NOUNS: &[&str] = &[
    "team", "release", "quarter", "customer", "service", "system", "report", "meeting", "project",
    "change", "review", "update", "plan", "budget", "schedule", "feature", "user", "account",
    "order", "product", "warehouse", "delivery", "region", "office", "manager", "engineer",
    "migration", "database", "server", "network", "incident", "outage", "backup", "policy",
    "process", "agreement", "contract", "vendor", "invoice", "shipment", "forecast", "revenue",
    "market", "strategy", "pipeline", "dashboard", "analysis", "decision", "request", "rollout",
    "roadmap",
];
#[rustfmt::skip]
pub(crate) const VERBS: &[&str] = &[
    "improved", "reduced", "increased", "shipped", "planned", "discussed", "confirmed", "delayed",
    "finished", "started", "reviewed", "approved", "measured", "replaced", "updated", "moved",
    "affected", "blocked", "simplified", "documented", "needs", "supports", "covers", "follows",
];
#[rustfmt::skip]
pub(crate) const ADVERBS: &[&str] = &[
    "quickly", "again", "still", "finally", "already", "also", "carefully", "quietly",
];
#[rustfmt::skip]
pub(crate) const PREPOSITIONS: &[&str] = &[
    "for", "with", "across", "after", "before", "during", "within", "without", "from", "despite",
];
pub(crate) const CONJUNCTIONS: &[&str] =
    &["because", "although", "while", "after", "and", "so", "but"];
#[rustfmt::skip]
pub(crate) const FIRST_NAMES: &[&str] = &[
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah",
    "Charles", "Karen", "Wei", "Priya", "Carlos", "Ana", "Ahmed", "Fatima", "Yuki", "Olga",
    "Kwame", "Ingrid",
];
#[rustfmt::skip]
pub(crate) const LAST_NAMES: &[&str] = &[
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez",
    "Clark", "Ramirez", "Lewis", "Robinson", "Nguyen", "Kim", "Patel", "Okafor", "Schmidt",
];
pub(crate) const DOMAINS: &[&str] = &["example.com", "example.org", "example.net", "mail.test"];
pub(crate) const CITIES: &[(&str, &str)] = &[
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
pub(crate) const CURRENCIES: &[&str] = &["USD", "USD", "USD", "EUR", "GBP", "CAD"];
pub(crate) const ORDER_STATES: &[&str] = &[
    "pending",
    "paid",
    "shipped",
    "delivered",
    "returned",
    "cancelled",
];
#[rustfmt::skip]
pub(crate) const EVENTS: &[&str] = &[
    "page_view", "page_view", "search", "add_to_cart", "checkout", "login", "logout", "signup",
    "refund", "export",
];
pub(crate) const METRICS: &[(&str, &str)] = &[
    ("cpu_usage", "percent"),
    ("memory_rss", "bytes"),
    ("request_rate", "rps"),
    ("error_rate", "percent"),
    ("p99_latency", "ms"),
    ("queue_depth", "items"),
];
pub(crate) const REGIONS: &[&str] = &[
    "us-east-1",
    "us-west-2",
    "eu-west-1",
    "eu-central-1",
    "ap-south-1",
];
pub(crate) const SERVICES: &[&str] = &[
    "orders-api",
    "web-frontend",
    "worker",
    "search-indexer",
    "mailer",
];

/// What a configuration value looks like.
#[derive(Clone, Copy)]
pub(crate) enum Val {
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

pub(crate) const CONFIG: &[(&str, Val)] = &[
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
