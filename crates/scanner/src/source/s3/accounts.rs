//! Many accounts: which accounts a run enters (`--accounts`, `--organization`), and entering
//! each with a role assumed in it. An account that cannot be entered is reported with its
//! reason; the others go on.

use std::time::Duration;

use aws_sdk_s3::config::SharedCredentialsProvider;
use aws_sdk_s3::Client;

use super::options::S3Options;

/// Which accounts a run scans.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum AccountSet {
    /// The account of the credentials in use (the default).
    #[default]
    Caller,
    /// These 12-digit account ids.
    Ids(Vec<String>),
    /// Every active account of the organization, listed with AWS Organizations
    /// `ListAccounts` from the management or delegated-administrator account.
    Organization,
}

/// The accounts of a run and how to enter them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Accounts {
    /// Which accounts.
    pub set: AccountSet,
    /// The role assumed in each account: `arn:aws:iam::ID:role/NAME`.
    pub role_name: Option<String>,
    /// The external id the role's trust policy asks for.
    pub external_id: Option<String>,
}

impl Accounts {
    /// Checks the combination before a run starts (one-line errors).
    pub fn validate(&self) -> Result<(), String> {
        if let AccountSet::Ids(ids) = &self.set {
            if ids.is_empty() {
                return Err("--accounts: no account id given".into());
            }
            if let Some(bad) = ids.iter().find(|id| !is_account_id(id)) {
                return Err(format!(
                    "--accounts: {bad:?} is not an AWS account id (12 digits)"
                ));
            }
        }
        if self.set != AccountSet::Caller && self.role_name.is_none() {
            return Err(
                "--accounts and --organization need --role-name (the role trawl assumes in each account)"
                    .into(),
            );
        }
        if let Some(r) = &self.role_name {
            let ok = !r.is_empty()
                && r.len() <= 64
                && r.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-/".contains(&b));
            if !ok {
                return Err(format!("--role-name: {r:?} is not an IAM role name"));
            }
        }
        Ok(())
    }
}

/// Whether `s` is a 12-digit AWS account id.
pub fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Account ids from `--accounts`: a file of ids (one per line or separated by commas or
/// spaces, `#` comments), or the ids themselves separated by commas.
pub fn parse_account_list(value: &str) -> Result<Vec<String>, String> {
    let path = std::path::Path::new(value);
    let text = if path.is_file() {
        std::fs::read_to_string(path).map_err(|e| format!("--accounts {value}: {e}"))?
    } else {
        value.to_string()
    };
    let mut ids: Vec<String> = text
        .lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .flat_map(|l| l.split([',', ' ', '\t']))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    ids.dedup();
    Ok(ids)
}

/// An account the run entered: its id (when known) and a client acting in it.
pub(crate) struct Entered {
    /// The account id; `None` when the caller's own account could not be named (no STS).
    pub id: Option<String>,
    /// An S3 client with the account's credentials.
    pub client: Client,
}

/// The outcome of entering one account.
pub(crate) enum Entry {
    /// Entered.
    Entered(Entered),
    /// Could not be entered: the account and why.
    Refused(String, String),
}

/// An STS client for `config`; `AWS_ENDPOINT_URL_STS` (a VPC endpoint, say) wins over the
/// run's endpoint.
fn sts(config: &aws_config::SdkConfig) -> aws_sdk_sts::Client {
    let mut conf = aws_sdk_sts::config::Builder::from(config);
    if let Ok(url) = std::env::var("AWS_ENDPOINT_URL_STS") {
        if !url.is_empty() {
            conf = conf.endpoint_url(url);
        }
    }
    aws_sdk_sts::Client::from_conf(conf.build())
}

/// The account of `config`'s credentials (STS `GetCallerIdentity`), if STS answers in time.
pub(crate) async fn caller_account(config: &aws_config::SdkConfig) -> Option<String> {
    let call = sts(config).get_caller_identity().send();
    match tokio::time::timeout(Duration::from_secs(5), call).await {
        Ok(Ok(o)) => o.account().map(str::to_string),
        _ => None,
    }
}

/// Enters every account of the run. The caller's own account is entered with the caller's
/// credentials; every other one with the role assumed in it (checked at once with one
/// `AssumeRole`, then used through a refreshing provider so that long scans outlive the first
/// session). Fails only when the organization's accounts cannot be listed.
pub(crate) async fn enter(
    client: &Client,
    config: &aws_config::SdkConfig,
    opts: &S3Options,
) -> Result<Vec<Entry>, String> {
    let accounts = &opts.accounts;
    let caller = match (&accounts.set, opts.posture) {
        (AccountSet::Caller, false) => None,
        _ => caller_account(config).await,
    };
    let ids = match &accounts.set {
        AccountSet::Caller => {
            return Ok(vec![Entry::Entered(Entered {
                id: caller,
                client: client.clone(),
            })])
        }
        AccountSet::Ids(ids) => ids.clone(),
        AccountSet::Organization => organization_accounts(config).await?,
    };
    let role = accounts.role_name.as_deref().unwrap_or_default();
    let mut out = Vec::new();
    for id in ids {
        if caller.as_deref() == Some(id.as_str()) {
            out.push(Entry::Entered(Entered {
                id: Some(id),
                client: client.clone(),
            }));
            continue;
        }
        let arn = format!("arn:aws:iam::{id}:role/{role}");
        match assume(config, &arn, accounts.external_id.as_deref()).await {
            Err(why) => out.push(Entry::Refused(id, why)),
            Ok(provider) => {
                // The run's S3 settings (endpoint, path style, region) with the role's
                // credentials.
                let s3 = client
                    .config()
                    .to_builder()
                    .credentials_provider(provider)
                    .build();
                out.push(Entry::Entered(Entered {
                    id: Some(id),
                    client: Client::from_conf(s3),
                }));
            }
        }
    }
    Ok(out)
}

/// Credentials of `arn`: one `AssumeRole` now (so a refusal is known before listing), then a
/// provider that renews the session.
async fn assume(
    config: &aws_config::SdkConfig,
    arn: &str,
    external_id: Option<&str>,
) -> Result<SharedCredentialsProvider, String> {
    let call = sts(config)
        .assume_role()
        .role_arn(arn)
        .role_session_name("trawl-scan")
        .set_external_id(external_id.map(String::from))
        .send();
    match tokio::time::timeout(Duration::from_secs(30), call).await {
        Err(_) => return Err(format!("AssumeRole {arn}: no answer in 30 s")),
        Ok(Err(e)) => return Err(format!("AssumeRole {arn}: {}", sdk_error_text(&e))),
        Ok(Ok(_)) => {}
    }
    let mut provider = aws_config::sts::AssumeRoleProvider::builder(arn)
        .session_name("trawl-scan")
        .configure(config);
    if let Some(x) = external_id {
        provider = provider.external_id(x);
    }
    Ok(SharedCredentialsProvider::new(provider.build().await))
}

/// A service error's code and message, or the transport's reason, in one line.
fn sdk_error_text<E, R>(e: &aws_sdk_sts::error::SdkError<E, R>) -> String
where
    E: aws_sdk_sts::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    use aws_sdk_sts::error::SdkError;
    match e {
        SdkError::ServiceError(s) => {
            let err = s.err();
            match (err.code(), err.message()) {
                (Some(c), Some(m)) => format!("{c}: {m}"),
                (Some(c), None) => c.to_string(),
                _ => "the service refused it".to_string(),
            }
        }
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => {
            "STS did not answer (network or endpoint)".to_string()
        }
        _ => {
            let mut text = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(s) = source {
                text = format!("{text}: {s}");
                source = s.source();
            }
            text.lines().next().unwrap_or_default().to_string()
        }
    }
}

