use super::common::b64_decode;
use super::tokens::crc32;
use super::*;

#[test]
fn base64() {
    assert_eq!(b64_decode(b"dXNlcjpwYXNz").unwrap(), b"user:pass");
    assert_eq!(b64_decode(b"YQ==").unwrap(), b"a");
    assert_eq!(b64_decode(b"YQ").unwrap(), b"a");
    assert!(b64_decode(b"Y").is_none());
    assert!(b64_decode(b"Y===").is_none());
    assert!(b64_decode(b"a b").is_none());
    assert_eq!(b64_decode(b"").unwrap(), b"");
}

#[test]
fn crc32_known() {
    assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
    assert_eq!(crc32(b""), 0);
}

#[test]
fn basic_auth() {
    // "deploy:Vq8#nT2w!pLz" and "svc-backup:9fJ2kLmQx7"
    assert!(http_basic_auth(
        b"Authorization: Basic ZGVwbG95OlZxOCNuVDJ3IXBMeg=="
    ));
    assert!(http_basic_auth(
        b"Proxy-Authorization: Basic c3ZjLWJhY2t1cDo5Zkoya0xtUXg3"
    ));
    // RFC 7617's example.
    assert!(!http_basic_auth(
        b"Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
    ));
    // No colon ("deployVq8nT2w").
    assert!(!http_basic_auth(
        b"Authorization: Basic ZGVwbG95VnE4blQydw=="
    ));
    // Binary.
    assert!(!http_basic_auth(b"Authorization: Basic AAECAwQFBgcICQ=="));
    assert!(!http_basic_auth(b"Authorization: Basic"));
    assert!(!http_basic_auth(b""));
}

#[test]
fn jwt() {
    let good = b"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI4MzkyMDEiLCJpYXQiOjE3MTYyMzkwMjJ9.7bq3Q0m1pW9XkR2sT4uV6wY8zA0cE2gI4kM6oQ8sU0w";
    assert!(json_web_token(good));
    // Unsigned.
    assert!(json_web_token(
        b"eyJhbGciOiJub25lIn0.eyJzdWIiOiI4MzkyMDEifQ."
    ));
    // Empty signature with a real algorithm.
    assert!(!json_web_token(
        b"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI4MzkyMDEifQ."
    ));
    // Header without alg ({"typ":"JWT"}).
    assert!(!json_web_token(
        b"eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiI4MzkyMDEifQ.7bq3Q0m1pW9XkR2sT4uV6wY8zA0cE2gI4kM6oQ8sU0w"
    ));
    assert!(!json_web_token(b"eyJ.x"));
    assert!(!json_web_token(b""));
}

#[test]
fn crc_tokens() {
    assert!(github_token(b"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"));
    assert!(!github_token(b"ghp_Dr2Qm7WkV9xLp4nT8bZc1sHyF6aJ0e2M2JjY"));
    assert!(!github_token(b"ghp_short"));
    assert!(npm_token(b"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"));
    assert!(!npm_token(b"npm_Kq3Zt8VmW1xPc6nLr9bYd2sHf5aJ0g1kFyfZ"));
}

#[test]
fn passwords() {
    assert!(password_assignment(b"password = \"Xk9#mP2vL!qR\"").is_ok());
    assert!(password_assignment(b"DB_PASSWORD=hunter22").is_ok());
    assert!(password_assignment(b"password: changeme").is_err());
    assert!(password_assignment(b"password=${DB_PASSWORD}").is_err());
    assert!(password_assignment(b"password: ********").is_err());
    assert!(password_assignment(b"password = settings.DB_PASSWORD").is_err());
    assert!(password_assignment(b"password=os.getenv('X')").is_err());
    assert!(password_assignment(b"password=aaaaaaa1").is_err());
    assert!(password_assignment(b"password=").is_err());
}

#[test]
fn references_are_no_passwords() {
    use crate::validate::Failure;
    for reference in [
        &b"password = \"arn:aws:iam::123456789012:role/app-db-reader\""[..],
        b"password: https://vault.acme-corp.io/v1/secret/data/app",
        b"db_password: /run/secrets/postgres",
        b"password=../secrets/db.txt",
        b"password: ~/.config/app/pw",
        b"password:focus-visible",
        b"password:-webkit-autofill",
    ] {
        assert_eq!(
            password_assignment(reference),
            Err(Failure::NoSecret),
            "{}",
            String::from_utf8_lossy(reference)
        );
    }
    // Secrets that look a little like one: a base64 value from the root, a random segment, a
    // scheme-less `://`, a pseudo-class name after a space.
    for secret in [
        &b"password: /9j4Kx+ab/cdEF"[..],
        b"password=/Xk9mP2vL/q8Rt",
        b"password=Tq7!v://Lx92Kd",
        b"password: hover#9xQ!z",
        b"password = arnold:Xk9#mP2",
    ] {
        assert_eq!(
            password_assignment(secret),
            Ok(()),
            "{}",
            String::from_utf8_lossy(secret)
        );
    }
    assert!(url_password(b"postgres://app:Tq7vLx92Kd@db.internal"));
    assert!(!url_password(b"postgres://postgres:postgres@localhost"));
    assert!(!url_password(b"mysql://user:${DB_PASS}@db"));
    assert!(!url_password(b"redis://host"));
}

#[test]
fn url_credentials_says_why() {
    use crate::validate::Failure;
    assert_eq!(
        url_credentials(b"https://deploy:Xk9!pass@git.example.com"),
        Ok(())
    );
    for no_secret in [
        &b"https://jane@acme-corp.io"[..],
        b"ssh://git@github.com",
        b"https://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@github.com",
        b"https://admin:password@git.acme.io",
        b"https://ci:${CI_TOKEN}@git.acme.io",
        b"https://ci:@git.acme.io",
    ] {
        assert_eq!(
            url_credentials(no_secret),
            Err(Failure::NoSecret),
            "{}",
            String::from_utf8_lossy(no_secret)
        );
    }
    assert_eq!(url_credentials(b"https://acme.io"), Err(Failure::Structure));
    assert_eq!(url_credentials(b"jane@acme.io"), Err(Failure::Structure));
    assert_eq!(url_credentials(b""), Err(Failure::Structure));
}

#[test]
fn token_shape() {
    assert!(secret_token(b"3f9a1c7e5b2d8f4a6c0e9b1d7f3a5c8e"));
    assert!(!secret_token(b"0123456789abcdef0123456789abcdef"));
    assert!(!secret_token(b"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"));
    assert!(!secret_token(b"short"));
}
