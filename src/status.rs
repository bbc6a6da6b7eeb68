//! `GET /status`: the operator's view as JSON — entries, every rejected seed with its reason,
//! when the last change was applied and the last full rescan ran, how the folder is watched,
//! and what the long tail holds within its memory budget. Rendered by the update loop with
//! each published state, like the feeds (and once a second at most when only the long tail's
//! figures moved).

use std::path::PathBuf;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::tail::Load;

/// Rejections listed in full up to this many; the count is always exact.
const REJECTED_SHOWN: usize = 1000;

#[derive(Debug, Clone)]
pub struct Status {
    pub folder: PathBuf,
    /// False while the seeds folder is deleted or moved away (the last good state is served).
    pub folder_present: bool,
    /// "native", "poll", or "none" while the folder is missing.
    pub watcher: &'static str,
    pub started: DateTime<Utc>,
    pub last_change: Option<DateTime<Utc>>,
    pub last_rescan: Option<DateTime<Utc>>,
    /// Seeds whose key the start took from the on-disk index cache rather than a parse;
    /// `None` (null) while a restart is still checking the folder against the cache.
    pub started_from_cache: Option<usize>,
    pub entries: usize,
    /// Seeds whose authors the background read has still to take (author feeds answer 503
    /// until it is 0).
    pub authors_unread: usize,
    /// Path and reason, in path order.
    pub rejected: Vec<(PathBuf, String)>,
    /// What the long tail held and let in when this was rendered.
    pub long_tail: Load,
}

#[derive(Serialize)]
struct Json<'a> {
    folder: String,
    folder_present: bool,
    watcher: &'a str,
    started: String,
    last_change: Option<String>,
    last_rescan: Option<String>,
    started_from_cache: Option<usize>,
    entries: usize,
    authors_unread: usize,
    rejected_count: usize,
    rejected: Vec<Rejected>,
    long_tail: LongTail,
}

/// The long tail's figures, bytes and counts as they are.
#[derive(Serialize)]
struct LongTail {
    memory_budget_bytes: usize,
    /// Documents cached and their bytes (every coding).
    documents: usize,
    bytes: usize,
    /// Documents let go of while still being sent or compressed.
    pinned_bytes: usize,
    /// Reserved for the output of renders admitted and not done.
    reserved_bytes: usize,
    compress_queue: usize,
    compress_queue_bytes: usize,
    renders_waiting: usize,
    /// Requests answered 503 for lack of room, since start.
    shed: u64,
    /// Documents dropped to fit the budget, and for sitting unused, since start.
    evicted: u64,
    expired: u64,
}

#[derive(Serialize)]
struct Rejected {
    path: String,
    reason: String,
}

pub fn render(status: &Status) -> Vec<u8> {
    let time = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Millis, true);
    let json = Json {
        folder: status.folder.display().to_string(),
        folder_present: status.folder_present,
        watcher: status.watcher,
        started: time(status.started),
        last_change: status.last_change.map(time),
        last_rescan: status.last_rescan.map(time),
        started_from_cache: status.started_from_cache,
        authors_unread: status.authors_unread,
        entries: status.entries,
        rejected_count: status.rejected.len(),
        rejected: status
            .rejected
            .iter()
            .take(REJECTED_SHOWN)
            .map(|(path, reason)| Rejected {
                // Paths are shown as they are; invalid UTF-8 in a name becomes U+FFFD.
                path: path.to_string_lossy().into_owned(),
                reason: reason.clone(),
            })
            .collect(),
        long_tail: long_tail(&status.long_tail),
    };
    // Plain strings and numbers: serialising cannot fail.
    let mut out = serde_json::to_vec_pretty(&json).unwrap_or_default();
    out.push(b'\n');
    out
}

fn long_tail(load: &Load) -> LongTail {
    LongTail {
        memory_budget_bytes: load.budget,
        documents: load.documents,
        bytes: load.bytes,
        pinned_bytes: load.pinned,
        reserved_bytes: load.reserved,
        compress_queue: load.compress_queue,
        compress_queue_bytes: load.compress_queue_bytes,
        renders_waiting: load.renders_waiting,
        shed: load.shed,
        evicted: load.evicted,
        expired: load.expired,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_rejections_with_reasons_and_counts_them_all() {
        let status = Status {
            folder: "/seeds".into(),
            folder_present: true,
            watcher: "native",
            started: DateTime::UNIX_EPOCH,
            last_change: None,
            last_rescan: Some(DateTime::UNIX_EPOCH),
            started_from_cache: Some(0),
            authors_unread: 0,
            entries: 3,
            rejected: (0..1500)
                .map(|i| {
                    (
                        PathBuf::from(format!("/seeds/{i}.txt")),
                        "empty file".into(),
                    )
                })
                .collect(),
            long_tail: Load {
                shed: 7,
                ..Load::default()
            },
        };
        let json: serde_json::Value = serde_json::from_slice(&render(&status)).unwrap();
        assert_eq!(json["entries"], 3);
        assert_eq!(json["rejected_count"], 1500);
        assert_eq!(json["rejected"].as_array().unwrap().len(), REJECTED_SHOWN);
        assert_eq!(json["rejected"][0]["reason"], "empty file");
        assert_eq!(json["last_change"], serde_json::Value::Null);
        assert_eq!(json["last_rescan"], "1970-01-01T00:00:00.000Z");
        assert_eq!(json["long_tail"]["shed"], 7);
    }
}
