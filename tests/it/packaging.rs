//! `contrib/`: the systemd unit (checked by `systemd-analyze verify` where it is installed),
//! the Dockerfile and the config both use.

use std::path::Path;
use std::process::Command;

const CONTRIB: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/contrib");

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn the_systemd_unit_is_locked_down_and_verifies() {
    let unit = read(&format!("{CONTRIB}/seedfeed.service"));
    for setting in [
        "DynamicUser=yes",
        "ProtectSystem=strict",
        "StateDirectory=seedfeed",
        "NoNewPrivileges=yes",
        "ExecStart=/usr/local/bin/seedfeed serve --config /etc/seedfeed/config.toml",
    ] {
        assert!(
            unit.lines().any(|line| line == setting),
            "the unit lacks {setting}"
        );
    }
    let Ok(verify) = Command::new("systemd-analyze").arg("--version").output() else {
        eprintln!("systemd-analyze is not installed: the unit's settings were not verified");
        return;
    };
    assert!(verify.status.success());
    // The unit as installed, its binary the one just built (verify checks it is executable).
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("seedfeed.service");
    let built = unit.replace("/usr/local/bin/seedfeed", env!("CARGO_BIN_EXE_seedfeed"));
    std::fs::write(&path, built).unwrap();
    let output = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(&path)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&output.stderr).to_string()
        + &String::from_utf8_lossy(&output.stdout);
    // verify exits 0 on a setting it ignores, but says so.
    assert!(output.status.success() && said.trim().is_empty(), "{said}");
}

#[test]
fn the_container_is_multi_stage_runs_unprivileged_and_its_config_is_valid() {
    let dockerfile = read(concat!(env!("CARGO_MANIFEST_DIR"), "/Dockerfile"));
    let stages = dockerfile
        .lines()
        .filter(|l| l.starts_with("FROM "))
        .count();
    assert!(stages >= 2, "a build stage and a run stage");
    let user = dockerfile
        .lines()
        .rev()
        .find_map(|line| line.strip_prefix("USER "))
        .expect("a USER line");
    assert!(
        !user.starts_with("root") && !user.starts_with('0'),
        "runs as {user}"
    );
    assert!(
        dockerfile.contains("VOLUME [\"/srv/seeds\""),
        "the seeds are a volume"
    );
    // The config the image (and the unit's example) ships is one the server accepts.
    let config = read(&format!("{CONTRIB}/config.toml"));
    let parsed = seedfeed::config::Config::parse(&config, Path::new("/etc/seedfeed"))
        .unwrap_or_else(|e| panic!("contrib/config.toml: {e}"));
    assert_eq!(parsed.seeds.dir, Path::new("/srv/seeds"));
    assert_eq!(
        parsed.seeds.cache.as_deref(),
        Some(Path::new("/var/lib/seedfeed/index")),
        "the cache goes to the state directory, the only place written"
    );
}
