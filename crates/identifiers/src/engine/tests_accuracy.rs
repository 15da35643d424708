//! Issue 17, detection accuracy: wrong types (a number with a country code is only that
//! country's phone number; references are no passwords; impossible dates and dummies are no
//! ids) and the spellings real documents use. Each case was reported wrongly or missed before.

use super::tests::{engine_all, scan_equals_exhaustive};
use super::*;

/// The ids found in `text`, after checking that the windowed scan equals the exhaustive one.
fn ids(engine: &Engine, text: &str) -> Vec<String> {
    scan_equals_exhaustive(engine, text);
    super::tests::ids(engine, text)
}

/// What became of `entry`'s first candidate in `text`.
fn outcome(
    engine: &Engine,
    text: &str,
    entry: &str,
) -> Option<Result<IdentifierIndex, DropReason>> {
    engine
        .explain(text.as_bytes(), &KeywordContext::none(), false)
        .into_iter()
        .find(|c| c.entry == entry)
        .map(|c| c.outcome)
}

/// A number with a country code is that country's phone number only, keyword near or not.
#[test]
fn phone_country_code_is_one_country() {
    let all = engine_all();
    for (text, want) in [
        ("Tel. +1 312-555-0187", vec!["PHONE_NUMBER"]),
        ("fax: +1 347 555 0187", vec!["PHONE_NUMBER"]),
        ("cell. +1 347 555 0187", vec!["PHONE_NUMBER"]),
        ("call +1 347 555 0187", vec!["PHONE_NUMBER"]),
        ("telefono: +39 347 523 4567", vec!["ITALY_PHONE_NUMBER"]),
        ("phone: +39 347 523 4567", vec!["ITALY_PHONE_NUMBER"]),
        ("call +1 (415) 555-0132 today", vec!["PHONE_NUMBER"]),
        ("ring +44 20 7946 0958", vec!["UK_PHONE_NUMBER"]),
        // Without a country code, the North American layout is no Italian mobile number.
        ("Tel. 312-555-0187", vec!["PHONE_NUMBER"]),
        ("fax 312-555-0187", vec!["PHONE_NUMBER"]),
        ("cellulare 347 123 4567", vec!["ITALY_PHONE_NUMBER"]),
    ] {
        assert_eq!(ids(&all, text), want, "{text}");
    }
    assert_eq!(
        outcome(&all, "Tel. +1 312 555 0187", "ITALY_PHONE_NUMBER"),
        Some(Err(DropReason::Shadowed))
    );
    assert!(DropReason::Shadowed.as_str().contains("country code"));
}

/// A candidate dropped because a keyword is near claims its span (above): only the phone
/// numbers' `+CC` forms both drop that way and overshadow other entries. Another entry that
/// did would start claiming spans with a keyword near too: look at it before adding it here.
#[test]
fn only_phone_country_code_forms_claim_with_a_keyword_near() {
    use crate::catalog::Catalog;
    use crate::identifier::KeywordRule;
    let claiming: Vec<String> = Catalog::builtin()
        .identifiers()
        .iter()
        .filter(|i| i.keyword_rule == KeywordRule::Absent)
        .filter(|i| !i.shadows.is_empty() || !i.routes.is_empty())
        .map(|i| i.id.clone())
        .collect();
    assert_eq!(claiming.len(), 7, "{claiming:?}");
    assert!(
        claiming.iter().all(|id| id.ends_with("PHONE_NUMBER#intl")),
        "{claiming:?}"
    );
}

/// An assigned value that is a reference is no password, and a UUID in a URL path no key.
#[test]
fn references_are_no_secrets() {
    let all = engine_all();
    for text in [
        "password = \"arn:aws:iam::123456789012:role/app-db-reader\"",
        "password: https://vault.acme-corp.io/v1/secret/data/6eeee8c0-fe4c-421f-8f60-de09e9f6eac3",
        "db_password: /run/secrets/postgres",
        "#password:focus-visible { outline: 2px solid #36c; }",
        "input.password::placeholder { color: #999; }",
        "https://dashboard.heroku.com/apps/6eeee8c0-fe4c-421f-8f60-de09e9f6eac3/settings",
    ] {
        assert_eq!(ids(&all, text), Vec::<String>::new(), "{text}");
    }
    assert_eq!(
        outcome(
            &all,
            "password = \"arn:aws:iam::123456789012:role/app\"",
            "GENERIC_PASSWORD_ASSIGNMENT"
        ),
        Some(Err(DropReason::NoSecret))
    );
    assert!(DropReason::NoSecret.as_str().contains("ARN"));
    // Secrets stay secrets.
    assert_eq!(
        ids(&all, "password: Tr0ub4dor&3"),
        ["GENERIC_PASSWORD_ASSIGNMENT"]
    );
    assert_eq!(
        ids(&all, "HEROKU_API_KEY=6eeee8c0-fe4c-421f-8f60-de09e9f6eac3"),
        ["HEROKU_API_KEY"]
    );
}

