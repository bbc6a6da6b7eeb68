//! `[feed]`: the root feed's metadata, and the fields any feed's table may state — `[feed]`
//! for the root, `[feeds.<folder>]` (`folders.rs`) for one folder. Those fields are listed
//! once, in [`feed_fields!`]: the raw tables, the checked [`FeedFields`] and their fallback
//! all come from that list, so a new key is one line there (and its use in [`FeedMeta`]).

use serde::Deserialize;
use toml::Spanned;
use url::Url;

use chrono_tz::Tz;

use super::ConfigError;
use super::check::{Table, between, language_tag, non_empty, web_url};

/// The root feed's language when the config names none (a folder named like an outlet takes
/// the outlet's).
pub const DEFAULT_LANGUAGE: &str = "en";
/// Entries per feed document when the config names no limit.
pub const DEFAULT_LIMIT: usize = 50;

/// Feed-level metadata: everything the renderer needs besides the entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedMeta {
    pub title: String,
    pub description: String,
    /// Public URL of this server, always ending in `/`.
    pub base_url: Url,
    pub site_url: Url,
    pub language: String,
    pub limit: usize,
    /// Never empty: defaults to one author named after the feed, so every Atom entry has one.
    pub authors: Vec<Person>,
    pub icon: Option<Url>,
    pub logo: Option<Url>,
    pub rights: Option<String>,
    /// How many minutes a reader may cache the feed before polling again (RSS `<ttl>`).
    pub ttl: Option<u32>,
    /// WebSub hubs the feed names (`[websub] hubs`); every change is announced to them.
    pub hubs: Vec<Url>,
    /// The zone the feed's pages show days and times in (`[seeds] timezone`): an article of
    /// 3月21日 in Beijing is listed under that day, not under UTC's 20th.
    pub timezone: Tz,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    pub email: Option<String>,
    pub uri: Option<Url>,
}

