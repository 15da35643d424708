//! AWS Security Hub: findings imported with BatchImportFindings in the AWS Security Finding
//! Format (ASFF), batches of 100, failed findings retried as the EventBridge sink retries.
//!
//! Written as one signed JSON POST (aws-sigv4 and reqwest, both already in the build) rather
//! than with `aws-sdk-securityhub`: that crate generates the whole Security Hub API (thousands
//! of ASFF resource types) and adds minutes to every build for this one call.

use std::time::{Duration, SystemTime};

use aws_credential_types::provider::ProvideCredentials;
use serde_json::{json, Value};

use crate::events::Event;
use crate::sinks::{backoff, EventSink};
use crate::state::PendingEvent;

/// Findings per BatchImportFindings request (the API's limit).
const BATCH: usize = 100;
/// ASFF's limit on a description.
const MAX_DESCRIPTION: usize = 1024;

/// The Security Hub sink.
pub struct SecurityHubSink {
    http: reqwest::Client,
    config: aws_config::SdkConfig,
    region: String,
    endpoint: String,
    product_arn: Option<String>,
    max_attempts: u32,
    base: Duration,
}

impl SecurityHubSink {
    /// A sink for `region` (endpoint `https://securityhub.REGION.amazonaws.com` unless
    /// overridden), importing as `product_arn` (default: the account's own
    /// `arn:aws:securityhub:REGION:ACCOUNT:product/ACCOUNT/default`).
    pub fn new(
        region: &str,
        endpoint: Option<&str>,
        tls: &trawl_net::TlsOptions,
        product_arn: Option<String>,
        max_attempts: u32,
        base: Duration,
    ) -> Result<SecurityHubSink, String> {
        let config = crate::aws_config(region, None, tls)?;
        let http = trawl_net::http_client_builder(&tls.clone().with_aws_env())
            .map_err(|e| e.to_string())?
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(SecurityHubSink {
            http,
            config,
            region: region.to_string(),
            endpoint: endpoint
                .map(|e| e.trim_end_matches('/').to_string())
                .unwrap_or_else(|| format!("https://securityhub.{region}.amazonaws.com")),
            product_arn,
            max_attempts: max_attempts.max(1),
            base,
        })
    }

    /// One signed BatchImportFindings call; returns the ids that failed, with why.
    async fn import(&self, findings: &[Value]) -> Result<Vec<(String, String)>, String> {
        let body =
            serde_json::to_vec(&json!({ "Findings": findings })).map_err(|e| e.to_string())?;
        let url = format!("{}/findings/import", self.endpoint);
        let provider = self
            .config
            .credentials_provider()
            .ok_or("no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID")?;
        let creds = provider
            .provide_credentials()
            .await
            .map_err(|e| format!("no AWS credentials: {e}"))?;
        let identity = creds.into();
        let params = aws_sigv4::sign::v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name("securityhub")
            .time(SystemTime::now())
            .settings(aws_sigv4::http_request::SigningSettings::default())
            .build()
            .map_err(|e| e.to_string())?
            .into();
        let headers = [("content-type", "application/json")];
        let signable = aws_sigv4::http_request::SignableRequest::new(
            "POST",
            &url,
            headers.iter().copied(),
            aws_sigv4::http_request::SignableBody::Bytes(&body),
        )
        .map_err(|e| e.to_string())?;
        let (instructions, _) = aws_sigv4::http_request::sign(signable, &params)
            .map_err(|e| e.to_string())?
            .into_parts();
        let mut req = self
            .http
            .post(&url)
            .header("content-type", "application/json");
        for (k, v) in instructions.headers() {
            req = req.header(k, v);
        }
        let resp = req
            .body(body)
            .send()
            .await
            .map_err(|e| trawl_net::describe(&e))?;
        let status = resp.status();
        let text = resp.text().await.map_err(|e| trawl_net::describe(&e))?;
        if !status.is_success() {
            let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            let msg = v["message"]
                .as_str()
                .or(v["Message"].as_str())
                .unwrap_or(text.as_str());
            return Err(format!(
                "HTTP {status}: {}",
                msg.chars().take(200).collect::<String>()
            ));
        }
        let v: Value = serde_json::from_str(&text).map_err(|_| {
            format!(
                "not a BatchImportFindings answer: {}",
                text.chars().take(120).collect::<String>()
            )
        })?;
        Ok(v["FailedFindings"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|f| {
                (
                    f["Id"].as_str().unwrap_or_default().to_string(),
                    format!(
                        "{}: {}",
                        f["ErrorCode"].as_str().unwrap_or("error"),
                        f["ErrorMessage"].as_str().unwrap_or("")
                    ),
                )
            })
            .collect())
    }
}

