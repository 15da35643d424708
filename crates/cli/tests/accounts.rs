//! `trawl scan s3:// --accounts ... --role-name ...` against moto, whose STS hands out
//! credentials of the account a role ARN names: buckets are made in two accounts, each object
//! names its account, and an account whose AssumeRole is refused (by the fault proxy in front
//! of STS) is reported with its reason while the others are scanned.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;

mod common;
use common::s3::{
    bucket_name, client, moto, put, runtime, trawl_at, trawl_env, FaultProxy, CARD_LINE,
};

/// moto's account for the `test` credentials.
const CALLER: &str = "123456789012";
const OTHER: &str = "111111111111";
const DENIED: &str = "222222222222";

/// An S3 client acting in `account` through a role moto lets anyone assume.
async fn client_in(endpoint: &str, account: &str) -> aws_sdk_s3::Client {
    let creds = aws_sdk_sts::config::Credentials::new("test", "test", None, None, "tests");
    let conf = aws_sdk_sts::config::Builder::new()
        .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
        .region(aws_sdk_sts::config::Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(creds)
        .build();
    let out = aws_sdk_sts::Client::from_conf(conf)
        .assume_role()
        .role_arn(format!("arn:aws:iam::{account}:role/TrawlScan"))
        .role_session_name("setup")
        .send()
        .await
        .unwrap();
    let c = out.credentials().unwrap();
    let creds = aws_sdk_s3::config::Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_string()),
        None,
        "assumed",
    );
    let conf = client(endpoint)
        .config()
        .to_builder()
        .credentials_provider(creds)
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

/// The fault proxy in front of STS, refusing the AssumeRole of `account`'s role.
fn sts_refusing(endpoint: &str, account: &str) -> FaultProxy {
    FaultProxy::start(
        endpoint,
        &[
            "--fail-first",
            "100",
            "--match-body",
            &format!("RoleArn=arn%3Aaws%3Aiam%3A%3A{account}%3A"),
            "--status",
            "403",
            "--code",
            "AccessDenied",
            "--message",
            "not authorized to perform sts:AssumeRole",
            "--query-error",
        ],
    )
}