/// Impossible dates and repeated-digit dummies are no ids, and `identifiers test` says why.
#[test]
fn impossible_dates_and_dummies() {
    let all = engine_all();
    for (text, entry, why) in [
        (
            "codice fiscale: RSSMRA85T32H501U",
            "ITALY_NATIONAL_IDENTIFICATION_NUMBER",
            DropReason::ImpossibleDate,
        ),
        (
            "codice fiscale: BNCGPP82L72F205Y",
            "ITALY_NATIONAL_IDENTIFICATION_NUMBER",
            DropReason::ImpossibleDate,
        ),
        (
            "codice fiscale: VRDLCU74B30H501L",
            "ITALY_NATIONAL_IDENTIFICATION_NUMBER",
            DropReason::ImpossibleDate,
        ),
        (
            "CURP: LOPM851314HJCPRR06",
            "MEXICO_CURP_NUMBER",
            DropReason::ImpossibleDate,
        ),
        (
            "CURP: LOPM850332HJCPRR06",
            "MEXICO_CURP_NUMBER",
            DropReason::ImpossibleDate,
        ),
        (
            "CURP: LOPM850230HJCPRR05",
            "MEXICO_CURP_NUMBER",
            DropReason::ImpossibleDate,
        ),
        (
            "CURP: LOPM850314HXXPRR01",
            "MEXICO_CURP_NUMBER",
            DropReason::Validator,
        ),
        (
            "RFC PEMJ780230K38",
            "MEXICO_INDIVIDUAL_RFC_NUMBER",
            DropReason::ImpossibleDate,
        ),
        (
            "NPI: 1111111112",
            "USA_NATIONAL_PROVIDER_IDENTIFIER",
            DropReason::DummyValue,
        ),
    ] {
        let found: Vec<String> = ids(&all, text).into_iter().filter(|i| i == entry).collect();
        assert!(found.is_empty(), "{text}");
        assert_eq!(outcome(&all, text, entry), Some(Err(why)), "{text}");
    }
    // A wrong check digit is a wrong check digit, whatever the date says.
    assert_eq!(
        outcome(&all, "CURP: LOPM851314HJCPRR07", "MEXICO_CURP_NUMBER"),
        Some(Err(DropReason::Validator))
    );
    // A woman's day (41-71) is a real date.
    assert_eq!(
        ids(&all, "codice fiscale: BNCGPP82L52F205W"),
        ["ITALY_NATIONAL_IDENTIFICATION_NUMBER"]
    );
    assert!(DropReason::ImpossibleDate.as_str().contains("date"));
    assert!(DropReason::DummyValue.as_str().contains("dummy"));
}

