//! The S3 client: the standard credential chain, profiles, assumed roles, unsigned requests,
//! custom endpoints (HTTPS unless allowed), and the region of each bucket.

use aws_sdk_s3::Client;

use super::options::S3Options;

fn is_loopback_or_ip(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host_port = rest.split('/').next().unwrap_or("");
    let host = if let Some(h) = host_port.strip_prefix('[') {
        h.split(']').next().unwrap_or("")
    } else {
        host_port.rsplit_once(':').map_or(host_port, |(h, _)| h)
    };
    host == "localhost" || host.parse::<std::net::IpAddr>().is_ok()
}

/// The endpoint in use (flag, else `AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL`).
fn endpoint(opts: &S3Options) -> Option<String> {
    opts.endpoint_url
        .clone()
        .or_else(|| std::env::var("AWS_ENDPOINT_URL_S3").ok())
        .or_else(|| std::env::var("AWS_ENDPOINT_URL").ok())
        .filter(|s| !s.is_empty())
}

/// Checks the endpoint with [`trawl_net::check_endpoint`]: plain `http://` only when allowed.
/// Returns a warning to report the first time this process sees a plain endpoint.
pub fn check_endpoint(opts: &S3Options) -> Result<Option<String>, String> {
    let Some(url) = endpoint(opts) else {
        return Ok(None);
    };
    match trawl_net::check_endpoint(&url, &opts.tls) {
        Ok(trawl_net::Transport::InsecureHttp { first_use: true }) => Ok(Some(format!(
            "{url} is plain http: object contents and credentials signatures cross the network unencrypted"
        ))),
        Ok(_) => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

/// Builds a client from the standard credential chain and the options; also returns the
/// shared configuration (for other services of the same account, such as STS).
pub async fn client(opts: &S3Options) -> Result<(Client, aws_config::SdkConfig), String> {
    check_endpoint(opts)?;
    // One rustls stack for S3 and the credential providers: platform roots plus the CA bundle,
    // TLS 1.2 at least, the client certificate when given.
    let tls = opts.tls.clone().with_aws_env();
    let http = trawl_net::aws_http_client(&tls).map_err(|e| e.to_string())?;
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest()).http_client(http);
    if let Some(p) = &opts.profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = &opts.region {
        loader = loader.region(aws_config::Region::new(r.clone()));
    }
    if opts.no_sign_request {
        loader = loader.no_credentials();
    }
    let mut base = loader.load().await;
    if base.region().is_none() {
        base = base
            .into_builder()
            .region(aws_config::Region::new("us-east-1"))
            .build();
    }
    if let Some(arn) = &opts.assume_role {
        let provider = aws_config::sts::AssumeRoleProvider::builder(arn.clone())
            .session_name("trawl-scan")
            .configure(&base)
            .build()
            .await;
        base = base
            .into_builder()
            .credentials_provider(aws_sdk_s3::config::SharedCredentialsProvider::new(provider))
            .build();
    }
    let endpoint = endpoint(opts);
    if let Some(url) = &opts.endpoint_url {
        base = base.into_builder().endpoint_url(url).build();
    }
    let mut conf = aws_sdk_s3::config::Builder::from(&base);
    if let Some(url) = &endpoint {
        conf = conf.endpoint_url(url);
    }
    let path_style = opts.path_style || endpoint.as_deref().is_some_and(is_loopback_or_ip);
    conf = conf.force_path_style(path_style);
    Ok((Client::from_conf(conf.build()), base))
}

/// The client to use for `bucket`: on AWS (no custom endpoint) a bucket in another region
/// needs a client of that region.
pub async fn client_for_bucket(client: &Client, bucket: &str, opts: &S3Options) -> Client {
    if endpoint(opts).is_some() {
        return client.clone();
    }
    let Ok(out) = client.head_bucket().bucket(bucket).send().await else {
        return client.clone();
    };
    match out.bucket_region() {
        Some(r) if Some(r) != client.config().region().map(|x| x.as_ref()) => {
            let conf = client
                .config()
                .to_builder()
                .region(aws_config::Region::new(r.to_string()))
                .build();
            Client::from_conf(conf)
        }
        _ => client.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_must_be_https_unless_allowed() {
        let mut o = S3Options {
            endpoint_url: Some("http://127.0.0.1:5000".into()),
            ..Default::default()
        };
        assert!(check_endpoint(&o)
            .unwrap_err()
            .contains("--allow-insecure-endpoint"));
        o.tls.allow_insecure_endpoint = true;
        assert!(check_endpoint(&o).unwrap().unwrap().contains("plain http"));
        // Once per origin and process.
        assert!(check_endpoint(&o).unwrap().is_none());
        o.endpoint_url = Some("https://s3.example.com".into());
        assert!(check_endpoint(&o).unwrap().is_none());
        o.endpoint_url = Some("ftp://x".into());
        assert!(check_endpoint(&o).is_err());
    }

    #[test]
    fn path_style_for_ip_and_localhost() {
        assert!(is_loopback_or_ip("http://127.0.0.1:5000"));
        assert!(is_loopback_or_ip("http://localhost:9000/"));
        assert!(is_loopback_or_ip("http://[::1]:9000"));
        assert!(!is_loopback_or_ip("https://s3.eu-west-1.amazonaws.com"));
        assert!(!is_loopback_or_ip("https://minio.internal:9000"));
    }
}
