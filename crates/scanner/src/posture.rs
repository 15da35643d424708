//! Bucket posture: findings about a bucket's own settings, in the manner of Amazon Macie's
//! policy findings (`Policy:IAMUser/...`), plus two of ours about transport security.
//!
//! | type | severity | when |
//! |---|---|---|
//! | `Policy:IAMUser/S3BlockPublicAccessDisabled` | HIGH | all four block-public-access settings of the bucket are off (or none are set) |
//! | `Policy:IAMUser/S3BucketEncryptionDisabled` | LOW | no default encryption configuration |
//! | `Policy:IAMUser/S3BucketPublic` | HIGH | the bucket is public through its policy or its ACL (and block public access does not neutralise it) |
//! | `Policy:IAMUser/S3BucketSharedExternally` | HIGH | the policy or ACL grants access to another AWS account |
//! | `Policy:IAMUser/S3BucketReplicatedExternally` | HIGH | a replication rule sends objects to another account |
//! | `Policy:IAMUser/S3BucketAllowsInsecureTransport` | MEDIUM | no policy statement denies requests with `aws:SecureTransport = false` (ours) |
//! | `Policy:IAMUser/S3BucketAllowsOutdatedTls` | MEDIUM | the policy admits TLS below 1.2 through `s3:TlsVersion` conditions (ours) |
//!
//! The rules over bucket policies are pure functions of the policy text (unit-tested here);
//! account-level block public access settings are not read (they need the S3 Control API).

use std::time::Duration;

use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::Client;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use trawl_identifiers::Severity;

/// One posture finding about a bucket.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PostureFinding {
    /// The bucket.
    pub bucket: String,
    /// Macie-style finding type, e.g. `Policy:IAMUser/S3BucketPublic`.
    #[serde(rename = "type")]
    pub finding_type: String,
    /// `LOW`, `MEDIUM` or `HIGH`.
    pub severity: Severity,
    /// One line.
    pub title: String,
    /// What was seen.
    pub description: String,
    /// When it was checked (RFC 3339 UTC).
    pub checked_at: String,
}

/// The posture of one bucket: its findings and the checks that could not be made.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct PostureReport {
    /// The bucket.
    pub bucket: String,
    /// Findings.
    pub findings: Vec<PostureFinding>,
    /// Checks that could not be made, with why (the store lacks the API, access denied, ...).
    pub unchecked: Vec<String>,
}

/// Block public access settings of a bucket.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PublicAccessBlock {
    /// BlockPublicAcls.
    pub block_public_acls: bool,
    /// IgnorePublicAcls.
    pub ignore_public_acls: bool,
    /// BlockPublicPolicy.
    pub block_public_policy: bool,
    /// RestrictPublicBuckets.
    pub restrict_public_buckets: bool,
}

/// What the checks read of a bucket; `None` where it could not be read.
#[derive(Clone, Debug, Default)]
pub struct BucketSettings {
    /// Block public access (`Some(default)` when none is configured).
    pub public_access_block: Option<PublicAccessBlock>,
    /// Whether default encryption is configured.
    pub default_encryption: Option<bool>,
    /// The bucket policy (`Some(None)` when the bucket has none).
    pub policy: Option<Option<String>>,
    /// GetBucketPolicyStatus's verdict, where the store has the API.
    pub policy_is_public: Option<bool>,
    /// ACL grants: (grantee kind, id or URI, permission).
    pub acl_grants: Option<Vec<(String, String, String)>>,
    /// The ACL owner's canonical id.
    pub acl_owner: Option<String>,
    /// Destination accounts of enabled replication rules (`None` inside when not given).
    pub replication_accounts: Option<Vec<Option<String>>>,
    /// The scanning credentials' account.
    pub account: Option<String>,
}

const ALL_USERS: &str = "http://acs.amazonaws.com/groups/global/AllUsers";
const AUTHENTICATED_USERS: &str = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";

fn finding(
    bucket: &str,
    kind: &str,
    severity: Severity,
    title: &str,
    description: String,
) -> PostureFinding {
    PostureFinding {
        bucket: bucket.to_string(),
        finding_type: format!("Policy:IAMUser/{kind}"),
        severity,
        title: title.to_string(),
        description,
        checked_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    }
}

