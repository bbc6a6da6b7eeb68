//! The binary: bad configs are refused with exit status 2 and a message naming the key.

use std::fs;
use std::process::Command;

use crate::support::{PROJECT_SEEDS, config_text};

fn run(args: &[&str], config: &str) -> (Option<i32>, String) {
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
    (output.status.code(), text)
}

#[test]
fn bad_configs_exit_2_naming_the_key_and_line() {
    let good = config_text(std::path::Path::new(PROJECT_SEEDS), 50);
    let cases = [
        (
            good.replace("limit = 50", "limit = 50\nlimt = 3"),
            "[feed] limt",
            "line 16",
        ),
        (
            good.replace("limit = 50", "limit = \"fifty\""),
            "[feed] limit",
            "line 15",
        ),
        (
            good.replace("http://127.0.0.1:8080/", "feeds/"),
            "[feed] base_url",
            "line 12",
        ),
        (
            good.replace("Asia/Shanghai", "Asia/Atlantis"),
            "[seeds] timezone",
            "line 6",
        ),
        (
            good.replace(PROJECT_SEEDS, "/no/such/folder"),
            "[seeds] dir",
            "line 5",
        ),
        (good.replace("[server]", "[sever]"), "sever", "line 1"),
    ];
    for (config, key, line) in cases {
        let (code, output) = run(&["serve"], &config);
        assert_eq!(code, Some(2), "{key}: {output}");
        assert!(
            output.contains(key) && output.contains(line),
            "{key} {line}: {output}"
        );
    }
}

#[test]
fn check_passes_on_the_project_seeds() {
    let (code, output) = run(
        &["check"],
        &config_text(std::path::Path::new(PROJECT_SEEDS), 50),
    );
    assert_eq!(code, Some(0), "{output}");
    assert!(output.contains("0 rejected"), "{output}");
    let (code, _) = run(&["check"], "not toml at all [");
    assert_eq!(code, Some(1));
}
