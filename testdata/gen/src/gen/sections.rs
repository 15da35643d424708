//! Sections of text: log lines, prose, configuration, CSV, JSON lines, certificates.

use super::{Gen, Word};
use crate::vocab::*;
use crate::{DAY_MS, PLANT_GAP, WRAP};

impl Gen {
    /// Plants an item here if the schedule says so. Called at line starts.
    pub(crate) fn maybe_plant(&mut self) {
        if let Some(at) = self.next_plant {
            if self.pos() >= at {
                self.plant();
                self.next_plant = Some(self.pos() + self.rng.range(PLANT_GAP.0, PLANT_GAP.1));
            }
        }
    }

    /// One section of a randomly chosen kind.
    pub(crate) fn section(&mut self) {
        match self.rng.weighted(&[40, 14, 10, 15, 20, 1]) {
            0 => self.log_run(),
            1 => self.prose(),
            2 => self.config(),
            3 => self.csv(),
            4 => self.json_run(),
            _ => self.certificate(),
        }
    }

    pub(crate) fn log_run(&mut self) {
        for _ in 0..self.rng.range(5, 80) {
            self.maybe_plant();
            self.log_line();
        }
    }

    /// One application log line with a request id and a random set of fields.
    pub(crate) fn log_line(&mut self) {
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
    pub(crate) fn word(&mut self, list: &[&'static str]) -> Word {
        let w = *self.rng.pick(list);
        Word::Text(w)
    }

    /// A noun phrase: determiner, perhaps an adjective, noun.
    pub(crate) fn noun_phrase(&mut self, words: &mut Vec<Word>) {
        words.push(self.word(DETERMINERS));
        if self.rng.chance(35) {
            words.push(self.word(ADJECTIVES));
        }
        words.push(self.word(NOUNS));
    }

    /// The words of one sentence, appended to `words`.
    pub(crate) fn sentence(&mut self, words: &mut Vec<Word>) {
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
    pub(crate) fn prose(&mut self) {
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
    pub(crate) fn config(&mut self) {
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

    pub(crate) fn config_value(&mut self, val: Val) {
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
    pub(crate) fn csv(&mut self) {
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
    pub(crate) fn json_run(&mut self) {
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
    pub(crate) fn certificate(&mut self) {
        self.maybe_plant();
        self.tally.decoys += 1;
        self.put("-----BEGIN CERTIFICATE-----\n");
        self.pem_body("MIIDdzCCAl+gAwIBAgIE", 1_100);
        self.put("-----END CERTIFICATE-----\n");
    }

    /// A base64 PEM body starting with `prefix`, about `len` characters, 64 to a line.
    pub(crate) fn pem_body(&mut self, prefix: &str, len: usize) {
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
}