fn list(v: Option<&Value>) -> Vec<&Value> {
    match v {
        None => Vec::new(),
        Some(Value::Array(a)) => a.iter().collect(),
        Some(x) => vec![x],
    }
}

fn get<'a>(obj: &'a Value, key: &str) -> Option<&'a Value> {
    obj.as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

fn statements(policy: &Value) -> Vec<&Value> {
    list(get(policy, "Statement"))
}

fn effect_is(st: &Value, effect: &str) -> bool {
    get(st, "Effect")
        .and_then(Value::as_str)
        .is_some_and(|e| e.eq_ignore_ascii_case(effect))
}

/// AWS principals of a statement: `*` or account ids / ARNs.
fn aws_principals(st: &Value) -> Vec<String> {
    match get(st, "Principal") {
        Some(Value::String(s)) => vec![s.clone()],
        Some(p @ Value::Object(_)) => list(get(p, "AWS"))
            .into_iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

/// The account id in a principal (`123456789012` or `arn:aws:iam::123456789012:...`).
fn principal_account(p: &str) -> Option<String> {
    if p.len() == 12 && p.bytes().all(|b| b.is_ascii_digit()) {
        return Some(p.to_string());
    }
    let parts: Vec<&str> = p.split(':').collect();
    (parts.len() >= 5 && parts[0] == "arn" && parts[4].len() == 12).then(|| parts[4].to_string())
}

/// Condition values under `op` for `key` (operator and key matched case-insensitively).
fn condition_values(st: &Value, op: &str, key: &str) -> Vec<String> {
    let Some(cond) = get(st, "Condition") else {
        return Vec::new();
    };
    let Some(block) = get(cond, op) else {
        return Vec::new();
    };
    list(get(block, key))
        .into_iter()
        .filter_map(|v| match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        })
        .collect()
}

fn has_condition(st: &Value) -> bool {
    get(st, "Condition").is_some_and(|c| c.as_object().is_some_and(|o| !o.is_empty()))
}

/// Whether the policy lets anyone (`*`) in without conditions.
pub fn policy_is_public(policy: &Value) -> bool {
    statements(policy).into_iter().any(|st| {
        effect_is(st, "Allow") && !has_condition(st) && aws_principals(st).iter().any(|p| p == "*")
    })
}

/// Accounts other than `own` that the policy grants access to.
pub fn policy_external_accounts(policy: &Value, own: Option<&str>) -> Vec<String> {
    let mut out: Vec<String> = statements(policy)
        .into_iter()
        .filter(|st| effect_is(st, "Allow"))
        .flat_map(aws_principals)
        .filter_map(|p| principal_account(&p))
        .filter(|a| own != Some(a.as_str()))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Whether some statement denies requests made without TLS.
pub fn policy_denies_insecure_transport(policy: &Value) -> bool {
    statements(policy).into_iter().any(|st| {
        effect_is(st, "Deny")
            && condition_values(st, "Bool", "aws:SecureTransport")
                .iter()
                .any(|v| v.eq_ignore_ascii_case("false"))
    })
}

/// TLS versions (as tenths: 10, 11, 12, 13) that the policy's `s3:TlsVersion` conditions
/// admit below 1.2, if it has such conditions; `None` when it has none.
pub fn policy_outdated_tls(policy: &Value) -> Option<Vec<u32>> {
    let tenths = |s: &str| -> Option<u32> {
        let f: f64 = s.trim().parse().ok()?;
        Some((f * 10.0).round() as u32)
    };
    let old = [10u32, 11];
    let mut seen_any = false;
    let mut enforced_min = 0u32; // Deny NumericLessThan v: versions below v are refused.
    let mut allowed_old: Vec<u32> = Vec::new();
    for st in statements(policy) {
        let deny = effect_is(st, "Deny");
        for (op, test) in [
            (
                "NumericLessThan",
                (|v: u32, x: u32| v < x) as fn(u32, u32) -> bool,
            ),
            ("NumericLessThanEquals", |v, x| v <= x),
            ("NumericEquals", |v, x| v == x),
            ("NumericGreaterThan", |v, x| v > x),
            ("NumericGreaterThanEquals", |v, x| v >= x),
        ] {
            for value in condition_values(st, op, "s3:TlsVersion") {
                let Some(x) = tenths(&value) else { continue };
                seen_any = true;
                if deny {
                    if op == "NumericLessThan" {
                        enforced_min = enforced_min.max(x);
                    } else if op == "NumericLessThanEquals" {
                        enforced_min = enforced_min.max(x + 1);
                    }
                } else {
                    allowed_old.extend(old.iter().copied().filter(|&v| test(v, x)));
                }
            }
        }
    }
    if !seen_any {
        return None;
    }
    let mut out: Vec<u32> = allowed_old
        .into_iter()
        .filter(|v| *v >= enforced_min)
        .collect();
    if enforced_min > 0 && enforced_min < 12 {
        out.extend(old.iter().copied().filter(|v| *v >= enforced_min));
    }
    out.sort();
    out.dedup();
    Some(out)
}

/// Derives the findings from what was read of a bucket.
pub fn evaluate(bucket: &str, s: &BucketSettings) -> Vec<PostureFinding> {
    let mut out = Vec::new();
    let pab = s.public_access_block;
    if let Some(p) = pab {
        if p == PublicAccessBlock::default() {
            out.push(finding(
                bucket,
                "S3BlockPublicAccessDisabled",
                Severity::High,
                "Block public access settings are disabled for the bucket",
                "BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy and RestrictPublicBuckets are all off".into(),
            ));
        }
    }
    if s.default_encryption == Some(false) {
        out.push(finding(
            bucket,
            "S3BucketEncryptionDisabled",
            Severity::Low,
            "Default encryption is disabled for the bucket",
            "the bucket has no default server-side encryption configuration".into(),
        ));
    }
    let policy: Option<Value> = s
        .policy
        .as_ref()
        .and_then(|p| p.as_deref())
        .and_then(|text| serde_json::from_str(text).ok());
    let restrict = pab.is_some_and(|p| p.restrict_public_buckets);
    let ignore_acls = pab.is_some_and(|p| p.ignore_public_acls);
    let mut public_why = Vec::new();
    let policy_public = s
        .policy_is_public
        .or_else(|| policy.as_ref().map(policy_is_public));
    if policy_public == Some(true) && !restrict {
        public_why.push("its bucket policy grants access to everyone".to_string());
    }
    if let Some(grants) = &s.acl_grants {
        for (_, id, perm) in grants {
            if (id == ALL_USERS || id == AUTHENTICATED_USERS) && !ignore_acls {
                let who = if id == ALL_USERS {
                    "all users"
                } else {
                    "any authenticated AWS user"
                };
                public_why.push(format!("its ACL grants {perm} to {who}"));
            }
        }
    }
    if !public_why.is_empty() {
        out.push(finding(
            bucket,
            "S3BucketPublic",
            Severity::High,
            "The bucket is publicly accessible",
            public_why.join("; "),
        ));
    }
    let mut shared = Vec::new();
    if let Some(p) = &policy {
        for a in policy_external_accounts(p, s.account.as_deref()) {
            shared.push(format!("its bucket policy grants access to account {a}"));
        }
    }
    if let (Some(grants), Some(owner)) = (&s.acl_grants, &s.acl_owner) {
        for (kind, id, perm) in grants {
            if kind == "CanonicalUser" && id != owner {
                shared.push(format!("its ACL grants {perm} to canonical user {id}"));
            }
        }
    }
    if !shared.is_empty() {
        out.push(finding(
            bucket,
            "S3BucketSharedExternally",
            Severity::High,
            "The bucket is shared with other AWS accounts",
            shared.join("; "),
        ));
    }
    if let Some(accounts) = &s.replication_accounts {
        let external: Vec<&str> = accounts
            .iter()
            .flatten()
            .map(String::as_str)
            .filter(|a| s.account.as_deref() != Some(*a))
            .collect();
        if !external.is_empty() {
            out.push(finding(
                bucket,
                "S3BucketReplicatedExternally",
                Severity::High,
                "The bucket replicates objects to other AWS accounts",
                format!(
                    "replication rules send objects to account(s) {}",
                    external.join(", ")
                ),
            ));
        }
    }
    if let Some(p) = &s.policy {
        let denies = policy
            .as_ref()
            .is_some_and(policy_denies_insecure_transport);
        if !denies {
            out.push(finding(
                bucket,
                "S3BucketAllowsInsecureTransport",
                Severity::Medium,
                "The bucket accepts requests without TLS",
                if p.is_none() {
                    "the bucket has no policy, so nothing denies requests with aws:SecureTransport = false".into()
                } else {
                    "no bucket policy statement denies requests with aws:SecureTransport = false".into()
                },
            ));
        }
        if let Some(versions) = policy.as_ref().and_then(policy_outdated_tls) {
            if !versions.is_empty() {
                let names: Vec<String> = versions
                    .iter()
                    .map(|v| format!("TLS {}.{}", v / 10, v % 10))
                    .collect();
                out.push(finding(
                    bucket,
                    "S3BucketAllowsOutdatedTls",
                    Severity::Medium,
                    "The bucket policy admits TLS versions below 1.2",
                    format!("s3:TlsVersion conditions admit {}", names.join(", ")),
                ));
            }
        }
    }
    out
}

fn not_configured(code: Option<&str>, codes: &[&str]) -> bool {
    code.is_some_and(|c| codes.contains(&c))
}

/// Reads a bucket's settings and evaluates them. A check the store or the credentials do not
/// allow is listed in `unchecked`, never guessed.
pub async fn check(client: &Client, bucket: &str, account: Option<&str>) -> PostureReport {
    let (s, unchecked) = read_settings(client, bucket, account).await;
    PostureReport {
        bucket: bucket.to_string(),
        findings: evaluate(bucket, &s),
        unchecked,
    }
}

/// Reads what the posture checks need of a bucket, and what could not be read, with why.
pub(crate) async fn read_settings(
    client: &Client,
    bucket: &str,
    account: Option<&str>,
) -> (BucketSettings, Vec<String>) {
    let mut s = BucketSettings {
        account: account.map(str::to_string),
        ..Default::default()
    };
    let mut unchecked = Vec::new();
    let why = |what: &str, e: &dyn ProvideErrorMetadata| {
        format!(
            "{what}: {}",
            e.code().or(e.message()).unwrap_or("request failed")
        )
    };
    match client.get_public_access_block().bucket(bucket).send().await {
        Ok(o) => {
            let c = o.public_access_block_configuration();
            s.public_access_block = Some(PublicAccessBlock {
                block_public_acls: c.and_then(|c| c.block_public_acls()).unwrap_or(false),
                ignore_public_acls: c.and_then(|c| c.ignore_public_acls()).unwrap_or(false),
                block_public_policy: c.and_then(|c| c.block_public_policy()).unwrap_or(false),
                restrict_public_buckets: c
                    .and_then(|c| c.restrict_public_buckets())
                    .unwrap_or(false),
            });
        }
        Err(e) if not_configured(e.code(), &["NoSuchPublicAccessBlockConfiguration"]) => {
            s.public_access_block = Some(PublicAccessBlock::default());
        }
        Err(e) => unchecked.push(why("block public access", &e)),
    }
    match client.get_bucket_encryption().bucket(bucket).send().await {
        Ok(o) => {
            s.default_encryption = Some(
                o.server_side_encryption_configuration()
                    .is_some_and(|c| !c.rules().is_empty()),
            )
        }
        Err(e)
            if not_configured(
                e.code(),
                &["ServerSideEncryptionConfigurationNotFoundError"],
            ) =>
        {
            s.default_encryption = Some(false)
        }
        Err(e) => unchecked.push(why("default encryption", &e)),
    }
    match client.get_bucket_policy().bucket(bucket).send().await {
        Ok(o) => s.policy = Some(o.policy().map(str::to_string)),
        Err(e) if not_configured(e.code(), &["NoSuchBucketPolicy"]) => s.policy = Some(None),
        Err(e) => unchecked.push(why("bucket policy", &e)),
    }
    if matches!(s.policy, Some(Some(_))) {
        // Stores without the API: the policy is evaluated here instead.
        if let Ok(o) = client
            .get_bucket_policy_status()
            .bucket(bucket)
            .send()
            .await
        {
            s.policy_is_public = o.policy_status().and_then(|p| p.is_public());
        }
    }
    match client.get_bucket_acl().bucket(bucket).send().await {
        Ok(o) => {
            s.acl_owner = o.owner().and_then(|w| w.id()).map(str::to_string);
            s.acl_grants = Some(
                o.grants()
                    .iter()
                    .filter_map(|g| {
                        let grantee = g.grantee()?;
                        let kind = grantee.r#type().as_str().to_string();
                        let id = grantee
                            .uri()
                            .or(grantee.id())
                            .or(grantee.email_address())?
                            .to_string();
                        let perm = g
                            .permission()
                            .map(|p| p.as_str().to_string())
                            .unwrap_or_default();
                        Some((kind, id, perm))
                    })
                    .collect(),
            );
        }
        Err(e) => unchecked.push(why("ACL", &e)),
    }
    match client.get_bucket_replication().bucket(bucket).send().await {
        Ok(o) => {
            s.replication_accounts = Some(
                o.replication_configuration()
                    .map(|c| {
                        c.rules()
                            .iter()
                            .filter(|r| r.status().as_str() == "Enabled")
                            .map(|r| {
                                r.destination()
                                    .and_then(|d| d.account())
                                    .map(str::to_string)
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            )
        }
        Err(e) if not_configured(e.code(), &["ReplicationConfigurationNotFoundError"]) => {
            s.replication_accounts = Some(Vec::new())
        }
        Err(e) => unchecked.push(why("replication", &e)),
    }
    (s, unchecked)
}

/// The scanning credentials' account id (STS GetCallerIdentity), if it can be had quickly.
pub async fn caller_account(conf: &aws_config::SdkConfig) -> Option<String> {
    let sts = aws_sdk_sts::Client::new(conf);
    let call = sts.get_caller_identity().send();
    match tokio::time::timeout(Duration::from_secs(5), call).await {
        Ok(Ok(o)) => o.account().map(str::to_string),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn types(f: &[PostureFinding]) -> Vec<&str> {
        let mut v: Vec<&str> = f
            .iter()
            .map(|f| f.finding_type.trim_start_matches("Policy:IAMUser/"))
            .collect();
        v.sort();
        v
    }

    const SECURE: &str = r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"],
         "Condition":{"Bool":{"aws:SecureTransport":"false"}}},
        {"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/*",
         "Condition":{"NumericLessThan":{"s3:TlsVersion":"1.2"}}}]}"#;

    #[test]
    fn a_locked_down_bucket_has_no_findings() {
        let s = BucketSettings {
            public_access_block: Some(PublicAccessBlock {
                block_public_acls: true,
                ignore_public_acls: true,
                block_public_policy: true,
                restrict_public_buckets: true,
            }),
            default_encryption: Some(true),
            policy: Some(Some(SECURE.into())),
            acl_grants: Some(vec![(
                "CanonicalUser".into(),
                "owner".into(),
                "FULL_CONTROL".into(),
            )]),
            acl_owner: Some("owner".into()),
            replication_accounts: Some(vec![None]),
            account: Some("111111111111".into()),
            ..Default::default()
        };
        assert!(evaluate("b", &s).is_empty(), "{:?}", evaluate("b", &s));
    }

    #[test]
    fn an_open_bucket_has_every_finding() {
        let policy = r#"{"Statement":[
            {"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"},
            {"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::222222222222:root","111111111111"]},"Action":"s3:*"},
            {"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Condition":{"NumericGreaterThanEquals":{"s3:TlsVersion":"1.0"}}}]}"#;
        let s = BucketSettings {
            public_access_block: Some(PublicAccessBlock::default()),
            default_encryption: Some(false),
            policy: Some(Some(policy.into())),
            acl_grants: Some(vec![
                (
                    "CanonicalUser".into(),
                    "owner".into(),
                    "FULL_CONTROL".into(),
                ),
                ("CanonicalUser".into(), "stranger".into(), "READ".into()),
                ("Group".into(), ALL_USERS.into(), "READ".into()),
            ]),
            acl_owner: Some("owner".into()),
            replication_accounts: Some(vec![Some("333333333333".into()), None]),
            account: Some("111111111111".into()),
            ..Default::default()
        };
        let f = evaluate("b", &s);
        assert_eq!(
            types(&f),
            [
                "S3BlockPublicAccessDisabled",
                "S3BucketAllowsInsecureTransport",
                "S3BucketAllowsOutdatedTls",
                "S3BucketEncryptionDisabled",
                "S3BucketPublic",
                "S3BucketReplicatedExternally",
                "S3BucketSharedExternally",
            ]
        );
        let shared = f
            .iter()
            .find(|x| x.finding_type.ends_with("SharedExternally"))
            .unwrap();
        assert!(shared.description.contains("222222222222"));
        assert!(
            !shared.description.contains("111111111111"),
            "own account is not external"
        );
        assert!(shared.description.contains("stranger"));
        let sev: Vec<Severity> = f.iter().map(|x| x.severity).collect();
        assert!(sev.contains(&Severity::High) && sev.contains(&Severity::Low));
    }

    #[test]
    fn restrict_public_buckets_neutralises_a_public_policy() {
        let policy =
            r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject"}}"#;
        let mut s = BucketSettings {
            policy: Some(Some(policy.into())),
            ..Default::default()
        };
        assert!(types(&evaluate("b", &s)).contains(&"S3BucketPublic"));
        s.public_access_block = Some(PublicAccessBlock {
            restrict_public_buckets: true,
            ..Default::default()
        });
        assert!(!types(&evaluate("b", &s)).contains(&"S3BucketPublic"));
        // The store's own verdict wins over ours when it has one.
        s.public_access_block = None;
        s.policy_is_public = Some(false);
        assert!(!types(&evaluate("b", &s)).contains(&"S3BucketPublic"));
    }

    #[test]
    fn conditional_star_is_not_public() {
        let v: Value = serde_json::from_str(
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject",
                "Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-123"}}}]}"#,
        )
        .unwrap();
        assert!(!policy_is_public(&v));
    }

    #[test]
    fn tls_version_rules() {
        let v = |s: &str| -> Value { serde_json::from_str(s).unwrap() };
        assert_eq!(policy_outdated_tls(&v(SECURE)), Some(vec![]));
        assert_eq!(policy_outdated_tls(&v(r#"{"Statement":[]}"#)), None);
        let weak = v(
            r#"{"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*",
            "Condition":{"NumericLessThan":{"s3:TlsVersion":1.1}}}]}"#,
        );
        assert_eq!(policy_outdated_tls(&weak), Some(vec![11]));
        let allow_old = v(
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject",
            "Condition":{"NumericLessThanEquals":{"s3:TlsVersion":"1.1"}}}]}"#,
        );
        assert_eq!(policy_outdated_tls(&allow_old), Some(vec![10, 11]));
        assert!(policy_denies_insecure_transport(&v(SECURE)));
        assert!(!policy_denies_insecure_transport(&weak));
    }

    #[test]
    fn no_policy_means_insecure_transport_is_allowed() {
        let s = BucketSettings {
            policy: Some(None),
            ..Default::default()
        };
        assert_eq!(
            types(&evaluate("b", &s)),
            ["S3BucketAllowsInsecureTransport"]
        );
        // Unread policy: no guess.
        assert!(evaluate("b", &BucketSettings::default()).is_empty());
    }

    #[test]
    fn principals_to_accounts() {
        assert_eq!(
            principal_account("123456789012").as_deref(),
            Some("123456789012")
        );
        assert_eq!(
            principal_account("arn:aws:iam::123456789012:role/x").as_deref(),
            Some("123456789012")
        );
        assert_eq!(principal_account("*"), None);
        assert_eq!(principal_account("arn:aws:iam::aws:policy/x"), None);
    }
}
