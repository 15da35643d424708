//! Validators: secrets (credentials, tokens, keys) and the network identifiers e-mail address
//! and IP address.
//!
//! Every function is a pure `fn(&[u8]) -> bool` over the matched bytes; none panics on any
//! input.

mod common;
mod credentials;
mod network;
#[cfg(test)]
mod tests;
mod tokens;

use super::{Check, Verdict};
use credentials::{
    http_basic_auth, json_web_token, password_assignment, url_credentials, url_password,
};
use network::{email_address, ip_address};
use tokens::{
    age_secret_key, azure_account_key, discord_bot_token, github_token, mixed_token, npm_token,
    secret_token,
};

/// The validators this module provides, by catalogue name.
pub(crate) const VALIDATORS: &[(&str, Check)] = &[
    ("secret_token", secret_token),
    ("azure_account_key", azure_account_key),
    ("http_basic_auth", http_basic_auth),
    ("json_web_token", json_web_token),
    ("github_token", github_token),
    ("npm_token", npm_token),
    ("url_password", url_password),
    ("email_address", email_address),
    ("ip_address", ip_address),
    ("mixed_token", mixed_token),
    ("discord_bot_token", discord_bot_token),
    ("age_secret_key", age_secret_key),
];

/// The validators of this module that say why they reject.
pub(crate) const DETAILED: &[(&str, Verdict)] = &[
    ("url_credentials", url_credentials),
    ("password_assignment", password_assignment),
];
