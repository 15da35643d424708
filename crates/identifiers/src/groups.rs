//! Groups of identifiers, for selections (`COUNTRY:DE`, `CATEGORY:CREDENTIALS`, `TAG:MACIE`)
//! and for filtering `trawl identifiers list`.
//!
//! A managed id names its country first, as Macie's ids do (`GERMANY_TAX_IDENTIFICATION_NUMBER`,
//! `UK_NHS_NUMBER`): the country is read from that leading name, so the catalogue's data needs
//! no second spelling of it. Ids that name no country (cards, e-mail, credentials,
//! `EUROPEAN_HEALTH_INSURANCE_CARD_NUMBER`) have none.

use std::collections::BTreeSet;

use crate::identifier::{Category, Identifier, KeywordRule};

/// Leading country names of ids and their ISO 3166-1 alpha-2 codes. Looked up as the longest
/// name followed by `_`, so `SOUTH_AFRICA_...` is never taken for something shorter.
const COUNTRIES: &[(&str, &str)] = &[
    ("ALBANIA", "AL"),
    ("ALGERIA", "DZ"),
    ("ANDORRA", "AD"),
    ("ARGENTINA", "AR"),
    ("AUSTRALIA", "AU"),
    ("AUSTRIA", "AT"),
    ("AZERBAIJAN", "AZ"),
    ("BAHRAIN", "BH"),
    ("BELARUS", "BY"),
    ("BELGIUM", "BE"),
    ("BOSNIA_AND_HERZEGOVINA", "BA"),
    ("BRAZIL", "BR"),
    ("BULGARIA", "BG"),
    ("BURUNDI", "BI"),
    ("CANADA", "CA"),
    ("CHILE", "CL"),
    ("CHINA", "CN"),
    ("COLOMBIA", "CO"),
    ("COSTA_RICA", "CR"),
    ("CROATIA", "HR"),
    ("CYPRUS", "CY"),
    ("CZECH_REPUBLIC", "CZ"),
    ("CZECHIA", "CZ"),
    ("DENMARK", "DK"),
    ("DJIBOUTI", "DJ"),
    ("DOMINICAN_REPUBLIC", "DO"),
    ("EGYPT", "EG"),
    ("EL_SALVADOR", "SV"),
    ("ESTONIA", "EE"),
    ("FALKLAND_ISLANDS", "FK"),
    ("FAROE_ISLANDS", "FO"),
    ("FINLAND", "FI"),
    ("FRANCE", "FR"),
    ("GEORGIA", "GE"),
    ("GERMANY", "DE"),
    ("GIBRALTAR", "GI"),
    ("GREECE", "GR"),
    ("GREENLAND", "GL"),
    ("GUATEMALA", "GT"),
    ("HONG_KONG", "HK"),
    ("HUNGARY", "HU"),
    ("ICELAND", "IS"),
    ("INDIA", "IN"),
    ("INDONESIA", "ID"),
    ("IRAQ", "IQ"),
    ("IRELAND", "IE"),
    ("ISRAEL", "IL"),
    ("ITALY", "IT"),
    ("JAPAN", "JP"),
    ("JORDAN", "JO"),
    ("KAZAKHSTAN", "KZ"),
    ("KOREA", "KR"),
    ("KOSOVO", "XK"),
    ("KUWAIT", "KW"),
    ("LATVIA", "LV"),
    ("LEBANON", "LB"),
    ("LIBYA", "LY"),
    ("LIECHTENSTEIN", "LI"),
    ("LITHUANIA", "LT"),
    ("LUXEMBOURG", "LU"),
    ("MALAYSIA", "MY"),
    ("MALTA", "MT"),
    ("MAURITANIA", "MR"),
    ("MAURITIUS", "MU"),
    ("MEXICO", "MX"),
    ("MOLDOVA", "MD"),
    ("MONACO", "MC"),
    ("MONGOLIA", "MN"),
    ("MONTENEGRO", "ME"),
    ("NETHERLANDS", "NL"),
    ("NEW_ZEALAND", "NZ"),
    ("NICARAGUA", "NI"),
    ("NORTH_MACEDONIA", "MK"),
    ("NORWAY", "NO"),
    ("OMAN", "OM"),
    ("PAKISTAN", "PK"),
    ("PALESTINE", "PS"),
    ("PHILIPPINES", "PH"),
    ("POLAND", "PL"),
    ("PORTUGAL", "PT"),
    ("QATAR", "QA"),
    ("ROMANIA", "RO"),
    ("RUSSIA", "RU"),
    ("SAINT_LUCIA", "LC"),
    ("SAN_MARINO", "SM"),
    ("SAO_TOME_AND_PRINCIPE", "ST"),
    ("SAUDI_ARABIA", "SA"),
    ("SENEGAL", "SN"),
    ("SERBIA", "RS"),
    ("SEYCHELLES", "SC"),
    ("SINGAPORE", "SG"),
    ("SLOVAKIA", "SK"),
    ("SLOVENIA", "SI"),
    ("SOMALIA", "SO"),
    ("SOUTH_AFRICA", "ZA"),
    ("SOUTH_KOREA", "KR"),
    ("SPAIN", "ES"),
    ("SUDAN", "SD"),
    ("SWEDEN", "SE"),
    ("SWITZERLAND", "CH"),
    ("TAIWAN", "TW"),
    ("THAILAND", "TH"),
    ("TIMOR_LESTE", "TL"),
    ("TUNISIA", "TN"),
    ("TURKEY", "TR"),
    ("TURKIYE", "TR"),
    ("UK", "GB"),
    ("UKRAINE", "UA"),
    ("UNITED_ARAB_EMIRATES", "AE"),
    ("US", "US"),
    ("USA", "US"),
    ("VATICAN_CITY", "VA"),
    ("VIETNAM", "VN"),
    ("VIRGIN_ISLANDS", "VG"),
    ("YEMEN", "YE"),
];

