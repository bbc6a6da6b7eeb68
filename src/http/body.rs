//! A long-tail document's response body: sent in slices of its bytes (no copy), holding the
//! document until the last slice is out.
//!
//! actix copies what a body yields into the connection's write buffer: one chunk of a whole
//! multi-megabyte view would be that much per connection, for as long as the client takes to
//! read it. In slices of [`SLICE`] the buffer stays near actix's own 32 KiB target. The
//! document is held (`Arc`) while it is sent, so the tail counts it as pinned if it lets go
//! of it meanwhile.

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use actix_web::body::{BodySize, MessageBody};
use bytes::Bytes;

use crate::document::Document;

/// Bytes handed to actix per poll: its write buffer is refilled while under 32 KiB.
const SLICE: usize = 32 << 10;

pub struct Slices {
    bytes: Bytes,
    sent: usize,
    held: Option<Arc<Document>>,
}

impl Slices {
    /// `bytes` (one coding of `document`), keeping `document` alive until they are sent.
    pub fn new(bytes: Bytes, document: Arc<Document>) -> Slices {
        Slices {
            bytes,
            sent: 0,
            held: Some(document),
        }
    }
}

impl MessageBody for Slices {
    type Error = Infallible;

    fn size(&self) -> BodySize {
        BodySize::Sized(self.bytes.len() as u64)
    }

    fn poll_next(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Infallible>>> {
        let start = self.sent;
        if start >= self.bytes.len() {
            self.held = None;
            return Poll::Ready(None);
        }
        let end = (start + SLICE).min(self.bytes.len());
        self.sent = end;
        Poll::Ready(Some(Ok(self.bytes.slice(start..end))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    #[test]
    fn the_slices_make_up_the_bytes_and_the_document_is_let_go_after_the_last() {
        let body: Vec<u8> = (0..100_000u32).map(|i| i as u8).collect();
        let document = Arc::new(Document::new(
            "text/plain",
            body.clone(),
            DateTime::UNIX_EPOCH,
        ));
        let mut slices = Slices::new(document.identity.body.clone(), document.clone());
        assert_eq!(slices.size(), BodySize::Sized(100_000));
        let waker = std::task::Waker::noop();
        let mut context = Context::from_waker(waker);
        let mut sent = Vec::new();
        let mut count = 0;
        while let Poll::Ready(Some(Ok(slice))) = Pin::new(&mut slices).poll_next(&mut context) {
            assert!(slice.len() <= SLICE);
            sent.extend_from_slice(&slice);
            count += 1;
        }
        assert_eq!(sent, body);
        assert_eq!(count, 100_000usize.div_ceil(SLICE));
        assert_eq!(Arc::strong_count(&document), 1, "let go once all is sent");
    }
}