fn records(out: &str) -> Vec<Value> {
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn many_accounts_each_object_names_its_account_and_a_refused_one_is_reported() {
    let Some(endpoint) = moto() else { return };
    let tag = bucket_name("acct");
    let (mine, theirs) = (format!("{tag}-caller"), format!("{tag}-other"));
    runtime().block_on(async {
        let own = client(&endpoint);
        own.create_bucket().bucket(&mine).send().await.unwrap();
        put(&own, &mine, "a.txt", CARD_LINE).await;
        let other = client_in(&endpoint, OTHER).await;
        other.create_bucket().bucket(&theirs).send().await.unwrap();
        put(&other, &theirs, "b.txt", CARD_LINE).await;
        // The other account's bucket is not the caller's.
        let listed = own.list_buckets().send().await.unwrap();
        assert!(!listed.buckets().iter().any(|b| b.name() == Some(&theirs)));
    });
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.json");
    let glob = format!("{tag}-*");
    let accounts = format!("{CALLER},{OTHER}");
    let (out, err, code) = trawl_at(
        &endpoint,
        "scan",
        &[
            "s3://",
            "--accounts",
            &accounts,
            "--role-name",
            "TrawlScan",
            "--include-bucket",
            &glob,
            "--format",
            "jsonl",
        ],
    );
    assert_eq!(code, Some(0), "{err}");
    let recs = records(&out);
    let account_of = |bucket: &str| {
        recs.iter()
            .find(|r| r["object"]["bucket"] == bucket)
            .unwrap_or_else(|| panic!("no record of {bucket}: {out}"))["object"]["account"]
            .clone()
    };
    assert_eq!(account_of(&mine), CALLER);
    assert_eq!(account_of(&theirs), OTHER);
    assert_eq!(recs.len(), 2, "{out}");

    // STS refuses the role in one account: it is named with the reason, the others go on.
    let proxy = sts_refusing(&endpoint, DENIED);
    let accounts = format!("{CALLER},{OTHER},{DENIED}");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_trawl"))
        .args([
            "scan",
            "s3://",
            "--accounts",
            &accounts,
            "--role-name",
            "TrawlScan",
        ])
        .args(["--include-bucket", &glob, "--format", "jsonl", "--summary"])
        .arg(&summary)
        .args(["--endpoint-url", &endpoint, "--allow-insecure-endpoint"])
        .env("AWS_ENDPOINT_URL_STS", &proxy.url)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_PROFILE")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(records(&String::from_utf8_lossy(&out.stdout)).len(), 2);
    let s: Value = serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    let why = s["accounts_left_out"][DENIED].as_str().unwrap_or_default();
    assert!(why.contains("AccessDenied"), "{s}");
    assert!(
        why.contains(&format!("arn:aws:iam::{DENIED}:role/TrawlScan")),
        "{why}"
    );
    let line = err
        .lines()
        .find(|l| l.contains(DENIED))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(
        line.starts_with("trawl: error: cannot enter account"),
        "{line}"
    );
    assert!(!err.contains("SdkError") && !err.contains("{ "), "{err}");
}

#[test]
fn account_flags_are_checked_before_anything_runs() {
    for (args, says) in [
        (vec!["s3://", "--accounts", "111111111111"], "--role-name"),
        (
            vec!["s3://", "--accounts", "1234,5678", "--role-name", "R"],
            "12 digits",
        ),
        (
            vec![
                "s3://",
                "--organization",
                "--accounts",
                "111111111111",
                "--role-name",
                "R",
            ],
            "--accounts",
        ),
        (
            vec![
                "s3://",
                "--accounts",
                "111111111111",
                "--role-name",
                "a role",
            ],
            "IAM role name",
        ),
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_trawl"))
            .arg("scan")
            .args(&args)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
}

/// `--organization`: the accounts come from AWS Organizations (moto's), each entered with the
/// role; suspended accounts would be left out by ListAccounts' status.
#[test]
fn organization_accounts_are_listed_and_scanned() {
    let Some(endpoint) = moto() else { return };
    let tag = bucket_name("org");
    let member = runtime().block_on(async {
        let creds =
            aws_sdk_organizations::config::Credentials::new("test", "test", None, None, "t");
        let conf = aws_sdk_organizations::config::Builder::new()
            .behavior_version(aws_sdk_organizations::config::BehaviorVersion::latest())
            .region(aws_sdk_organizations::config::Region::new("us-east-1"))
            .endpoint_url(&endpoint)
            .credentials_provider(creds)
            .build();
        let org = aws_sdk_organizations::Client::from_conf(conf);
        // The server may already hold the organization from an earlier run.
        let _ = org.create_organization().send().await;
        let made = org
            .create_account()
            .account_name(&tag)
            .email(format!("{tag}@example.invalid"))
            .send()
            .await
            .unwrap();
        let id = made
            .create_account_status()
            .and_then(|s| s.account_id())
            .unwrap()
            .to_string();
        let c = client_in(&endpoint, &id).await;
        let bucket = format!("{tag}-member");
        c.create_bucket().bucket(&bucket).send().await.unwrap();
        put(&c, &bucket, "m.txt", CARD_LINE).await;
        id
    });
    let glob = format!("{tag}-*");
    let (out, err, code) = trawl_at(
        &endpoint,
        "scan",
        &[
            "s3://",
            "--organization",
            "--role-name",
            "OrganizationAccountAccessRole",
            "--include-bucket",
            &glob,
            "--format",
            "jsonl",
        ],
    );
    assert_eq!(code, Some(0), "{err}");
    let recs = records(&out);
    assert_eq!(recs.len(), 1, "{out}");
    assert_eq!(recs[0]["object"]["account"], member.as_str());
    assert_eq!(recs[0]["object"]["key"], "m.txt");
}

/// `--organization` from an account that may not call ListAccounts: one line that names the
/// call, where it must come from and the service's own reason; nothing is scanned.
#[test]
fn an_organization_call_without_permission_is_one_line() {
    let Some(endpoint) = moto() else { return };
    let proxy = FaultProxy::start(
        &endpoint,
        &[
            "--fail-first",
            "100",
            "--match-header",
            "X-Amz-Target=ListAccounts",
            "--status",
            "400",
            "--code",
            "AccessDeniedException",
            "--message",
            "You don't have permissions to access this resource.",
            "--json-error",
        ],
    );
    let (out, err, code) = trawl_at(
        &proxy.url,
        "scan",
        &["s3://", "--organization", "--role-name", "TrawlScan"],
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(out.is_empty(), "{out}");
    // The cause in one line, then the scan's own verdict; no Debug text.
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| !l.contains("is plain http"))
        .collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert_eq!(
        lines[0],
        "trawl: error: cannot scan s3://: --organization: listing the organization's accounts \
         (ListAccounts, from the management or a delegated administrator account): \
         AccessDeniedException: You don't have permissions to access this resource."
    );
    assert_eq!(
        lines[1],
        "trawl: error: nothing was scanned (every target failed, as said above)"
    );
    assert!(!err.contains("SdkError") && !err.contains("{ "), "{err}");
    assert!(
        proxy.requests().iter().any(|r| r.contains("POST")),
        "{:?}",
        proxy.requests()
    );
}

/// `trawl buckets` over many accounts: every account's buckets, each record naming its
/// account; a named bucket is read in the account that owns it; an account whose role is
/// refused is one error line and the others go on.
#[test]
fn buckets_of_many_accounts_name_their_account() {
    let Some(endpoint) = moto() else { return };
    let tag = bucket_name("bacct");
    let (mine, theirs) = (format!("{tag}-caller"), format!("{tag}-other"));
    runtime().block_on(async {
        let own = client(&endpoint);
        own.create_bucket().bucket(&mine).send().await.unwrap();
        put(&own, &mine, "a.txt", CARD_LINE).await;
        let other = client_in(&endpoint, OTHER).await;
        other.create_bucket().bucket(&theirs).send().await.unwrap();
        put(&other, &theirs, "b.txt", CARD_LINE).await;
    });
    let proxy = sts_refusing(&endpoint, DENIED);
    let accounts = format!("{CALLER},{OTHER},{DENIED}");
    let (out, err, code) = trawl_env(
        &[
            "buckets",
            &mine,
            &theirs,
            "--accounts",
            &accounts,
            "--role-name",
            "TrawlScan",
            "--format",
            "jsonl",
            "--endpoint-url",
            &endpoint,
            "--allow-insecure-endpoint",
        ],
        &[("AWS_ENDPOINT_URL_STS", &proxy.url)],
    );
    assert_eq!(code, Some(0), "{err}");
    let recs = records(&out);
    assert_eq!(recs.len(), 2, "{recs:?}");
    let account_of = |bucket: &str| {
        recs.iter()
            .find(|r| r["name"] == bucket)
            .unwrap_or_else(|| panic!("no record of {bucket}"))["account"]
            .clone()
    };
    assert_eq!(account_of(&mine), CALLER);
    assert_eq!(account_of(&theirs), OTHER);
    let theirs_rec = recs.iter().find(|r| r["name"] == theirs.as_str()).unwrap();
    assert_eq!(theirs_rec["objects"]["total"]["objects"], 1, "{theirs_rec}");
    let line = err
        .lines()
        .find(|l| l.contains(DENIED))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(
        line.starts_with(&format!("trawl: error: cannot enter account {DENIED}: ")),
        "{line}"
    );
    assert!(line.contains("AccessDenied"), "{line}");
}