/// No validator of an identity, tax or health number accepts one digit repeated before a
/// check digit: it is a dummy, whatever its check digit says.
#[test]
fn no_id_validator_accepts_a_repeated_digit() {
    use crate::validate::{is_id_validator, Failure, Validator};
    let mut checked = 0;
    for name in Validator::names().filter(|n| is_id_validator(n)) {
        let v = Validator::from_name(name).unwrap();
        for d in b'0'..=b'9' {
            for len in 6..=20 {
                for check in b'0'..=b'9' {
                    let mut value = vec![d; len - 1];
                    value.push(check);
                    assert_eq!(v.verdict(&value), Err(Failure::Dummy), "{name}: {value:?}");
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 10_000);
}

/// The printed spellings of national ids.
#[test]
fn national_id_spellings() {
    let all = engine_all();
    for (text, want) in [
        ("NIT 800226098 - 4", "COLOMBIA_ORGANIZATION_NIT_NUMBER"),
        ("NIT: 800,226,098-4", "COLOMBIA_ORGANIZATION_NIT_NUMBER"),
        (
            "Steuer-ID: 4739201846 3",
            "GERMANY_TAX_IDENTIFICATION_NUMBER",
        ),
        (
            "Steuer-IdNr. 47 392 018 46 3",
            "GERMANY_TAX_IDENTIFICATION_NUMBER",
        ),
        ("Aadhaar 4918:3275:6141", "INDIA_AADHAAR_NUMBER"),
        ("RFC: PEMJ-780415-K38", "MEXICO_INDIVIDUAL_RFC_NUMBER"),
        ("R.F.C. PEMJ 780415 K38", "MEXICO_INDIVIDUAL_RFC_NUMBER"),
        ("RFC MUÑO780415K35", "MEXICO_INDIVIDUAL_RFC_NUMBER"),
        ("RFC: TMX-990105-AB7", "MEXICO_ORGANIZATION_RFC_NUMBER"),
        ("Passport No.: ga302918", "CANADA_PASSPORT_NUMBER"),
        ("Reisepass: c01x00t478", "GERMANY_PASSPORT_NUMBER"),
        (
            "Personalausweis-Nr. L6M2TR8KF",
            "GERMANY_NATIONAL_IDENTIFICATION_NUMBER",
        ),
        ("CNPJ: 7Q.K4M.2ZP/0001-29", "BRAZIL_CNPJ_NUMBER"),
        ("cnpj A1B2C3D4000193", "BRAZIL_CNPJ_NUMBER"),
    ] {
        let found = ids(&all, text);
        assert_eq!(
            found.iter().filter(|i| *i == want).count(),
            1,
            "{text}: {found:?}"
        );
    }
    for (text, not) in [
        ("CNPJ: 7Q.K4M.2ZP/0001-28", "BRAZIL_CNPJ_NUMBER"),
        (
            "Personalausweis 482917305",
            "GERMANY_NATIONAL_IDENTIFICATION_NUMBER",
        ),
    ] {
        assert!(!ids(&all, text).iter().any(|i| i == not), "{text}");
    }
}

/// The spellings of secrets: PEM blocks in JSON strings, Azure keys across lines, Slack
/// webhooks on http, GitHub refresh tokens, New Relic EU keys.
#[test]
fn secret_spellings() {
    let all = engine_all();
    let pem = "{\"private_key\": \"-----BEGIN PRIVATE KEY-----\\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgevZzL1gdAFr88hb2\\nOF/2NxApJCzGCEDdfSp6VQO30hyhRANCAAQRWz+jn65BtOMvdyHKcvjBeBSDZH2r\\n-----END PRIVATE KEY-----\\n\"}";
    for (text, want) in [
        (pem.to_string(), "PKCS"),
        (pem.replace("\\n", "\\r\\n"), "PKCS"),
        (
            "AccountKey=n0G9W8uw8de9puyHB9d3xvE/pg3mKBxfeN4/YYsakj8DuzdoRy7q3sRjKMPMEiOe\n  nnEgIQD43wE1xjf1+yrfKg==;".to_string(),
            "AZURE_STORAGE_ACCOUNT_KEY",
        ),
        (
            "http://hooks.slack.com/services/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".to_string(),
            "SLACK_WEBHOOK_URL",
        ),
        (
            "https://hooks.slack.com/workflows/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".to_string(),
            "SLACK_WEBHOOK_URL",
        ),
        (
            "refresh_token=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".to_string(),
            "GITHUB_TOKEN",
        ),
        (
            "license_key: eu01xx9a6656c90bd5482a90a29b9fa5ff51NRAL".to_string(),
            "NEW_RELIC_LICENSE_KEY",
        ),
    ] {
        assert_eq!(ids(&all, &text), [want], "{text}");
    }
}

/// A Google service-account key file is one credential: its PEM private key (now found inside
/// JSON strings) is not reported again as PKCS.
#[test]
fn a_service_account_key_file_is_one_finding() {
    let all = engine_all();
    let pem = "-----BEGIN PRIVATE KEY-----\\nQiAZgAApYzSIHEX/O4iRo3ZsdTsjnX9OoNbv8IpyRjSYCf8EMXx5KTHEDICm50xp\\n3x3ac81C8vDaqX85oU+hkzn44p/PmE75Xym4a9FdW/fLWCdtaa/fo+QMbz22ToSV\\n-----END PRIVATE KEY-----\\n";
    let file = format!(
        "{{\n  \"type\": \"service_account\",\n  \"project_id\": \"acme-prod-31337\",\n  \"private_key\": \"{pem}\",\n  \"client_email\": \"etl@acme-prod-31337.iam.gserviceaccount.com\"\n}}"
    );
    let found = ids(&all, &file);
    assert!(
        found.contains(&"GCP_SERVICE_ACCOUNT_KEY".to_string()),
        "{found:?}"
    );
    assert!(!found.contains(&"PKCS".to_string()), "{found:?}");
    // The same key alone in a JSON string is still a PKCS key.
    let alone = format!("{{\"key\": \"{pem}\"}}");
    assert_eq!(ids(&all, &alone), ["PKCS"]);
}