impl EventSink for SecurityHubSink {
    fn deliver(&mut self, events: &[PendingEvent]) -> Vec<Result<(), String>> {
        let mut out: Vec<Result<(), String>> = vec![Err("not sent".into()); events.len()];
        let mut findings: Vec<Option<Value>> = Vec::with_capacity(events.len());
        let mut todo = Vec::new();
        for (i, e) in events.iter().enumerate() {
            match serde_json::from_str::<Event>(&e.body) {
                Ok(ev) => {
                    findings.push(Some(asff(&ev, self.product_arn.as_deref())));
                    todo.push(i);
                }
                Err(err) => {
                    out[i] = Err(format!("bad event: {err}"));
                    findings.push(None);
                }
            }
        }
        crate::runtime().block_on(async {
            let mut attempt = 0;
            while !todo.is_empty() && attempt < self.max_attempts {
                if attempt > 0 {
                    tokio::time::sleep(backoff(self.base, attempt - 1)).await;
                }
                attempt += 1;
                let mut failed = Vec::new();
                for chunk in todo.chunks(BATCH) {
                    let batch: Vec<Value> =
                        chunk.iter().filter_map(|&i| findings[i].clone()).collect();
                    match self.import(&batch).await {
                        Ok(failures) => {
                            for &i in chunk {
                                let id = findings[i].as_ref().map(|f| f["Id"].clone());
                                match failures.iter().find(|(f, _)| Some(json!(f)) == id) {
                                    Some((_, why)) => {
                                        out[i] = Err(why.clone());
                                        failed.push(i);
                                    }
                                    None => out[i] = Ok(()),
                                }
                            }
                        }
                        Err(msg) => {
                            for &i in chunk {
                                out[i] = Err(msg.clone());
                                failed.push(i);
                            }
                        }
                    }
                }
                todo = failed;
            }
        });
        out
    }
}

/// The ASFF `Types` of a Macie finding type.
fn asff_type(kind: &str) -> &'static str {
    if kind.starts_with("Policy:") {
        return "Software and Configuration Checks/AWS Security Best Practices";
    }
    match kind.rsplit('/').next().unwrap_or("") {
        "Credentials" => "Sensitive Data Identifications/Passwords",
        "Financial" => "Sensitive Data Identifications/Financial",
        "Personal" => "Sensitive Data Identifications/PII",
        _ => "Sensitive Data Identifications",
    }
}

/// An event's finding in the AWS Security Finding Format. Its `Id` is the finding's, so an
/// updated finding (a policy finding seen again) updates the one in Security Hub.
pub fn asff(e: &Event, product_arn: Option<&str>) -> Value {
    let d = &e.detail;
    let product = product_arn.map(str::to_string).unwrap_or_else(|| {
        format!(
            "arn:aws:securityhub:{}:{}:product/{}/default",
            e.region, e.account, e.account
        )
    });
    let (label, normalized) = match d["severity"]["description"].as_str() {
        Some("High") => ("HIGH", 70),
        Some("Medium") => ("MEDIUM", 40),
        _ => ("LOW", 1),
    };
    let bucket = d["resourcesAffected"]["s3Bucket"]["name"].as_str();
    let object = &d["resourcesAffected"]["s3Object"];
    let mut resources = Vec::new();
    if let Some(b) = bucket {
        resources.push(
            json!({ "Type": "AwsS3Bucket", "Id": format!("arn:aws:s3:::{b}"),
                               "Partition": "aws", "Region": e.region }),
        );
        if let Some(k) = object["key"].as_str() {
            resources.push(
                json!({ "Type": "AwsS3Object", "Id": format!("arn:aws:s3:::{b}/{k}"),
                                   "Partition": "aws", "Region": e.region }),
            );
        }
    } else if let Some(path) = object["path"].as_str() {
        resources
            .push(json!({ "Type": "Other", "Id": path, "Partition": "aws", "Region": e.region }));
    }
    let description: String = d["description"]
        .as_str()
        .unwrap_or_default()
        .chars()
        .take(MAX_DESCRIPTION)
        .collect();
    let mut fields = serde_json::Map::new();
    let mut field = |k: &str, v: &Value| {
        let text = match v {
            Value::String(s) => s.clone(),
            Value::Null => return,
            other => other.to_string(),
        };
        fields.insert(format!("trawl/{k}"), json!(text));
    };
    field("finding_id", &d["id"]);
    field("type", &d["type"]);
    field("category", &d["category"]);
    field("count", &d["count"]);
    field("job_id", &d["classificationDetails"]["jobId"]);
    field(
        "detailed_results_location",
        &d["classificationDetails"]["detailedResultsLocation"],
    );
    json!({
        "SchemaVersion": "2018-10-08",
        "Id": d["id"],
        "ProductArn": product,
        "GeneratorId": format!("trawl/{}", d["type"].as_str().unwrap_or("finding")),
        "AwsAccountId": e.account,
        "Types": [asff_type(d["type"].as_str().unwrap_or(""))],
        "CreatedAt": d["createdAt"],
        "UpdatedAt": d["updatedAt"],
        "Severity": { "Label": label, "Normalized": normalized,
                      "Original": d["severity"]["score"].to_string() },
        "Title": d["title"],
        "Description": description,
        "Resources": resources,
        "ProductFields": fields,
        "RecordState": "ACTIVE",
    })
}
