//! What the update thread is told: by the watcher, by handlers wanting a long-tail document,
//! and by the process stopping. Its own module so that neither side imports the other.

use crate::index::FolderCheck;
use crate::tail::Waiter;
use crate::wanted::Wanted;
use crate::watch::{self, Batch};

pub enum Update {
    /// The watcher saw a burst of changes; the first of its events came at this instant.
    Changed(Batch, std::time::Instant),
    /// A handler wants a long-tail document that is not cached: plan it (under its tail key)
    /// for the render thread.
    Render(Box<RenderRequest>),
    /// Once the first state serves (a restart's or a cold scan's): the folder's watcher, set
    /// up meanwhile.
    Watching(notify::Result<watch::Watcher>),
    /// Then, a slice at a time, what the folder holds, to be checked against the store.
    Checked(Box<FolderCheck>),
    /// Read the config file again (the trigger: "SIGHUP", "the config file changed").
    Reload(&'static str),
    Stop,
}

pub struct RenderRequest {
    pub wanted: Wanted,
    /// The document's tail key: its canonical path, with `?query` for a filtered view.
    pub key: String,
    pub waiter: Waiter,
}
