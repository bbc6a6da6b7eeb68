//! The binary: bad configs are refused with exit status 2 and a message naming the key.

use std::fs;
use std::process::Command;

use crate::support::{PROJECT_SEEDS, config_text};

/// Runs the binary on `config` written to a temp `config.toml`; exit code, stdout + stderr,
/// and the config's path (error messages name it).
fn run(args: &[&str], config: &str) -> (Option<i32>, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    fs::write(&path, config).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_seedfeed"))
        .args(args)
        .arg("--config")
        .arg(&path)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code(), text, path.display().to_string())
}

/// The whole output is compared, so "line 1" cannot pass for "line 15" nor a key for another.
/// Lines of `config_text`: 1 [server], 2 bind, 3 workers, 4 [seeds], 5 dir, 6 timezone,
/// 7 debounce_ms, 8 cache, 9 [feed], 10 title, 11 description, 12 base_url, 13 site_url,
/// 14 language, 15 limit.
#[test]
fn bad_configs_exit_2_naming_the_key_and_line() {
    let good = config_text(std::path::Path::new(PROJECT_SEEDS), 50);
    let cases = [
        (
            good.replace("limit = 50", "limit = 50\nlimt = 3"),
            "line 16: [feed] limt: unknown field `limt`, expected one of `title`, `description`, \
             `site_url`, `language`, `limit`, `icon`, `logo`, `rights`, `ttl`, `base_url`, `authors`",
        ),
        (
            good.replace("workers = 1", "workers = 1\ncolour = 3"),
            "line 4: [server] colour: unknown field `colour`, expected one of `bind`, `workers`, \
             `cache_max_age`, `request_timeout_ms`, `max_connections`, `memory_budget_mb`, \
             `operator_networks`, `operator_bind`",
        ),
        (
            good.replace(
                "workers = 1",
                "workers = 1\noperator_networks = [\"10.0.0.0/33\"]",
            ),
            "line 4: [server] operator_networks: the prefix length of \"10.0.0.0/33\" must be 0 to 32",
        ),
        (
            good.replace(
                "workers = 1",
                "workers = 1\noperator_bind = \"localhost:9090\"",
            ),
            "line 4: [server] operator_bind: expected IP:PORT such as \"127.0.0.1:8080\", got \"localhost:9090\"",
        ),
        (
            good.replace("limit = 50", "limit = \"fifty\""),
            "line 15: [feed] limit: invalid type: string \"fifty\", expected usize",
        ),
        (
            good.replace("workers = 1", "workers = \"two\""),
            "line 3: [server] workers: invalid type: string \"two\", expected usize",
        ),
        (
            good.replace("debounce_ms = 20", "debounce_ms = -5"),
            "line 7: [seeds] debounce_ms: invalid value: integer `-5`, expected u64",
        ),
        (
            good.replace("limit = 50", "limit = 0"),
            "line 15: [feed] limit: must be 1 to 100000, got 0",
        ),
        (
            good.replace("http://127.0.0.1:8080/", "feeds/"),
            "line 12: [feed] base_url: must be an absolute http(s) URL, got \"feeds/\"",
        ),
        (
            good.replace("Asia/Shanghai", "Asia/Atlantis"),
            "line 6: [seeds] timezone: unknown IANA time zone \"Asia/Atlantis\" \
             (e.g. \"Asia/Shanghai\", \"UTC\")",
        ),
        (
            good.replace(PROJECT_SEEDS, "/no/such/folder"),
            "line 5: [seeds] dir: folder /no/such/folder does not exist",
        ),
        (
            good.replace("[server]", "[sever]"),
            "line 1: [sever]: unknown field `sever`, expected one of `server`, `log`, `seeds`, `feed`, `outlets`, `feeds`, `websub`",
        ),
        (
            good.replace("limit = 50", "limit = 50\n[feed.extra]\nx = 1"),
            "line 16: [feed.extra]: unknown field `extra`, expected one of `title`, \
             `description`, `site_url`, `language`, `limit`, `icon`, `logo`, `rights`, `ttl`, \
             `base_url`, `authors`",
        ),
        (
            good.replace("title = \"Test feed\"\n", ""),
            "line 9: [feed] title: missing field `title`",
        ),
        (
            format!(
                "{good}[[feed.authors]]\nname = \"A\"\nemail = \"a@example.com\"\n\
                     [[feed.authors]]\nname = \"B\"\nemail = \"b at example\"\n"
            ),
            "line 21: [feed.authors] email: not an e-mail address: \"b at example\"",
        ),
    ];
    for (config, expected) in cases {
        let (code, output, path) = run(&["serve"], &config);
        assert_eq!(code, Some(2), "{expected}: {output}");
        assert_eq!(output, format!("error: {path} {expected}\n"), "{config}");
    }
}

