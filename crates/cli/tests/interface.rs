//! The surface a person meets: completions and the manual page, paths as given, colour only
//! where wanted, and errors that are one line a person understands, said once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};

const CARD: &str = "credit card number: 4539 2274 2374 7675";

fn trawl() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_trawl"));
    c.env_remove("NO_COLOR");
    c
}

fn out(c: &mut Command) -> (Output, String, String) {
    let o = c.output().unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    (o, stdout, stderr)
}

#[test]
fn completions_for_each_shell_and_a_manual_page() {
    for (shell, marker) in [
        ("bash", "complete -F _trawl"),
        ("zsh", "#compdef trawl"),
        ("fish", "complete -c trawl"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let (o, text, _) = out(trawl().args(["completions", shell]));
        assert!(o.status.success(), "{shell}");
        assert!(
            text.contains(marker),
            "{shell}: {}",
            &text[..200.min(text.len())]
        );
        assert!(
            text.contains("findings"),
            "{shell}: subcommands are completed"
        );
    }
    let (o, man, _) = out(trawl().arg("man"));
    assert!(o.status.success());
    assert!(
        man.starts_with(".ie") || man.contains(".TH trawl"),
        "{}",
        &man[..200]
    );
    assert!(man.contains("scan"));
}

fn tree(dir: &Path) {
    std::fs::create_dir_all(dir.join("data/sub")).unwrap();
    std::fs::write(dir.join("data/sub/a.txt"), format!("{CARD}\n")).unwrap();
}

#[test]
fn paths_are_shown_as_given_and_colour_only_when_wanted() {
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path());
    // Relative to the target as given, as ripgrep shows them.
    let (o, text, _) = out(trawl().current_dir(dir.path()).args(["scan", "data", "-q"]));
    assert!(o.status.success());
    assert!(text.contains("HIGH   data/sub/a.txt"), "{text}");
    assert!(!text.contains("file://"), "{text}");
    assert!(!text.contains('\u{1b}'), "no colour in a pipe: {text:?}");
    let (_, text, _) =
        out(trawl()
            .current_dir(dir.path())
            .args(["scan", "./data/sub/a.txt", "-q"]));
    assert!(text.contains("HIGH   ./data/sub/a.txt"), "{text}");
    // Colour when asked; NO_COLOR keeps `auto` plain.
    let (_, text, _) = out(trawl()
        .current_dir(dir.path())
        .args(["scan", "data", "-q", "--color", "always"]));
    assert!(text.contains("\u{1b}[31"), "red HIGH: {text:?}");
    assert!(text.contains("data/sub/a.txt"));
    let (_, text, _) = out(trawl()
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .args(["scan", "data", "-q", "--color", "auto"]));
    assert!(!text.contains('\u{1b}'));
}

/// No `Debug` structure of a library error reaches a person.
fn assert_readable(stderr: &str) {
    for bad in [
        "Some(",
        "ConnectorError",
        "CredentialsNotLoaded {",
        "{ kind",
        "source:",
    ] {
        assert!(!stderr.contains(bad), "{bad:?} in:\n{stderr}");
    }
}

#[test]
fn no_credentials_is_one_line_said_once() {
    let home = tempfile::tempdir().unwrap();
    let (o, _, err) = out(Command::new(env!("CARGO_BIN_EXE_trawl"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .args([
            "scan",
            "s3://some-bucket",
            "--endpoint-url",
            "http://127.0.0.1:9",
            "--allow-insecure-endpoint",
            "-q",
        ]));
    assert_eq!(o.status.code(), Some(2));
    assert_readable(&err);
    let errors: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("trawl: error:"))
        .collect();
    assert_eq!(errors.len(), 2, "{err}");
    assert!(
        errors[0]
            .contains("cannot scan s3://some-bucket: no AWS credentials found: set AWS_PROFILE"),
        "{err}"
    );
    assert!(errors[0].contains("--no-sign-request"), "{err}");
    assert!(!errors[1].contains("credentials"), "said once: {err}");
    assert!(
        !err.contains("attempts)") || err.contains("after 1 attempt"),
        "{err}"
    );
}

#[test]
fn an_unreachable_endpoint_names_the_cause() {
    let (o, _, err) = out(trawl()
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .args([
            "scan",
            "s3://some-bucket",
            "--endpoint-url",
            "http://127.0.0.1:9",
            "--allow-insecure-endpoint",
            "--region",
            "us-east-1",
            "-q",
        ]));
    assert_eq!(o.status.code(), Some(2));
    assert_readable(&err);
    let first = err
        .lines()
        .find(|l| l.starts_with("trawl: error: cannot scan"))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(
        first.to_ascii_lowercase().contains("connection refused") || first.contains("onnect"),
        "{first}"
    );
}

#[test]
fn bad_flags_say_what_is_wrong() {
    let (o, _, err) = out(trawl().args(["scan", "x", "--time-budget", "soon"]));
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err.contains("--time-budget") && err.contains("soon"),
        "{err}"
    );
    let (o, _, err) = out(trawl().args(["scan", "x", "--color", "sometimes"]));
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err.contains("possible values: auto, always, never"),
        "{err}"
    );
}

