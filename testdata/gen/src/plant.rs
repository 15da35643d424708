//! What gets planted.

/// A planted item, named by the trawl identifier that should report it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Plant {
    Card,
    CardNoKeyword,
    Ssn,
    AwsAccessKeyId,
    AwsSecretKey,
    PrivateKey,
}

impl Plant {
    pub(crate) const ALL: [Plant; 6] = [
        Plant::Card,
        Plant::CardNoKeyword,
        Plant::Ssn,
        Plant::AwsAccessKeyId,
        Plant::AwsSecretKey,
        Plant::PrivateKey,
    ];
    /// Relative frequencies, in the order of [`Plant::ALL`].
    pub(crate) const WEIGHTS: [u64; 6] = [25, 15, 25, 15, 15, 5];

    pub(crate) fn identifier(self) -> &'static str {
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
pub(crate) enum Network {
    Visa,
    Mastercard,
    Amex,
    Discover,
    Jcb,
    Diners,
    UnionPay,
}

impl Network {
    pub(crate) const ALL: [Network; 7] = [
        Network::Visa,
        Network::Mastercard,
        Network::Amex,
        Network::Discover,
        Network::Jcb,
        Network::Diners,
        Network::UnionPay,
    ];
    pub(crate) const WEIGHTS: [u64; 7] = [40, 25, 12, 8, 5, 5, 5];

    /// A trawl keyword naming the network.
    pub(crate) fn keyword(self) -> &'static str {
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
pub(crate) fn luhn_check_digit(body: &[u8]) -> u8 {
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
pub struct Tally {
    /// Planted items, indexed by `Plant as usize`.
    pub planted: [u64; 6],
    /// Decoys: digit runs and blocks shaped to tempt a detector without validating.
    pub decoys: u64,
    /// Bytes written.
    pub bytes: u64,
}

impl Tally {
    pub(crate) fn add(&mut self, other: &Tally) {
        for (a, b) in self.planted.iter_mut().zip(other.planted) {
            *a += b;
        }
        self.decoys += other.decoys;
        self.bytes += other.bytes;
    }
}
