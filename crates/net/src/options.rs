//! [`TlsOptions`]: what the command line and job files say about transport security.

use std::ffi::OsString;
use std::path::PathBuf;

use serde::Deserialize;

/// Transport security options, shared by every outbound connection (S3, EventBridge, webhooks).
///
/// The command line fills it from `--ca-bundle`, `--client-cert`, `--client-key` and
/// `--allow-insecure-endpoint`; job files embed it with the same keys in snake case:
///
/// ```toml
/// ca_bundle = "/etc/trawl/ca.pem"
/// client_cert = "/etc/trawl/client.pem"
/// client_key = "/etc/trawl/client.key"
/// allow_insecure_endpoint = false
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct TlsOptions {
    /// PEM file of extra trusted CA certificates, added to the platform's roots.
    pub ca_bundle: Option<PathBuf>,
    /// PEM file with the client certificate (chain) for mutual TLS. It may also hold the
    /// private key, when `client_key` is not given.
    pub client_cert: Option<PathBuf>,
    /// PEM file with the client certificate's private key. It must not be accessible by group
    /// or others (mode 0600 or stricter).
    pub client_key: Option<PathBuf>,
    /// Allow plain `http://` endpoints (every one is logged as a warning).
    pub allow_insecure_endpoint: bool,
}

impl TlsOptions {
    /// The options for the AWS clients: `self`, with the `AWS_CA_BUNDLE` environment
    /// variable as the CA bundle when none was given (an explicit `--ca-bundle` wins, as in
    /// the AWS CLI).
    pub fn with_aws_env(self) -> Self {
        self.with_aws_env_from(|name| std::env::var_os(name))
    }

    /// [`with_aws_env`](Self::with_aws_env) with the environment given as a function (for tests).
    pub fn with_aws_env_from(mut self, env: impl Fn(&str) -> Option<OsString>) -> Self {
        if self.ca_bundle.is_none() {
            self.ca_bundle = env("AWS_CA_BUNDLE")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from);
        }
        self
    }

    /// Default options for the AWS clients: HTTPS only, platform roots, plus `AWS_CA_BUNDLE`.
    pub fn from_env_defaults() -> Self {
        Self::default().with_aws_env()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_ca_bundle_fills_only_an_empty_ca_bundle() {
        let env = |name: &str| (name == "AWS_CA_BUNDLE").then(|| OsString::from("/env/ca.pem"));
        let opts = TlsOptions::default().with_aws_env_from(env);
        assert_eq!(opts.ca_bundle, Some(PathBuf::from("/env/ca.pem")));
        let explicit = TlsOptions {
            ca_bundle: Some("/cli/ca.pem".into()),
            ..TlsOptions::default()
        }
        .with_aws_env_from(env);
        assert_eq!(explicit.ca_bundle, Some(PathBuf::from("/cli/ca.pem")));
        let empty = TlsOptions::default().with_aws_env_from(|_| Some(OsString::new()));
        assert_eq!(empty.ca_bundle, None);
    }

    #[test]
    fn deserializes_from_a_job_file_and_rejects_unknown_keys() {
        let opts: TlsOptions = toml::from_str(
            "ca_bundle = \"ca.pem\"\nclient_cert = \"c.pem\"\nclient_key = \"k.pem\"\n\
             allow_insecure_endpoint = true\n",
        )
        .unwrap();
        assert_eq!(opts.client_key, Some(PathBuf::from("k.pem")));
        assert!(opts.allow_insecure_endpoint);
        let opts: TlsOptions = serde_json::from_str("{}").unwrap();
        assert_eq!(opts, TlsOptions::default());
        assert!(toml::from_str::<TlsOptions>("ca_bundel = \"x\"").is_err());
    }
}