/// The active accounts of the organization (suspended and closing ones are left out: they
/// cannot be entered).
async fn organization_accounts(config: &aws_config::SdkConfig) -> Result<Vec<String>, String> {
    let org = aws_sdk_organizations::Client::new(config);
    let mut pages = org.list_accounts().into_paginator().send();
    let mut ids = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| {
            format!(
                "--organization: listing the organization's accounts (ListAccounts, from the management or a delegated administrator account): {}",
                org_error_text(&e)
            )
        })?;
        for a in page.accounts() {
            let active = a
                .state()
                .map(|s| s.as_str() == "ACTIVE")
                .or_else(|| a.status().map(|s| s.as_str() == "ACTIVE"))
                .unwrap_or(true);
            if let (Some(id), true) = (a.id(), active) {
                ids.push(id.to_string());
            }
        }
    }
    Ok(ids)
}

fn org_error_text<E, R>(e: &aws_sdk_organizations::error::SdkError<E, R>) -> String
where
    E: aws_sdk_organizations::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    use aws_sdk_organizations::error::SdkError;
    match e {
        SdkError::ServiceError(s) => {
            let err = s.err();
            format!(
                "{}: {}",
                err.code().unwrap_or("refused"),
                err.message().unwrap_or("no message")
            )
        }
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => {
            "AWS Organizations did not answer (network or endpoint)".to_string()
        }
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_lists_from_flags_and_files() {
        assert_eq!(
            parse_account_list("111111111111, 222222222222").unwrap(),
            ["111111111111", "222222222222"]
        );
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("accounts.txt");
        std::fs::write(&f, "# prod\n111111111111\n222222222222 # data\n\n").unwrap();
        assert_eq!(
            parse_account_list(f.to_str().unwrap()).unwrap(),
            ["111111111111", "222222222222"]
        );
    }

    #[test]
    fn bad_combinations_are_refused_in_one_line() {
        let ids = |v: &[&str]| Accounts {
            set: AccountSet::Ids(v.iter().map(|s| s.to_string()).collect()),
            role_name: Some("TrawlScan".into()),
            external_id: None,
        };
        assert!(ids(&["111111111111"]).validate().is_ok());
        assert!(ids(&["1111"]).validate().unwrap_err().contains("12 digits"));
        assert!(ids(&[]).validate().is_err());
        let mut no_role = ids(&["111111111111"]);
        no_role.role_name = None;
        assert!(no_role.validate().unwrap_err().contains("--role-name"));
        let mut bad_role = ids(&["111111111111"]);
        bad_role.role_name = Some("a role".into());
        assert!(bad_role.validate().unwrap_err().contains("IAM role name"));
        assert!(Accounts::default().validate().is_ok());
    }
}
