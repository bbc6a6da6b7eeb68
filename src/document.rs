//! A served document: its bytes in each content coding, each with a strong ETag, and a
//! `Last-Modified` shared by all of them. Built once per change; handlers only pick from it.
//! The only user of flate2 and brotli (sha2 also names entries, in `urls.rs`, and checks the
//! index cache).

use std::io::Write;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// Content codings we send, smallest output first (the tie-break order when a client likes
/// several equally).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    Brotli,
    Gzip,
    Identity,
}

impl Coding {
    pub const PREFERENCE: [Coding; 3] = [Coding::Brotli, Coding::Gzip, Coding::Identity];

    /// The `Accept-Encoding` / `Content-Encoding` token.
    pub fn token(self) -> &'static str {
        match self {
            Coding::Brotli => "br",
            Coding::Gzip => "gzip",
            Coding::Identity => "identity",
        }
    }
}

/// gzip level 6 and brotli quality 5: measured on a 570 KB feed here, each takes ~35-60 ms
/// and gets within 2% (gzip) and 11% (brotli) of the best levels, which cost 1-40× more.
const GZIP_LEVEL: u32 = 6;
const BROTLI_QUALITY: u32 = 5;
const BROTLI_WINDOW_BITS: u32 = 22;

/// One representation: exact bytes and the strong validator derived from them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    pub body: Bytes,
    /// Quoted: `"` + 32 hex digits (the first 128 bits of the body's SHA-256) + `"`.
    pub etag: String,
}

impl Variant {
    pub fn of(mut body: Vec<u8>) -> Variant {
        // Bodies are written into growing buffers: up to half of one would be spare room,
        // held for as long as the document is (glibc shrinks a block in place).
        body.shrink_to_fit();
        let etag = etag_of(&body);
        Variant {
            body: Bytes::from(body),
            etag,
        }
    }
}

/// The strong ETag for `bytes`: identical bytes give identical tags, on any run.
pub fn etag_of(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut tag = String::with_capacity(34);
    tag.push('"');
    for byte in &digest[..16] {
        tag.push_str(&format!("{byte:02x}"));
    }
    tag.push('"');
    tag
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// The `Content-Type` value.
    pub media_type: &'static str,
    pub last_modified: DateTime<Utc>,
    /// `last_modified` as an HTTP date, formatted once.
    pub last_modified_http: String,
    pub identity: Variant,
    /// Absent until the compressor has caught up with this version of the document.
    pub gzip: Option<Variant>,
    pub brotli: Option<Variant>,
}

impl Document {
    /// A document served uncompressed until [`Document::compressed`] fills in the codings.
    pub fn new(media_type: &'static str, body: Vec<u8>, last_modified: DateTime<Utc>) -> Document {
        Document::of_variant(media_type, Variant::of(body), last_modified)
    }

    /// [`Document::new`] for bytes already hashed.
    pub fn of_variant(
        media_type: &'static str,
        identity: Variant,
        last_modified: DateTime<Utc>,
    ) -> Document {
        let last_modified = whole_seconds(last_modified);
        Document {
            media_type,
            last_modified,
            last_modified_http: http_date(last_modified),
            identity,
            gzip: None,
            brotli: None,
        }
    }

    pub fn variant(&self, coding: Coding) -> Option<&Variant> {
        match coding {
            Coding::Identity => Some(&self.identity),
            Coding::Gzip => self.gzip.as_ref(),
            Coding::Brotli => self.brotli.as_ref(),
        }
    }

    pub fn is_compressed(&self) -> bool {
        self.gzip.is_some() && self.brotli.is_some()
    }

    /// This document with every coding present.
    pub fn compressed(&self) -> Document {
        let mut done = self.clone();
        let body = &self.identity.body;
        if done.gzip.is_none() {
            done.gzip = Some(Variant::of(gzip(body)));
        }
        if done.brotli.is_none() {
            done.brotli = Some(Variant::of(brotli(body)));
        }
        done
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder =
        flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(GZIP_LEVEL));
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}

fn brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() / 3);
    {
        let mut writer =
            brotli::CompressorWriter::new(&mut out, 64 * 1024, BROTLI_QUALITY, BROTLI_WINDOW_BITS);
        let _ = writer.write_all(bytes);
    }
    out
}

/// HTTP dates have whole seconds; so must the value compared against `If-Modified-Since`.
pub fn whole_seconds(instant: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(instant.timestamp(), 0).unwrap_or(instant)
}

/// IMF-fixdate, as HTTP requires: `Sun, 06 Nov 1994 08:49:37 GMT`.
pub fn http_date(instant: DateTime<Utc>) -> String {
    instant.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// Parses the three date forms HTTP recipients must accept (IMF-fixdate, RFC 850, asctime).
pub fn parse_http_date(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    let formats = [
        "%a, %d %b %Y %H:%M:%S GMT",
        "%A, %d-%b-%y %H:%M:%S GMT",
        "%a %b %e %H:%M:%S %Y",
    ];
    formats.iter().find_map(|format| {
        chrono::NaiveDateTime::parse_from_str(text, format)
            .ok()
            .map(|naive| naive.and_utc())
    })
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    #[test]
    fn a_document_is_compressed_once_both_codings_are_in() {
        let document = Document::new("text/plain", b"abc".repeat(100), DateTime::UNIX_EPOCH);
        assert!(!document.is_compressed());
        assert!(document.compressed().is_compressed());
    }

    #[test]
    fn etags_follow_the_bytes_only() {
        assert_eq!(etag_of(b"abc"), etag_of(b"abc"));
        assert_ne!(etag_of(b"abc"), etag_of(b"abd"));
        // SHA-256("abc") starts ba7816bf8f01cfea414140de5dae2223.
        assert_eq!(etag_of(b"abc"), "\"ba7816bf8f01cfea414140de5dae2223\"");
    }

    #[test]
    fn every_coding_decodes_to_the_identity_bytes() {
        let body = "<rss>日本語 text, repeated. </rss>"
            .repeat(500)
            .into_bytes();
        let document = Document::new("text/xml", body.clone(), DateTime::UNIX_EPOCH).compressed();
        let mut gunzipped = Vec::new();
        flate2::read::GzDecoder::new(&document.gzip.as_ref().unwrap().body[..])
            .read_to_end(&mut gunzipped)
            .unwrap();
        assert_eq!(gunzipped, body);
        let mut unbrotlied = Vec::new();
        brotli::Decompressor::new(&document.brotli.as_ref().unwrap().body[..], 4096)
            .read_to_end(&mut unbrotlied)
            .unwrap();
        assert_eq!(unbrotlied, body);
        let tags = [
            &document.identity.etag,
            &document.gzip.as_ref().unwrap().etag,
            &document.brotli.as_ref().unwrap().etag,
        ];
        assert!(tags[0] != tags[1] && tags[1] != tags[2] && tags[0] != tags[2]);
    }

    #[test]
    fn http_dates_round_trip_in_every_form() {
        let instant = DateTime::from_timestamp(784_111_777, 0).unwrap();
        assert_eq!(http_date(instant), "Sun, 06 Nov 1994 08:49:37 GMT");
        for text in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            assert_eq!(parse_http_date(text), Some(instant), "{text}");
        }
        assert_eq!(parse_http_date("yesterday"), None);
        assert_eq!(parse_http_date(""), None);
    }
}
