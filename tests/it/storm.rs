//! A storm of long-tail requests (issue #18): the real binary within its memory budget sheds
//! what it cannot take with 503 + Retry-After and gives the memory back afterwards; a seed
//! change is published while a long render is under way.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::support::{Process, Server, config_text, request, seed, write};

/// `count` seeds of about `kib` KiB of article each, a minute apart.
fn long_seeds(count: usize, kib: usize) -> Vec<(String, String)> {
    (0..count)
        .map(|i| {
            let paragraph = format!("<p>Paragraph of article {i}, long enough to weigh. </p>");
            let body = paragraph.repeat(kib * 1024 / paragraph.len());
            let link = format!("https://cn.nytimes.com/world/{i}/");
            let text = seed(
                &format!("Story {i}"),
                &link,
                1_600_000_000_000 + i as i64 * 60_000,
                &body,
            );
            (format!("d{}/{i:03}.txt", i % 3), text)
        })
        .collect()
}

/// Distinct long-tail URLs: filtered views of every feed, month archives, entry-less months.
fn storm_paths(n: usize) -> String {
    let feed = ["/", "/d0/", "/d1/", "/d2/"][n % 4];
    let format = ["rss.xml", "atom.xml", "feed.json"][n / 4 % 3];
    match n % 3 {
        0 => format!("{feed}{format}?limit={}", 20 + n % 480),
        1 => format!("{feed}{format}?q=story&limit={}", 1 + n % 499),
        _ => format!(
            "{feed}{format}?since=2020-09-{:02}&limit={}",
            1 + n % 28,
            5 + n % 490
        ),
    }
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

#[test]
fn a_storm_is_shed_within_the_memory_budget_and_the_memory_comes_back() {
    const BUDGET_MB: u64 = 32;
    let dir = tempfile::tempdir().unwrap();
    let seeds = dir.path().join("seeds");
    for (name, text) in long_seeds(60, 30) {
        write(&seeds.join(name), text.as_bytes());
    }
    let config = dir.path().join("config.toml");
    let text = config_text(&std::fs::canonicalize(&seeds).unwrap(), 20).replace(
        "workers = 1",
        &format!("workers = 2\nmemory_budget_mb = {BUDGET_MB}"),
    );
    std::fs::write(&config, text).unwrap();
    let process = Process::start(&config);
    let base = format!("http://{}", process.address);
    for path in ["/rss.xml", "/d0/atom.xml", "/", "/status"] {
        assert_eq!(request("GET", &format!("{base}{path}"), &[]).status, 200);
    }
    std::thread::sleep(Duration::from_millis(500));
    let steady = rss_kib(process.pid());

    let storming = AtomicBool::new(true);
    let peak = Mutex::new(steady);
    let answers = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        scope.spawn(|| {
            while storming.load(Ordering::SeqCst) {
                let now = rss_kib(process.pid());
                let mut peak = peak.lock().unwrap();
                *peak = (*peak).max(now);
                drop(peak);
                std::thread::sleep(Duration::from_millis(10));
            }
        });
        let clients: Vec<_> = (0..8)
            .map(|client| {
                let (base, answers) = (&base, &answers);
                scope.spawn(move || {
                    for n in (client..160).step_by(8) {
                        let response = request("GET", &format!("{base}{}", storm_paths(n)), &[]);
                        let retry = response.header("retry-after").map(str::to_string);
                        let body = String::from_utf8_lossy(&response.body).into_owned();
                        answers.lock().unwrap().push((response.status, retry, body));
                    }
                })
            })
            .collect();
        for client in clients {
            client.join().unwrap();
        }
        storming.store(false, Ordering::SeqCst);
    });
    let answers = answers.into_inner().unwrap();
    let shed = answers.iter().filter(|(status, ..)| *status == 503).count();
    for (status, retry, body) in &answers {
        assert!(*status == 200 || *status == 503, "{status}");
        if *status == 503 {
            assert_eq!(retry.as_deref(), Some("5"), "a 503 says when to come back");
            // Which of the three: the queue, the memory, the render deadline.
            assert!(
                body.starts_with("busy: ") && body.ends_with("; try again\n"),
                "a 503 says why: {body:?}"
            );
        }
    }
    assert!(
        shed > 0,
        "a storm on a {BUDGET_MB} MB budget sheds some requests"
    );
    assert!(shed < answers.len(), "and serves others");
    let peak = peak.into_inner().unwrap();
    let status = request("GET", &format!("{base}/status"), &[]);
    let status: serde_json::Value = serde_json::from_slice(&status.body).unwrap();
    let long_tail = &status["long_tail"];
    eprintln!(
        "storm: {} requests, {shed} shed; resident {steady} KiB, peak {peak} KiB; {long_tail}",
        answers.len()
    );
    assert!(
        peak <= steady + BUDGET_MB * 1024,
        "peak {peak} KiB over the steady {steady} KiB + the {BUDGET_MB} MB budget"
    );
    // The tail is within its budget; every shed request was counted.
    assert!(long_tail["bytes"].as_u64().unwrap() <= BUDGET_MB << 20);
    assert!(long_tail["shed"].as_u64().unwrap() >= shed as u64);
    // One-off documents expire within seconds, and the memory they held goes back.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let now = rss_kib(process.pid());
        if now <= steady + steady / 10 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "resident {now} KiB 20 s after the storm, steady {steady} KiB"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    assert!(!process.log().contains("panicked"), "{}", process.log());
}

#[test]
fn a_change_is_published_while_a_long_render_is_under_way() {
    let files = long_seeds(90, 25);
    let files: Vec<(&str, String)> = files.iter().map(|(n, t)| (n.as_str(), t.clone())).collect();
    let server = Server::with_files(&files, 20);
    let long_render = |n: usize| {
        let url = format!("{}/atom.xml?limit={}&q=story", server.base, 400 + n);
        let started = Instant::now();
        assert_eq!(request("GET", &url, &[]).status, 200);
        started.elapsed()
    };
    // How long such a render takes here (a debug build on a loaded machine: seconds).
    let alone = long_render(0);
    let (during, seen) = std::thread::scope(|scope| {
        let render = scope.spawn(|| long_render(1));
        // The render has started: the update thread planned it in a few milliseconds.
        std::thread::sleep(Duration::from_millis(100));
        let seen = server.break_news("d0");
        (render.join().unwrap(), seen)
    });
    eprintln!("long render alone {alone:?}, with a change {during:?}; the change seen in {seen:?}");
    // Had the change waited for the render, it would have taken most of it.
    assert!(
        seen < alone.min(during) / 2,
        "the change took {seen:?}, a render {alone:?}"
    );
}
