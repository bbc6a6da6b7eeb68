//! What each feed is called and says of itself: the root's metadata is `[feed]`; a folder's
//! is the config's `[feeds.<folder>]` where it says something, else what the outlet rules and
//! the root suggest; an author's or a section's is the root's, titled with its name. Pure: no
//! I/O.

use std::collections::BTreeMap;

use crate::config::{Config, FeedFields, FeedMeta};
use crate::scope::Scope;
use crate::seed::outlets::Outlets;
use crate::urls::encode_segment;

/// The metadata of every feed.
#[derive(Debug, Clone)]
pub struct Catalog {
    root: FeedMeta,
    folders: BTreeMap<String, FeedFields>,
    outlets: Outlets,
}

impl Catalog {
    pub fn new(config: &Config) -> Catalog {
        Catalog {
            root: config.feed.clone(),
            folders: config.folders.clone(),
            outlets: config.outlets.clone(),
        }
    }

    pub fn root(&self) -> &FeedMeta {
        &self.root
    }

    /// How many entries `scope`'s feed shows: [`Feeds::meta`]'s `limit`, without building the
    /// rest (every change asks it of every folder).
    pub fn limit(&self, scope: &Scope) -> usize {
        match scope {
            Scope::Folder(folder) => self
                .folders
                .get(folder)
                .and_then(|said| said.limit)
                .unwrap_or(self.root.limit),
            _ => self.root.limit,
        }
    }

    /// The metadata of `scope`'s feed. A folder's: the config's `[feeds.<folder>]` fields; for
    /// the rest, a folder named like an outlet (`nyt`, `bbc`: the keys of `src/outlets.toml`)
    /// takes its display name and site, and everything else is the root feed's.
    pub fn meta(&self, scope: &Scope) -> FeedMeta {
        let folder = match scope {
            Scope::All => return self.root.clone(),
            Scope::Folder(folder) => folder,
            Scope::Author(slug) | Scope::Section(slug) => return self.facet_meta(scope, slug),
        };
        // What the config says, then what the outlet rules know.
        let outlet = self.outlets.iter().find(|o| o.key == *folder);
        let known = FeedFields {
            title: outlet.map(|o| o.name.clone()),
            site_url: outlet
                .and_then(|o| o.hosts.first())
                .and_then(|host| url::Url::parse(&format!("https://{host}/")).ok()),
            language: outlet.and_then(|o| o.language.clone()),
            ..FeedFields::default()
        };
        let said = self.folders.get(folder).cloned().unwrap_or_default();
        let base_url = self
            .root
            .base_url
            .join(&format!("{}/", encode_segment(folder)))
            .unwrap_or_else(|_| self.root.base_url.clone());
        self.root.below(said.or(&known), base_url, folder)
    }

    /// An author's or a section's feed: the root's, titled with `name` (as the entries write
    /// it), at its own URL.
    pub fn facet_meta(&self, scope: &Scope, name: &str) -> FeedMeta {
        let (title, description) = match scope {
            Scope::Author(_) => (
                format!("{name} · {}", self.root.title),
                format!("Everything by {name} in {}", self.root.title),
            ),
            _ => (
                format!("{name} · {}", self.root.title),
                format!("The {name} section of {}", self.root.title),
            ),
        };
        let base_url = self
            .root
            .base_url
            .join(scope.prefix().trim_start_matches('/'))
            .unwrap_or_else(|_| self.root.base_url.clone());
        FeedMeta {
            title,
            description,
            base_url,
            ..self.root.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_s_feed_takes_the_config_then_the_outlet_then_the_root() {
        let text = "[server]\nbind = \"127.0.0.1:8080\"\n[seeds]\ndir = \"s\"\n\
                    timezone = \"UTC\"\n[feed]\ntitle = \"Root\"\ndescription = \"D\"\n\
                    base_url = \"http://h/feeds/\"\nsite_url = \"https://site/\"\n\
                    language = \"zh-CN\"\nlimit = 50\n[feeds.bbc]\nlimit = 7\n\
                    [feeds.mine]\ntitle = \"Mine\"\nsite_url = \"https://mine.example/\"\n";
        let config = Config::parse(text, std::path::Path::new("/")).unwrap();
        let feeds = Catalog::new(&config);
        let nyt = feeds.meta(&Scope::Folder("nyt".into()));
        assert_eq!(nyt.title, "纽约时报中文网");
        assert_eq!(nyt.site_url.as_str(), "https://cn.nytimes.com/");
        assert_eq!(nyt.description, "纽约时报中文网 · Root");
        assert_eq!(nyt.base_url.as_str(), "http://h/feeds/nyt/");
        assert_eq!((nyt.limit, nyt.language.as_str()), (50, "zh-CN"));
        assert_eq!(feeds.meta(&Scope::Folder("bbc".into())).limit, 7);
        for scope in [
            Scope::All,
            Scope::Folder("bbc".into()),
            Scope::Folder("nyt".into()),
        ] {
            assert_eq!(feeds.limit(&scope), feeds.meta(&scope).limit, "{scope:?}");
        }
        let mine = feeds.meta(&Scope::Folder("mine".into()));
        assert_eq!(
            (mine.title.as_str(), mine.site_url.as_str()),
            ("Mine", "https://mine.example/")
        );
        let other = feeds.meta(&Scope::Folder("其他".into()));
        assert_eq!(other.title, "其他");
        assert_eq!(other.site_url.as_str(), "https://site/");
        assert_eq!(
            other.base_url.as_str(),
            "http://h/feeds/%E5%85%B6%E4%BB%96/"
        );
        assert_eq!(feeds.meta(&Scope::All), config.feed);
    }

    #[test]
    fn author_and_section_feeds_are_the_root_s_titled_with_their_name() {
        let text = "[server]\nbind = \"127.0.0.1:8080\"\n[seeds]\ndir = \"s\"\n\
                    timezone = \"UTC\"\n[feed]\ntitle = \"Root\"\ndescription = \"D\"\n\
                    base_url = \"http://h/feeds/\"\nsite_url = \"https://site/\"\n\
                    language = \"en\"\nlimit = 50\n";
        let config = Config::parse(text, std::path::Path::new("/")).unwrap();
        let feeds = Catalog::new(&config);
        let amy = feeds.meta(&Scope::Author("amy-qin".into()));
        assert_eq!(amy.title, "amy-qin · Root");
        let amy = feeds.facet_meta(&Scope::Author("amy-qin".into()), "Amy Qin");
        assert_eq!(amy.title, "Amy Qin · Root");
        assert_eq!(amy.description, "Everything by Amy Qin in Root");
        assert_eq!(amy.base_url.as_str(), "http://h/feeds/authors/amy-qin/");
        assert_eq!((amy.site_url.as_str(), amy.limit), ("https://site/", 50));
        let world = feeds.facet_meta(&Scope::Section("中国".into()), "中国");
        assert_eq!(world.title, "中国 · Root");
        assert_eq!(world.description, "The 中国 section of Root");
        assert_eq!(
            world.base_url.as_str(),
            "http://h/feeds/sections/%E4%B8%AD%E5%9B%BD/"
        );
    }
}