/// The ISO 3166-1 alpha-2 code of the country an id names first, if it names one.
pub fn country(id: &str) -> Option<&'static str> {
    COUNTRIES
        .iter()
        .filter(|(name, _)| {
            id.len() > name.len() && id.starts_with(name) && id.as_bytes()[name.len()] == b'_'
        })
        .max_by_key(|(name, _)| name.len())
        .map(|(_, code)| *code)
}

/// A tag an identifier carries, for `TAG:` selections and list filters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tag {
    /// One of Amazon Macie's managed identifier ids.
    Macie,
    /// Beyond Macie's list (our additions, documented in docs/identifiers.md).
    BeyondMacie,
    /// In the RECOMMENDED selection.
    Recommended,
    /// Every candidate is checked by a validator (check digits, structure).
    Validated,
    /// Reported only with a keyword nearby.
    KeywordRequired,
    /// Reported without a keyword (distinctive by itself, or a no-keyword twin).
    NoKeyword,
}

impl Tag {
    /// Every tag, in listing order.
    pub const ALL: [Tag; 6] = [
        Tag::Macie,
        Tag::BeyondMacie,
        Tag::Recommended,
        Tag::Validated,
        Tag::KeywordRequired,
        Tag::NoKeyword,
    ];

    /// The spelling in selections and listings.
    pub fn as_str(self) -> &'static str {
        match self {
            Tag::Macie => "MACIE",
            Tag::BeyondMacie => "BEYOND_MACIE",
            Tag::Recommended => "RECOMMENDED",
            Tag::Validated => "VALIDATED",
            Tag::KeywordRequired => "KEYWORD_REQUIRED",
            Tag::NoKeyword => "NO_KEYWORD",
        }
    }

    /// Parses [`Tag::as_str`]'s spelling, ASCII case aside.
    pub fn parse(s: &str) -> Option<Tag> {
        Tag::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(s))
    }
}

fn macie_ids() -> BTreeSet<&'static str> {
    include_str!("builtin/macie_ids.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
}

/// The tags of a listed identifier.
pub fn tags(i: &Identifier) -> Vec<Tag> {
    let mut out = Vec::new();
    if i.category != Category::Custom {
        out.push(if macie_ids().contains(i.id.as_str()) {
            Tag::Macie
        } else {
            Tag::BeyondMacie
        });
    }
    if i.recommended {
        out.push(Tag::Recommended);
    }
    if i.validator.is_some() {
        out.push(Tag::Validated);
    }
    match (&i.keyword_rule, &i.twin_of) {
        (_, Some(_)) => out.push(Tag::NoKeyword),
        (KeywordRule::Required, _) => out.push(Tag::KeywordRequired),
        (KeywordRule::Twin(_), _) => out.push(Tag::KeywordRequired),
        _ => out.push(Tag::NoKeyword),
    }
    out
}

/// A group of identifiers named in a selection: `COUNTRY:DE`, `CATEGORY:FINANCIAL`,
/// `TAG:VALIDATED` (ASCII case aside).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Group {
    /// Ids of this country (ISO 3166-1 alpha-2, upper case).
    Country(String),
    /// Ids of this category.
    Category(Category),
    /// Ids carrying this tag.
    Tag(Tag),
}

