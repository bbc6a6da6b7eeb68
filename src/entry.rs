//! The domain model: one feed entry per seed, plain data that knows no output format.

use chrono::{DateTime, Utc};

/// One article, as read from one seed file. Every string is already clean text
/// (no XML-illegal characters); `content` is sanitised HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Stable identifier: the article link, normalised, with upper-case percent-escapes.
    pub id: String,
    /// Absolute http(s) URL of the article.
    pub link: String,
    pub title: String,
    /// Bylines in the order they appear; empty when the seed names nobody.
    pub authors: Vec<String>,
    pub published: DateTime<Utc>,
    /// Never earlier than `published`.
    pub updated: DateTime<Utc>,
    /// Plain text, at most about 300 characters.
    pub summary: String,
    /// Sanitised HTML of the whole body.
    pub content: String,
    /// Images, videos and audio in document order; the first is the lead.
    pub media: Vec<Media>,
    /// Section (from the link's path) and the outlet's host.
    pub categories: Vec<String>,
    /// The language it is written in, where its outlet's differs from the feed's (`zh-TW`).
    pub language: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Medium {
    Image,
    Video,
    Audio,
}

impl Medium {
    /// The Media RSS `medium` attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            Medium::Image => "image",
            Medium::Video => "video",
            Medium::Audio => "audio",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Media {
    /// Absolute http(s) URL.
    pub url: String,
    pub medium: Medium,
    /// MIME type, guessed from the URL's extension when the seed does not say.
    pub mime: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// Size in bytes, when the seed states it (seeds almost never do).
    pub length: Option<u64>,
    pub caption: Option<String>,
    pub credit: Option<String>,
    /// A video's still image (its `poster`), absolute http(s).
    pub poster: Option<String>,
}

impl Entry {
    /// The picture that stands for the entry: the first image, else the first video's poster.
    pub fn image(&self) -> Option<&str> {
        self.media
            .iter()
            .find(|m| m.medium == Medium::Image)
            .map(|m| m.url.as_str())
            .or_else(|| self.media.iter().find_map(|m| m.poster.as_deref()))
    }
}
