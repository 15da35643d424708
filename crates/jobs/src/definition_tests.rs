//! Tests of job definitions: parsing, checks and their one-line errors.

use super::*;

fn err(text: &str) -> String {
    match JobDefinition::from_toml("job.toml", text).and_then(|d| d.check("job.toml")) {
        Ok(_) => panic!("accepted: {text}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn minimal_and_full() {
    let d = JobDefinition::from_toml("j", "name = \"a\"\ntargets = [\"/tmp\"]\n").unwrap();
    let job = d.check("j").unwrap();
    assert_eq!(job.schedule, Schedule::Once);
    assert!(d.initial_run);
    let yaml = "name: b\ntargets: [s3://bucket/p, /data]\nschedule: weekly MONDAY 02:00\n\
                scope:\n  include:\n    extensions: [csv]\n  exclude:\n    tags: [public=yes]\n\
                identifiers:\n  selection: INCLUDE\n  ids: [CREDIT_CARD_NUMBER]\n\
                events:\n  - type: stdout\n  - type: webhook\n    url: http://127.0.0.1:1/x\n\
                tls:\n  allow_insecure_endpoint: true\n";
    let d = JobDefinition::from_yaml("j.yaml", yaml).unwrap();
    let job = d.check("j.yaml").unwrap();
    assert_eq!(job.targets.len(), 2);
    assert_eq!(
        job.scope.exclude.tags,
        vec![("public".into(), Some("yes".into()))]
    );
}

#[test]
fn accounts_and_organization_keys() {
    let ok = "name = \"a\"\ntargets = [\"s3://\"]\n[s3]\naccounts = [\"111111111111\", \"222222222222\"]\nrole_name = \"TrawlScan\"\nexternal_id = \"x-1\"\n";
    let d = JobDefinition::from_toml("j", ok).unwrap();
    d.check("j").unwrap();
    let a = d.s3.accounts();
    assert_eq!(
        a.set,
        trawl_scanner::AccountSet::Ids(vec!["111111111111".into(), "222222222222".into()])
    );
    assert_eq!(a.external_id.as_deref(), Some("x-1"));
    let org = "name = \"a\"\ntargets = [\"s3://\"]\n[s3]\norganization = true\nrole_name = \"R\"\n";
    let d = JobDefinition::from_toml("j", org).unwrap();
    d.check("j").unwrap();
    assert_eq!(d.s3.accounts().set, trawl_scanner::AccountSet::Organization);
    let e = err("name = \"a\"\ntargets = [\"s3://\"]\n[s3]\norganization = true\n");
    assert!(e.contains("s3") && e.contains("role_name"), "{e}");
    let e =
        err("name = \"a\"\ntargets = [\"s3://\"]\n[s3]\naccounts = [\"12\"]\nrole_name = \"R\"\n");
    assert!(e.contains("12 digits"), "{e}");
}

#[test]
fn plain_http_needs_allow_insecure_endpoint() {
    let e = err(
        "name = \"a\"\ntargets = [\"/t\"]\n[[events]]\ntype = \"webhook\"\nurl = \"http://x/h\"\n",
    );
    assert!(
        e.contains("events[0].url") && e.contains("allow_insecure_endpoint"),
        "{e}"
    );
    let e =
        err("name = \"a\"\ntargets = [\"s3://bkt\"]\n[s3]\nendpoint = \"http://127.0.0.1:9000\"\n");
    assert!(e.contains("s3.endpoint"), "{e}");
    let ok =
        "name = \"a\"\ntargets = [\"/t\"]\n[[events]]\ntype = \"webhook\"\nurl = \"https://x/h\"\n\
              [tls]\nca_bundle = \"ca.pem\"\nclient_cert = \"c.pem\"\nclient_key = \"c.key\"\n";
    let d = JobDefinition::from_toml("j", ok).unwrap();
    d.check("j").unwrap();
    assert_eq!(
        d.tls.ca_bundle.as_deref(),
        Some(std::path::Path::new("ca.pem"))
    );
    let e = err("name = \"a\"\ntargets = [\"/t\"]\n[tls]\ncab_bundle = \"x\"\n");
    assert!(e.contains("cab_bundle") || e.contains("unknown"), "{e}");
}

#[test]
fn errors_name_the_field() {
    assert!(err("targets = [\"/tmp\"]").contains("name"));
    assert!(err("name = \"a\"\ntargets = []").contains("targets"));
    assert!(err("name = \"a\"\ntargets = [\"/t\"]\nschedule = \"hourly\"").contains("schedule"));
    assert!(
        err("name = \"a\"\ntargets = [\"/t\"]\nsampling_percentage = 0")
            .contains("sampling_percentage")
    );
    assert!(err("name = \"a\"\ntargets = [\"/t\"]\nbogus = 1").contains("bogus"));
    assert!(err(
        "name = \"a\"\ntargets = [\"/t\"]\n[scope.include]\nmodified_after = \"yesterday\""
    )
    .contains("scope.include.modified_after"));
    assert!(
        err("name = \"a\"\ntargets = [\"/t\"]\n[identifiers]\nselection = \"INCLUDE\"")
            .contains("identifiers.ids")
    );
    assert!(err("name = \"a\"\ntargets = [\"/t\"]\n[identifiers]\nselection = \"INCLUDE\"\nids = [\"NOPE\"]").contains("identifiers"));
    assert!(err(
        "name = \"a\"\ntargets = [\"/t\"]\n[[events]]\ntype = \"webhook\"\nurl = \"ftp://x\""
    )
    .contains("events[0].url"));
    assert!(err("name = \"a\"\ntargets = [\"s3://x\"]").contains("targets[0]"));
}