#[test]
fn a_dry_run_reads_nothing_and_says_what_a_scan_would() {
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path());
    std::fs::write(dir.path().join("data/b.csv"), "name,ssn\nx,1\n").unwrap();
    std::fs::create_dir_all(dir.path().join("data/tmp")).unwrap();
    std::fs::write(dir.path().join("data/tmp/big.log"), "x".repeat(4096)).unwrap();
    // An unreadable file would be SKIPPED by a scan; a dry run never opens it.
    let (o, text, err) = out(trawl().current_dir(dir.path()).args([
        "scan",
        "data",
        "--dry-run",
        "--exclude-prefix",
        "tmp/",
        "-j",
        "2",
    ]));
    assert!(o.status.success(), "{err}");
    assert!(
        text.contains("dry run: nothing was read; a scan would read 2 objects"),
        "{text}"
    );
    assert!(
        text.contains("left out: exclude: key prefix 1 (4.0 KiB)"),
        "{text}"
    );
    assert!(text.contains("by format (from names): "), "{text}");
    assert!(
        text.contains("estimate: under a second at 624 MB/s"),
        "{text}"
    );
    assert!(!text.contains("HIGH"), "no findings: nothing read: {text}");
    let (_, json, _) = out(trawl().current_dir(dir.path()).args([
        "scan",
        "data",
        "--dry-run",
        "--format",
        "jsonl",
    ]));
    let plan: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
    assert_eq!(plan["scanned"]["objects"], 3);
    assert_eq!(plan["by_storage_class"]["local"]["objects"], 3);
}

/// Python: runs argv[1:] on a pseudo-terminal 160 columns wide (set before the program starts,
/// so that its progress line is never cut at a default 80 columns), copies all it drew to
/// standard output and exits with its status.
const PTY_160: &str = r#"
import fcntl, os, pty, struct, sys, termios
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 160, 0, 0))
    os.execv(sys.argv[1], sys.argv[1:])
out = bytearray()
while True:
    try:
        chunk = os.read(fd, 65536)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
sys.stdout.buffer.write(out)
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
"#;

/// Runs `trawl ARGS` under a pseudo-terminal, returning all it drew.
fn under_pty(dir: &Path, args: &[&str]) -> String {
    let o = Command::new("python3")
        .current_dir(dir)
        .arg("-c")
        .arg(PTY_160)
        .arg(env!("CARGO_BIN_EXE_trawl"))
        .args(args)
        .env("COLUMNS", "160")
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn progress_shows_on_a_terminal_and_not_in_a_pipe() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    for i in 0..20 {
        let text = format!("{}\n{CARD}\n", "filler line of text\n".repeat(20_000));
        std::fs::write(dir.path().join(format!("data/f{i:02}.txt")), text).unwrap();
    }
    let drawn = under_pty(dir.path(), &["scan", "data", "-q", "--format", "jsonl"]);
    assert!(
        drawn.contains("objects") && drawn.contains("MEDIUM 0"),
        "no progress on a terminal: {}",
        &drawn[..drawn.len().min(400)]
    );
    let never = under_pty(
        dir.path(),
        &[
            "scan",
            "data",
            "-q",
            "--format",
            "jsonl",
            "--progress",
            "never",
        ],
    );
    assert!(!never.contains("MEDIUM 0"), "--progress never drew");
    // In a pipe: nothing, unless asked.
    let (o, _, err) = out(trawl().current_dir(dir.path()).args(["scan", "data", "-q"]));
    assert!(o.status.success());
    assert!(!err.contains("MEDIUM 0") && !err.contains('\r'), "{err}");
}