/// Declares the fields any feed's table may state (`name: raw type => kept type = check;`),
/// and from them `RawFeed`, `RawFolderFeed`, [`FeedFields`] with its check and fallback.
macro_rules! feed_fields {
    ($($(#[$doc:meta])* $name:ident: $raw:ty => $kept:ty = $check:expr;)*) => {
        /// `[feed]` as written: the fields any feed may state, then the root's own.
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        pub(super) struct RawFeed {
            $($name: Option<Spanned<$raw>>,)*
            base_url: Spanned<String>,
            #[serde(default)]
            authors: Vec<Spanned<RawPerson>>,
        }

        /// `[feeds.<folder>]` as written.
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        pub(super) struct RawFolderFeed {
            $($name: Option<Spanned<$raw>>,)*
        }

        /// What one feed's table says, checked; each field it leaves out is `None`.
        #[derive(Debug, Clone, Default, PartialEq, Eq)]
        pub struct FeedFields {
            $($(#[$doc])* pub $name: Option<$kept>,)*
        }

        impl FeedFields {
            /// These fields, each one left out taken from `fallback`.
            pub fn or(self, fallback: &FeedFields) -> FeedFields {
                FeedFields {
                    $($name: self.$name.or_else(|| fallback.$name.clone()),)*
                }
            }
        }

        impl RawFolderFeed {
            /// The fields checked, refused in `table`.
            pub(super) fn fields(self, table: &Table) -> Result<FeedFields, ConfigError> {
                Ok(FeedFields {
                    $($name: table.optional(stringify!($name), self.$name, $check)?,)*
                })
            }
        }

        impl RawFeed {
            /// The shared fields checked, and what is left: `base_url` and `authors`.
            fn split(
                self,
                table: &Table,
            ) -> Result<(FeedFields, Spanned<String>, Vec<Spanned<RawPerson>>), ConfigError> {
                let RawFeed { $($name,)* base_url, authors } = self;
                let fields = FeedFields {
                    $($name: table.optional(stringify!($name), $name, $check)?,)*
                };
                Ok((fields, base_url, authors))
            }
        }
    };
}

feed_fields! {
    title: String => String = non_empty;
    description: String => String = non_empty;
    /// The site the feed is about (channel link, Atom `alternate`).
    site_url: String => Url = web_url;
    language: String => String = language_tag;
    /// Entries per document.
    limit: usize => usize = between(1, 100_000, "");
    icon: String => Url = web_url;
    /// The logo (or the icon) is also the RSS `<image>`.
    logo: String => Url = web_url;
    /// Empty: none.
    rights: String => String = |rights: String| Ok(non_empty(rights).ok().flatten());
    /// Minutes, up to a week.
    ttl: u32 => u32 = between(1, 10_080, " minutes");
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPerson {
    name: Spanned<String>,
    email: Option<Spanned<String>>,
    uri: Option<Spanned<String>>,
}

impl RawFeed {
    /// The root feed's metadata; the table's header starts at byte `at`.
    pub(super) fn validate(
        self,
        at: usize,
        text: &str,
        hubs: Vec<Url>,
        timezone: Tz,
    ) -> Result<FeedMeta, ConfigError> {
        let table = Table::new("feed", text);
        let (fields, base_url, authors) = self.split(&table)?;
        let missing = |key: &str| table.missing(key, at);
        let title = fields.title.ok_or_else(|| missing("title"))?;
        let authors = match authors.is_empty() {
            true => vec![Person::named(&title)],
            false => authors
                .into_iter()
                .map(|person| person.into_inner().validate(text))
                .collect::<Result<_, _>>()?,
        };
        let base_url = table.required("base_url", base_url, folder_url)?;
        Ok(FeedMeta {
            description: fields.description.unwrap_or_else(|| title.clone()),
            site_url: fields.site_url.unwrap_or_else(|| base_url.clone()),
            base_url,
            language: fields
                .language
                .unwrap_or_else(|| DEFAULT_LANGUAGE.to_string()),
            limit: fields.limit.unwrap_or(DEFAULT_LIMIT),
            authors,
            icon: fields.icon,
            logo: fields.logo,
            rights: fields.rights,
            ttl: fields.ttl,
            hubs,
            timezone,
            title,
        })
    }
}

/// The public URL of `/`: absolute, no query or fragment, ending in `/` (self links are built
/// by joining onto it; without the slash its last segment would be lost).
fn folder_url(value: String) -> Result<Option<Url>, String> {
    let Some(mut url) = web_url(value)? else {
        return Ok(None);
    };
    if url.query().is_some() || url.fragment().is_some() {
        return Err("must not have a query or fragment".into());
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(Some(url))
}

impl RawPerson {
    fn validate(self, text: &str) -> Result<Person, ConfigError> {
        let table = Table::new("feed.authors", text);
        let name = table.required("name", self.name, |name| match name.trim() {
            "" => Err("every author needs a name".into()),
            name => Ok(Some(name.to_string())),
        })?;
        let email = table.optional("email", self.email, |email| {
            let email = email.trim().to_string();
            match is_email(&email) {
                true => Ok(Some(email)),
                false => Err(format!("not an e-mail address: {email:?}")),
            }
        })?;
        Ok(Person {
            name,
            email,
            uri: table.optional("uri", self.uri, web_url)?,
        })
    }
}

impl Person {
    /// A feed's author named after the feed: what an entry without a byline shows.
    pub fn named(title: &str) -> Person {
        Person {
            name: title.to_string(),
            email: None,
            uri: None,
        }
    }
}

impl FeedMeta {
    /// The metadata of a feed below the root (this one) at `base_url`: what `said` states,
    /// the rest the root's; titled `name` when `said` has no title, described after the root.
    pub fn below(&self, said: FeedFields, base_url: Url, name: &str) -> FeedMeta {
        let title = said.title.unwrap_or_else(|| name.to_string());
        FeedMeta {
            description: said
                .description
                .unwrap_or_else(|| format!("{title} · {}", self.title)),
            base_url,
            site_url: said.site_url.unwrap_or_else(|| self.site_url.clone()),
            language: said.language.unwrap_or_else(|| self.language.clone()),
            limit: said.limit.unwrap_or(self.limit),
            // Atom wants a feed author when an entry has none: the folder's feed speaks for it.
            authors: vec![Person::named(&title)],
            icon: said.icon.or_else(|| self.icon.clone()),
            logo: said.logo.or_else(|| self.logo.clone()),
            rights: said.rights.or_else(|| self.rights.clone()),
            ttl: said.ttl.or(self.ttl),
            hubs: self.hubs.clone(),
            timezone: self.timezone,
            title,
        }
    }
}

fn is_email(value: &str) -> bool {
    match value.split_once('@') {
        Some((user, domain)) => {
            !user.is_empty()
                && domain.contains('.')
                && !value
                    .chars()
                    .any(|c| c.is_whitespace() || c == '<' || c == '>' || c == '(')
        }
        None => false,
    }
}
