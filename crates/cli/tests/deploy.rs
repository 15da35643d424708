//! The deployment files under `deploy/` against the program: every manifest parses, the
//! Kubernetes Indexed Job, CronJob and AWS Batch definition run the command trawl has with the
//! shard count, variables and job file path they mount, and the ConfigMap's job file passes
//! trawl's own job file parser. The container image (deploy/Containerfile, built by
//! scripts/image) runs `trawl scan /samples` and gives the host binary's records: with podman
//! when it is there (required with TRAWL_IMAGE_TEST=1, as scripts/test sets it when it could
//! install podman), and always on the staged root filesystem the image is made of.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn deploy() -> PathBuf {
    repo().join("deploy")
}

/// Every YAML document of a file, as JSON values.
fn yaml_docs(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap();
    serde_yaml_ng::Deserializer::from_str(&text)
        .map(|d| {
            let v: Value = serde::Deserialize::deserialize(d)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            v
        })
        .filter(|v| !v.is_null())
        .collect()
}

/// The Kubernetes objects of deploy/kubernetes, by file name.
fn kubernetes() -> BTreeMap<String, Vec<Value>> {
    let dir = deploy().join("kubernetes");
    let mut all = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            all.insert(name, yaml_docs(&path));
        }
    }
    all
}

fn one<'a>(k8s: &'a BTreeMap<String, Vec<Value>>, file: &str, kind: &str) -> &'a Value {
    let docs = k8s
        .get(file)
        .unwrap_or_else(|| panic!("deploy/kubernetes/{file} is missing"));
    let of_kind: Vec<&Value> = docs.iter().filter(|d| d["kind"] == kind).collect();
    assert_eq!(of_kind.len(), 1, "{file}: one {kind} expected");
    of_kind[0]
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|s| {
            s.as_str()
                .unwrap_or_else(|| panic!("not a string: {s}"))
                .to_string()
        })
        .collect()
}

/// The value after `flag` in a command line.
fn flag<'a>(args: &'a [String], flag: &str) -> Option<&'a str> {
    let i = args.iter().position(|a| a == flag)?;
    args.get(i + 1).map(String::as_str)
}

/// The job file the ConfigMap holds: (the ConfigMap's name, key, TOML text).
fn configmap_job_file(k8s: &BTreeMap<String, Vec<Value>>) -> (String, String, String) {
    let cm = one(k8s, "configmap.yaml", "ConfigMap");
    let data = cm["data"].as_object().unwrap();
    assert_eq!(data.len(), 1, "the ConfigMap holds the job file only");
    let (key, text) = data.iter().next().unwrap();
    (
        cm["metadata"]["name"].as_str().unwrap().to_string(),
        key.clone(),
        text.as_str().unwrap().to_string(),
    )
}

/// The job file, parsed and checked as `trawl job create` does (`JobDefinition::load`).
fn load_job_file(file_name: &str, text: &str) -> trawl_jobs::JobDefinition {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(file_name);
    std::fs::write(&path, text).unwrap();
    trawl_jobs::JobDefinition::load(&path).unwrap_or_else(|e| panic!("{file_name}: {e}"))
}

/// The numeric user of deploy/Containerfile (`USER 65532:65532`).
fn image_user() -> u64 {
    let text = std::fs::read_to_string(deploy().join("Containerfile")).unwrap();
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("USER "))
        .expect("a USER line");
    line.split(':').next().unwrap().trim().parse().unwrap()
}

#[test]
fn every_manifest_under_deploy_parses() {
    let mut seen = 0;
    for entry in walkdir::WalkDir::new(deploy()) {
        let entry = entry.unwrap();
        let path = entry.path();
        match path.extension().and_then(|e| e.to_str()) {
            Some("yaml" | "yml") => {
                assert!(!yaml_docs(path).is_empty(), "{}: empty", path.display());
                seen += 1;
            }
            Some("json") => {
                let text = std::fs::read_to_string(path).unwrap();
                serde_json::from_str::<Value>(&text)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                seen += 1;
            }
            Some("sh") => {
                let out = Command::new("bash").arg("-n").arg(path).output().unwrap();
                assert!(out.status.success(), "{}: {out:?}", path.display());
            }
            _ => {}
        }
    }
    assert!(seen >= 6, "{seen} manifests under deploy/");
    let out = Command::new("bash")
        .arg("-n")
        .arg(repo().join("scripts/image"))
        .output()
        .unwrap();
    assert!(out.status.success(), "scripts/image: {out:?}");
}