impl Group {
    /// Parses a group name; `None` when `s` is not of the `KIND:VALUE` form (an id, then).
    /// An unknown kind or value is an error with a one-line message.
    pub fn parse(s: &str) -> Option<Result<Group, String>> {
        let (kind, value) = s.split_once(':')?;
        let value = value.trim().to_ascii_uppercase();
        Some(match kind.trim().to_ascii_uppercase().as_str() {
            "COUNTRY" if value.len() == 2 && value.bytes().all(|b| b.is_ascii_alphabetic()) => {
                Ok(Group::Country(value))
            }
            "COUNTRY" => Err(format!(
                "{s}: a country is a two-letter ISO 3166 code (COUNTRY:DE)"
            )),
            "CATEGORY" => Category::parse(&value)
                .map(Group::Category)
                .ok_or_else(|| format!("{s}: categories are CREDENTIALS, FINANCIAL, PERSONAL")),
            "TAG" => Tag::parse(&value).map(Group::Tag).ok_or_else(|| {
                let all: Vec<&str> = Tag::ALL.iter().map(|t| t.as_str()).collect();
                format!("{s}: tags are {}", all.join(", "))
            }),
            _ => Err(format!(
                "{s}: a group is COUNTRY:CODE, CATEGORY:NAME or TAG:NAME"
            )),
        })
    }

    /// Whether `i` is in this group.
    pub fn contains(&self, i: &Identifier) -> bool {
        match self {
            Group::Country(code) => country(&i.id) == Some(code.as_str()),
            Group::Category(c) => i.category == *c,
            Group::Tag(t) => tags(i).contains(t),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Catalog;

    #[test]
    fn countries_come_from_the_leading_name() {
        assert_eq!(country("GERMANY_TAX_IDENTIFICATION_NUMBER"), Some("DE"));
        assert_eq!(country("UK_NHS_NUMBER"), Some("GB"));
        assert_eq!(country("US_DRUG_ENFORCEMENT_AGENCY_NUMBER"), Some("US"));
        assert_eq!(country("USA_PASSPORT_NUMBER"), Some("US"));
        assert_eq!(country("SOUTH_AFRICA_ID_NUMBER"), Some("ZA"));
        assert_eq!(
            country("BOSNIA_AND_HERZEGOVINA_BANK_ACCOUNT_NUMBER"),
            Some("BA")
        );
        assert_eq!(country("CREDIT_CARD_NUMBER"), None);
        assert_eq!(country("EUROPEAN_HEALTH_INSURANCE_CARD_NUMBER"), None);
        assert_eq!(country("USER_NAME"), None);
        assert_eq!(country("UK"), None);
    }

    /// Every listed id that starts with a word of the country table's names has a country:
    /// a new country's name missing from the table shows here.
    #[test]
    fn every_national_id_of_the_catalogue_has_its_country() {
        let catalog = Catalog::builtin();
        let generic = [
            "AWS",
            "GCP",
            "HTTP",
            "JSON",
            "EMAIL",
            "IP",
            "CREDIT",
            "BANK",
            "DRIVERS",
            "DATE",
            "PHONE",
            "NAME",
            "ADDRESS",
            "EUROPEAN",
            "MEDICAL",
            "VEHICLE",
            "LATITUDE",
            "SWIFT",
            "INTERNATIONAL",
            "CUSIP",
            "LEGAL",
            "IMEI",
            "MAC",
            "BITCOIN",
            "ETHEREUM",
        ];
        let mut without = Vec::new();
        for i in catalog.listed() {
            let first = i.id.split('_').next().unwrap_or("");
            let national = i.category != Category::Credentials && !generic.contains(&first);
            if national && country(&i.id).is_none() {
                without.push(i.id.clone());
            }
        }
        assert!(without.is_empty(), "ids without a country: {without:?}");
        let de = catalog
            .listed()
            .filter(|i| country(&i.id) == Some("DE"))
            .count();
        assert!(de >= 6, "{de} German ids");
    }

    #[test]
    fn groups_parse_and_refuse_in_one_line() {
        assert_eq!(
            Group::parse("country:de"),
            Some(Ok(Group::Country("DE".into())))
        );
        assert_eq!(
            Group::parse("CATEGORY:CREDENTIALS"),
            Some(Ok(Group::Category(Category::Credentials)))
        );
        assert_eq!(Group::parse("tag:macie"), Some(Ok(Group::Tag(Tag::Macie))));
        assert_eq!(Group::parse("CREDIT_CARD_NUMBER"), None);
        for bad in ["COUNTRY:GERMANY", "CATEGORY:SECRETS", "TAG:X", "COLOUR:RED"] {
            let e = Group::parse(bad).unwrap().unwrap_err();
            assert!(e.starts_with(bad) && !e.contains('\n'), "{e}");
        }
    }
}