#[test]
fn progress_asked_for_in_a_pipe_is_plain_lines() {
    use std::io::Write;
    // Standard input fed slowly: the scan lasts about two seconds.
    let mut child = trawl()
        .args(["scan", "-", "-q", "--progress", "always"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    for _ in 0..20 {
        stdin.write_all(format!("{CARD}\n").as_bytes()).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    drop(stdin);
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("trawl: progress: "))
        .collect();
    assert!(!lines.is_empty(), "{err}");
    assert!(
        lines[0].contains("objects") && lines[0].contains("listed"),
        "{err}"
    );
    assert!(
        lines[0].contains("HIGH") && lines[0].contains("LOW"),
        "{err}"
    );
    assert!(!err.contains('\r') && !err.contains('\u{1b}'), "{err:?}");
}

#[test]
fn a_job_run_shows_progress_on_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    for i in 0..10 {
        let text = format!("{}\n{CARD}\n", "filler line of text\n".repeat(20_000));
        std::fs::write(dir.path().join(format!("data/f{i:02}.txt")), text).unwrap();
    }
    std::fs::write(
        dir.path().join("job.toml"),
        "name = \"progress\"\ntargets = [\"data\"]\n",
    )
    .unwrap();
    let state = dir.path().join("state.db");
    let o = trawl()
        .current_dir(dir.path())
        .env("TRAWL_STATE", &state)
        .args(["job", "create", "job.toml"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = Command::new("python3")
        .current_dir(dir.path())
        .env("TRAWL_STATE", &state)
        .arg("-c")
        .arg(PTY_160)
        .arg(env!("CARGO_BIN_EXE_trawl"))
        .args(["job", "run", "progress", "-q"])
        .output()
        .unwrap();
    let drawn = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{drawn}");
    assert!(
        drawn.contains("objects") && drawn.contains("MEDIUM 0"),
        "{drawn}"
    );
}

/// An S3 endpoint on 127.0.0.1 that answers every request with `status` and an S3 error body.
fn answering(status: &'static str, headers: &'static str, code: &'static str) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { return };
            let mut buf = [0u8; 8192];
            let _ = s.read(&mut buf);
            let body = format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code>\
                 <Message>refused by the test server</Message><RequestId>1</RequestId></Error>"
            );
            let _ = write!(
                s,
                "HTTP/1.1 {status}\r\n{headers}Content-Type: application/xml\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    format!("http://{addr}")
}

fn scan_s3_at(endpoint: &str) -> String {
    let (o, _, err) = out(trawl()
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .args([
            "scan",
            "s3://some-bucket",
            "--endpoint-url",
            endpoint,
            "--allow-insecure-endpoint",
            "--region",
            "us-east-1",
            "-q",
        ]));
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_readable(&err);
    let errors: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("trawl: error:"))
        .collect();
    assert_eq!(errors.len(), 2, "{err}");
    errors[0].to_string()
}

#[test]
fn access_denied_wrong_region_and_no_such_bucket_say_what_to_do() {
    let denied = scan_s3_at(&answering("403 Forbidden", "", "AccessDenied"));
    assert!(
        denied.starts_with("trawl: error: cannot scan s3://some-bucket: HTTP 403: AccessDenied"),
        "{denied}"
    );
    assert!(
        denied.contains("needs s3:ListBucket on the bucket"),
        "{denied}"
    );
    let moved = scan_s3_at(&answering(
        "301 Moved Permanently",
        "x-amz-bucket-region: eu-west-2\r\n",
        "PermanentRedirect",
    ));
    assert!(
        moved.contains("the bucket is in region eu-west-2: pass --region eu-west-2"),
        "{moved}"
    );
    let missing = scan_s3_at(&answering("404 Not Found", "", "NoSuchBucket"));
    assert!(missing.contains("no bucket by that name"), "{missing}");
    let unreachable = scan_s3_at("http://127.0.0.1:9");
    assert!(
        unreachable.contains("check --endpoint-url"),
        "{unreachable}"
    );
}