#[test]
fn the_configmaps_job_file_passes_trawls_own_parser() {
    let k8s = kubernetes();
    let (_, key, text) = configmap_job_file(&k8s);
    assert!(key.ends_with(".toml"), "{key}");
    let def = load_job_file(&key, &text);
    // The pods' disks go away: results must go to S3.
    let location = def.results.location.clone().unwrap_or_default();
    assert!(
        location.starts_with("s3://"),
        "results location {location:?}"
    );
    assert!(def.targets.iter().all(|t| t.starts_with("s3://")));

    // And the program itself takes it (the same parser, through the command line).
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(&key);
    std::fs::write(&file, &text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_trawl"))
        .args(["job", "create"])
        .arg(&file)
        .arg("--state")
        .arg(dir.path().join("state.db"))
        .output()
        .unwrap();
    assert!(out.status.success(), "trawl job create: {out:?}");
}

/// What the Job spec of indexed-job.yaml (and of the CronJob's jobTemplate) runs.
struct PodRun {
    args: Vec<String>,
    env: BTreeMap<String, Value>,
    mounts: BTreeMap<String, String>,
    volumes: BTreeMap<String, Value>,
}

fn pod_run(pod_spec: &Value) -> PodRun {
    let containers = pod_spec["containers"].as_array().unwrap();
    assert_eq!(containers.len(), 1);
    let c = &containers[0];
    let args = strings(&c["args"]);
    assert!(
        c["command"].is_null(),
        "the image's ENTRYPOINT is /trawl: args only"
    );
    let env = c["env"]
        .as_array()
        .map(|e| {
            e.iter()
                .map(|v| (v["name"].as_str().unwrap().to_string(), v.clone()))
                .collect()
        })
        .unwrap_or_default();
    let mounts = c["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["mountPath"].as_str().unwrap().to_string(),
                m["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let volumes = pod_spec["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["name"].as_str().unwrap().to_string(), v.clone()))
        .collect();
    PodRun {
        args,
        env,
        mounts,
        volumes,
    }
}

impl PodRun {
    /// The volume mounted at the directory of `path`.
    fn volume_of(&self, path: &str) -> &Value {
        let dir = Path::new(path).parent().unwrap().to_str().unwrap();
        let name = self
            .mounts
            .get(dir)
            .unwrap_or_else(|| panic!("nothing is mounted at {dir} (for {path})"));
        &self.volumes[name]
    }
}

#[test]
fn the_indexed_job_and_cronjob_run_trawls_sharded_job_command() {
    let k8s = kubernetes();
    let (cm_name, cm_key, text) = configmap_job_file(&k8s);
    let def = load_job_file(&cm_key, &text);
    let sa = one(&k8s, "serviceaccount.yaml", "ServiceAccount");
    let role = sa["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
        .as_str()
        .expect("the ServiceAccount's IRSA annotation");
    assert!(
        role.starts_with("arn:aws:iam::") && role.contains(":role/"),
        "{role}"
    );

    let job = one(&k8s, "indexed-job.yaml", "Job");
    let cron = one(&k8s, "cronjob.yaml", "CronJob");
    // The CronJob runs the very same Job.
    assert!(
        cron["spec"]["jobTemplate"]["spec"] == job["spec"],
        "cronjob.yaml's jobTemplate.spec is not indexed-job.yaml's spec"
    );
    assert!(cron["spec"]["schedule"].is_string());

    let spec = &job["spec"];
    assert_eq!(spec["completionMode"], "Indexed");
    let completions = spec["completions"].as_u64().unwrap();
    let parallelism = spec["parallelism"].as_u64().unwrap();
    assert!((1..=completions).contains(&parallelism));

    let pod = &spec["template"]["spec"];
    assert_eq!(pod["serviceAccountName"], sa["metadata"]["name"]);
    assert_eq!(
        pod["securityContext"]["runAsUser"].as_u64(),
        Some(image_user())
    );
    // A container restart keeps the pod's emptyDir state: the shard resumes.
    assert_eq!(pod["restartPolicy"], "OnFailure");
    let run = pod_run(pod);

    // trawl job run NAME --file F --state S --shard-count N
    assert_eq!(run.args[..3], ["job", "run", def.name.as_str()]);
    let shard_count: u64 = flag(&run.args, "--shard-count").unwrap().parse().unwrap();
    assert_eq!(
        shard_count, completions,
        "--shard-count and completions differ"
    );
    let file = flag(&run.args, "--file").unwrap();
    assert_eq!(
        Path::new(file).file_name().unwrap().to_str(),
        Some(cm_key.as_str())
    );
    assert_eq!(run.volume_of(file)["configMap"]["name"], cm_name.as_str());
    let state = flag(&run.args, "--state").unwrap();
    assert!(run.volume_of(state)["emptyDir"].is_object());
    assert!(run.mounts.contains_key("/tmp"), "a writable /tmp");

    // The shard index and the run id, from the variables trawl reads.
    let names: BTreeSet<&str> = run.env.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        BTreeSet::from(["JOB_COMPLETION_INDEX", "TRAWL_RUN_ID"])
    );
    assert_eq!(
        run.env["TRAWL_RUN_ID"]["valueFrom"]["fieldRef"]["fieldPath"],
        "metadata.labels['batch.kubernetes.io/job-name']"
    );
    assert_eq!(
        run.env["JOB_COMPLETION_INDEX"]["valueFrom"]["fieldRef"]["fieldPath"],
        "metadata.annotations['batch.kubernetes.io/job-completion-index']"
    );

    // Finalize: the same job, file and state, the run from TRAWL_RUN_ID.
    let fin = one(&k8s, "finalize-job.yaml", "Job");
    let fin_pod = &fin["spec"]["template"]["spec"];
    let fin_run = pod_run(fin_pod);
    assert_eq!(
        fin_run.args[..4],
        ["job", "finalize", def.name.as_str(), "$(TRAWL_RUN_ID)"]
    );
    assert_eq!(flag(&fin_run.args, "--file"), Some(file));
    assert_eq!(flag(&fin_run.args, "--state"), Some(state));
    assert_eq!(
        fin_run.volume_of(file)["configMap"]["name"],
        cm_name.as_str()
    );
    let names: BTreeSet<&str> = fin_run.env.keys().map(String::as_str).collect();
    assert_eq!(names, BTreeSet::from(["TRAWL_RUN_ID"]));
    assert_eq!(fin_pod["serviceAccountName"], sa["metadata"]["name"]);

    // One image everywhere.
    let image = &pod["containers"][0]["image"];
    assert_eq!(&fin_pod["containers"][0]["image"], image);
}

#[test]
fn the_batch_definition_runs_trawls_sharded_job_command() {
    let dir = deploy().join("aws-batch");
    let text = std::fs::read_to_string(dir.join("job-definition.json")).unwrap();
    let def: Value = serde_json::from_str(&text).unwrap();
    let k8s = kubernetes();
    let (_, cm_key, toml) = configmap_job_file(&k8s);
    let job = load_job_file(&cm_key, &toml);

    assert_eq!(def["type"], "container");
    let c = &def["containerProperties"];
    assert!(c["image"].is_string());
    assert!(c["jobRoleArn"].as_str().unwrap().contains(":role/"));
    assert_eq!(c["user"].as_str(), Some(image_user().to_string().as_str()));
    let resources: BTreeSet<&str> = c["resourceRequirements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["type"].as_str().unwrap())
        .collect();
    assert_eq!(resources, BTreeSet::from(["MEMORY", "VCPU"]));

    let command = strings(&c["command"]);
    assert_eq!(command[..3], ["job", "run", job.name.as_str()]);
    // --shard-count is the parameter submit.sh sets to the array's size.
    let count = flag(&command, "--shard-count").unwrap();
    let param = count
        .strip_prefix("Ref::")
        .expect("--shard-count Ref::PARAM");
    let default: u64 = def["parameters"][param].as_str().unwrap().parse().unwrap();
    assert!(
        (2..=10_000).contains(&default),
        "an array job has 2 to 10000 children"
    );
    // The job file is on the volume mounted at its directory.
    let file = flag(&command, "--file").unwrap();
    let file_dir = Path::new(file).parent().unwrap().to_str().unwrap();
    let mount = c["mountPoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["containerPath"] == file_dir)
        .unwrap_or_else(|| panic!("no mount point at {file_dir}"));
    assert!(c["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v["name"] == mount["sourceVolume"]));
    let state = flag(&command, "--state").unwrap();
    assert!(state.starts_with("/var/lib/trawl/"), "{state}");

    // submit.sh: an array of SHARDS with --shard-count SHARDS, then finalize after it.
    let submit = std::fs::read_to_string(dir.join("submit.sh")).unwrap();
    for needle in [
        r#"--array-properties "size=$shards""#.to_string(),
        format!(r#"--parameters "{param}=$shards""#),
        r#"--depends-on "jobId=$array_id""#.to_string(),
        format!(r#"job="{}""#, job.name),
        format!("job_file={file}"),
        format!("state={state}"),
        r#"\"job\", \"finalize\", \"$job\", \"$array_id\", \"--file\", \"$job_file\", \"--state\", \"$state\""#.to_string(),
        r#"--job-definition "$definition""#.to_string(),
        format!(
            r#"definition="${{TRAWL_JOB_DEFINITION:-{}}}""#,
            def["jobDefinitionName"].as_str().unwrap()
        ),
    ] {
        assert!(submit.contains(&needle), "submit.sh lacks {needle}");
    }
}

// --- the image ------------------------------------------------------------------------------

/// Result records, comparable across machines: by key, without the run id, URI and mtime.
fn records(jsonl: &[u8]) -> BTreeMap<String, Value> {
    let text = std::str::from_utf8(jsonl).unwrap();
    let mut all = BTreeMap::new();
    for line in text.lines() {
        let mut r: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        r["run_id"] = Value::Null;
        r["object"]["uri"] = Value::Null;
        r["object"]["last_modified"] = Value::Null;
        let key = r["object"]["key"].as_str().unwrap().to_string();
        assert!(all.insert(key.clone(), r).is_none(), "{key} twice");
    }
    assert!(!all.is_empty(), "no records");
    all
}

/// What the host binary gives for the bundled samples.
fn host_records() -> BTreeMap<String, Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_trawl"))
        .arg("scan")
        .arg(repo().join("testdata/samples"))
        .args(["--format", "jsonl", "-q"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    records(&out.stdout)
}

fn check(what: &str, out: &Output) {
    assert!(
        out.status.success(),
        "{what}: {}\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// scripts/image with the binary under test.
fn image_script(context: &Path, extra: &[&str]) -> String {
    let out = Command::new("bash")
        .arg(repo().join("scripts/image"))
        .arg("--binary")
        .arg(env!("CARGO_BIN_EXE_trawl"))
        .arg("--context")
        .arg(context)
        .args(extra)
        .stderr(Stdio::inherit())
        .output()
        .unwrap();
    check("scripts/image", &out);
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// The root filesystem the image is made of, run as the image runs it: chrooted (as root), or
/// else through the staged dynamic loader with the staged libraries only.
#[test]
fn the_images_root_filesystem_scans_the_samples_like_the_host() {
    let dir = tempfile::tempdir().unwrap();
    let rootfs = PathBuf::from(image_script(dir.path(), &["--stage-only"]));
    for file in [
        "trawl",
        "etc/ssl/certs/ca-certificates.crt",
        "etc/passwd",
        "samples/customers.csv",
    ] {
        assert!(rootfs.join(file).is_file(), "{file} not staged");
    }
    let passwd = std::fs::read_to_string(rootfs.join("etc/passwd")).unwrap();
    assert!(passwd.contains(&format!(":{0}:{0}:", image_user())));

    // chroot needs root (CAP_SYS_CHROOT); the staged loader needs nothing.
    let chrooted = Command::new("chroot")
        .arg(format!("--userspec={0}:{0}", image_user()))
        .arg(&rootfs)
        .args(["/trawl", "scan", "/samples", "--format", "jsonl", "-q"])
        .output();
    let out = match chrooted {
        Ok(out) if out.status.success() => out,
        other => {
            let _ = writeln!(
                std::io::stderr(),
                "chroot refused ({other:?}): running the staged binary through the staged loader"
            );
            let loader = walkdir::WalkDir::new(&rootfs)
                .into_iter()
                .map(|e| e.unwrap().into_path())
                .find(|p| {
                    p.file_name()
                        .unwrap()
                        .to_string_lossy()
                        .starts_with("ld-linux")
                })
                .expect("the staged dynamic loader");
            let mut lib_dirs = BTreeSet::new();
            for entry in walkdir::WalkDir::new(&rootfs) {
                let entry = entry.unwrap();
                if entry.file_name().to_string_lossy().contains(".so") {
                    lib_dirs.insert(entry.path().parent().unwrap().to_path_buf());
                }
            }
            let lib_path = std::env::join_paths(&lib_dirs).unwrap();
            let out = Command::new(&loader)
                .arg("--inhibit-cache")
                .arg("--library-path")
                .arg(lib_path)
                .arg(rootfs.join("trawl"))
                .arg("scan")
                .arg(rootfs.join("samples"))
                .args(["--format", "jsonl", "-q"])
                .env_clear()
                .output()
                .unwrap();
            check("the staged loader", &out);
            out
        }
    };
    assert_eq!(records(&out.stdout), host_records());
}

fn podman_available() -> bool {
    Command::new("podman")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// podman run, with what this kind of host needs: runc where crun refuses cgroups v1 and v2
/// mounted together, and limits no higher than the host's (no CAP_SYS_RESOURCE to raise them).
fn podman_run(image: &str, extra: &[&str], args: &[&str]) -> Output {
    let mut c = Command::new("podman");
    if Command::new("runc")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        c.args(["--runtime", "runc"]);
    }
    c.args(["run", "--rm", "--network=none"])
        .args([
            "--ulimit",
            "nofile=4096:4096",
            "--ulimit",
            "nproc=4096:4096",
        ])
        .args(extra)
        .arg(image)
        .args(args)
        .output()
        .unwrap()
}

/// The image itself: built offline by scripts/image, `scan /samples` in it gives the host's
/// records, as the read-only, non-root container the Kubernetes manifests describe; and the
/// ConfigMap's job file is taken by `trawl job create` inside it, with the state where the
/// manifests put it.
#[test]
fn the_image_builds_offline_and_scans_the_samples_like_the_host() {
    let required = std::env::var("TRAWL_IMAGE_TEST").is_ok_and(|v| v == "1");
    if !podman_available() {
        assert!(!required, "no podman and TRAWL_IMAGE_TEST=1");
        let _ = writeln!(
            std::io::stderr(),
            "skipping: no podman (scripts/podman/install.sh installs it; the staged root \
             filesystem is still tested)"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let tag = format!("localhost/trawl:test-{}", std::process::id());
    let built = image_script(dir.path().join("context").as_path(), &["--tag", &tag]);
    assert_eq!(built, tag);
    struct Remove(String);
    impl Drop for Remove {
        fn drop(&mut self) {
            let _ = Command::new("podman")
                .args(["rmi", "--force", &self.0])
                .output();
        }
    }
    let _remove = Remove(tag.clone());

    let inspect = Command::new("podman")
        .args(["image", "inspect", &tag, "--format"])
        .arg("{{.Config.User}} {{json .Config.Entrypoint}}")
        .output()
        .unwrap();
    check("podman image inspect", &inspect);
    assert_eq!(
        String::from_utf8_lossy(&inspect.stdout).trim(),
        format!("{0}:{0} [\"/trawl\"]", image_user())
    );

    let out = podman_run(
        &tag,
        &["--read-only", "--tmpfs", "/tmp"],
        &["scan", "/samples", "--format", "jsonl", "-q"],
    );
    check("podman run scan /samples", &out);
    assert_eq!(records(&out.stdout), host_records());

    let k8s = kubernetes();
    let (_, key, text) = configmap_job_file(&k8s);
    let etc = dir.path().join("etc");
    std::fs::create_dir(&etc).unwrap();
    std::fs::write(etc.join(&key), text).unwrap();
    let mount = format!("{}:/etc/trawl:ro", etc.display());
    let file = format!("/etc/trawl/{key}");
    let out = podman_run(
        &tag,
        &["-v", &mount],
        &["job", "create", &file, "--state", "/var/lib/trawl/state.db"],
    );
    check("podman run job create", &out);
}