#[test]
fn check_passes_on_the_project_seeds() {
    let (code, output, _) = run(
        &["check"],
        &config_text(std::path::Path::new(PROJECT_SEEDS), 50),
    );
    assert_eq!(code, Some(0), "{output}");
    assert!(output.contains("0 rejected"), "{output}");
    let (code, _, _) = run(&["check"], "not toml at all [");
    assert_eq!(code, Some(1));
}

#[test]
fn init_writes_a_commented_config_that_check_accepts_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let seeds = dir.path().join("my archive");
    for i in 0..3 {
        crate::support::write(
            &seeds.join(format!("nyt/{i}.txt")),
            crate::support::numbered_seed(i, "Story").as_bytes(),
        );
    }
    let config = dir.path().join("config.toml");
    let seedfeed = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_seedfeed"))
            .arg("--config")
            .arg(&config)
            .args(args)
            .output()
            .unwrap()
    };
    let written = seedfeed(&["init", "my archive"]);
    assert!(written.status.success(), "{written:?}");
    let text = fs::read_to_string(&config).unwrap();
    // The three keys a start needs, and the rest commented out.
    assert!(text.contains("dir = \"my archive\""), "{text}");
    assert!(text.contains("title = \"my archive\""), "{text}");
    assert!(
        text.contains("base_url = \"http://127.0.0.1:8080/\""),
        "{text}"
    );
    assert!(text.contains("# operator_networks"), "{text}");
    let checked = seedfeed(&["check"]);
    let said = String::from_utf8_lossy(&checked.stdout);
    assert!(checked.status.success(), "{said}");
    assert!(said.contains("3 entries, 0 rejected"), "{said}");
    // A second init leaves the file as it is.
    fs::write(&config, "# mine\n").unwrap();
    let again = seedfeed(&["init", "my archive"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists already"));
    assert_eq!(fs::read_to_string(&config).unwrap(), "# mine\n");
}

#[test]
fn version_names_the_commit_it_was_built_from() {
    let output = Command::new(env!("CARGO_BIN_EXE_seedfeed"))
        .arg("--version")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&output.stdout).trim().to_string();
    let expected_commit = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    let version = env!("CARGO_PKG_VERSION");
    match expected_commit {
        // Built from this checkout: its HEAD (the build script reruns when HEAD moves).
        Some(commit) => assert_eq!(said, format!("seedfeed {version} ({commit})")),
        None => assert!(said.starts_with(&format!("seedfeed {version} (")), "{said}"),
    }
}

#[test]
fn json_logs_are_one_object_a_line() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    let config = config_text(std::path::Path::new(PROJECT_SEEDS), 50)
        .replace("[seeds]", "[log]\nformat = \"json\"\n[seeds]");
    fs::write(&path, config).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_seedfeed"))
        .arg("--config")
        .arg(&path)
        .env("SEEDFEED_LOG", "info")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = Vec::new();
    for line in BufReader::new(child.stderr.take().unwrap()).lines() {
        let line = line.unwrap();
        let serving = line.contains("serving");
        lines.push(line);
        if serving {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(lines.len() >= 2, "{lines:?}");
    for line in &lines {
        let object: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        let level = object["level"].as_str().unwrap_or_default();
        assert!(["INFO", "WARN"].contains(&level), "{line}");
        assert!(object["timestamp"].is_string(), "{line}");
        assert!(object["fields"]["message"].is_string(), "{line}");
    }
    let serving: serde_json::Value = serde_json::from_str(lines.last().unwrap()).unwrap();
    assert!(
        serving["fields"]["addr"]
            .as_str()
            .unwrap()
            .starts_with("127.0.0.1:")
    );
}
