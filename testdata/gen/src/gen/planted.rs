//! Planted items.

use super::Gen;
use crate::plant::{luhn_check_digit, Network, Plant};

impl Gen {
    /// Digits (values 0-9) of a Luhn-valid card number of a random network.
    pub(crate) fn card_digits(&mut self) -> (Network, Vec<u8>) {
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
    pub(crate) fn put_card(&mut self, d: &[u8]) {
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
    pub(crate) fn put_ssn(&mut self) {
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
    pub(crate) fn plant(&mut self) {
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
    pub(crate) fn plant_card(&mut self) {
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
    pub(crate) fn plant_card_no_keyword(&mut self) {
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
    pub(crate) fn plant_ssn(&mut self) {
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
    pub(crate) fn plant_access_key_id(&mut self) {
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
    pub(crate) fn plant_secret_key(&mut self) {
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
    pub(crate) fn plant_private_key(&mut self) {
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
