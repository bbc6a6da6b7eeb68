//! WebSub publisher (https://www.w3.org/TR/websub/): after a change, each configured hub is told
//! which feed URLs changed (`hub.mode=publish`, `hub.url=…`), so subscribers hear of it at once
//! instead of at their next poll. One background thread; the update loop only hands it URLs and
//! never waits. A busy thread gathers the URLs that keep changing into one set, so a burst of
//! changes costs one ping per feed and hub, not one per change.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread;
use std::time::{Duration, Instant};

use tracing::{debug, warn};
use url::Url;

use crate::metrics::Metrics;

/// Tries per ping; between them 1 s, then 2 s.
const ATTEMPTS: u32 = 3;
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
/// A hub that does not answer within this is given up on for this try.
const TIMEOUT: Duration = Duration::from_secs(5);

enum Message {
    Changed(Vec<String>),
    Stop,
}

/// The handle the update loop holds; dropping it stops the thread after its current ping.
pub struct Pinger {
    sender: Sender<Message>,
}

impl Pinger {
    /// Starts the thread; `None` when no hub is configured.
    pub fn start(hubs: Vec<Url>, metrics: Arc<Metrics>) -> Option<Pinger> {
        if hubs.is_empty() {
            return None;
        }
        let (sender, receiver) = mpsc::channel();
        let started = thread::Builder::new()
            .name("seedfeed-websub".into())
            .spawn(move || run(&hubs, &receiver, &metrics));
        if let Err(error) = started {
            warn!(%error, "cannot start the WebSub thread; hubs will not be pinged");
            return None;
        }
        Some(Pinger { sender })
    }

    /// Queues pings for `feed_urls`; returns at once.
    pub fn changed(&self, feed_urls: Vec<String>) {
        if !feed_urls.is_empty() {
            let _ = self.sender.send(Message::Changed(feed_urls));
        }
    }
}

impl Drop for Pinger {
    fn drop(&mut self) {
        let _ = self.sender.send(Message::Stop);
    }
}

fn run(hubs: &[Url], receiver: &Receiver<Message>, metrics: &Metrics) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(TIMEOUT))
        .http_status_as_error(false)
        .user_agent(concat!("seedfeed/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let mut pending: BTreeSet<String> = BTreeSet::new();
    loop {
        // Wait for work, then take everything already queued with it.
        match receiver.recv() {
            Ok(Message::Changed(urls)) => pending.extend(urls),
            Ok(Message::Stop) | Err(_) => return,
        }
        if drain(receiver, &mut pending) {
            return;
        }
        while let Some(url) = pending.pop_first() {
            for hub in hubs {
                if !ping_with_retries(&agent, hub, &url, receiver, &mut pending, metrics) {
                    return;
                }
            }
        }
    }
}

/// Moves every queued URL into `pending`; true when asked to stop.
fn drain(receiver: &Receiver<Message>, pending: &mut BTreeSet<String>) -> bool {
    for message in receiver.try_iter() {
        match message {
            Message::Changed(urls) => pending.extend(urls),
            Message::Stop => return true,
        }
    }
    false
}

/// Pings `hub` about `feed_url`, retrying a failure after a pause; URLs that change meanwhile
/// join `pending`. False when asked to stop.
fn ping_with_retries(
    agent: &ureq::Agent,
    hub: &Url,
    feed_url: &str,
    receiver: &Receiver<Message>,
    pending: &mut BTreeSet<String>,
    metrics: &Metrics,
) -> bool {
    let mut backoff = FIRST_BACKOFF;
    for attempt in 1..=ATTEMPTS {
        match ping(agent, hub, feed_url) {
            Ok(()) => {
                metrics.pinged(true);
                debug!(hub = %hub, feed = feed_url, "WebSub hub pinged");
                return true;
            }
            Err(reason) if attempt == ATTEMPTS => {
                metrics.pinged(false);
                warn!(hub = %hub, feed = feed_url, %reason, attempts = ATTEMPTS, "WebSub ping failed; giving up until the feed changes again");
            }
            Err(reason) => {
                debug!(hub = %hub, feed = feed_url, %reason, attempt, "WebSub ping failed; retrying");
                let until = Instant::now() + backoff;
                while let Some(left) = until.checked_duration_since(Instant::now()) {
                    match receiver.recv_timeout(left) {
                        Ok(Message::Changed(urls)) => pending.extend(urls),
                        Ok(Message::Stop) | Err(RecvTimeoutError::Disconnected) => return false,
                        Err(RecvTimeoutError::Timeout) => break,
                    }
                }
                backoff *= 2;
            }
        }
    }
    true
}

/// One publish notification: a form POST; any 2xx is success.
fn ping(agent: &ureq::Agent, hub: &Url, feed_url: &str) -> Result<(), String> {
    let response = agent
        .post(hub.as_str())
        .send_form([("hub.mode", "publish"), ("hub.url", feed_url)])
        .map_err(|e| e.to_string())?;
    let status = response.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("HTTP {}", status.as_u16()))
    }
}
