//! `seedfeed build --out DIR`: the documents readers poll — every feed's current documents in
//! the three formats, their HTML pages, `/opml.xml` — written as files, each with its `.gz` and
//! `.br` siblings, byte-identical to what a server started on the same folder and config
//! serves, and dated (mtime) with the server's `Last-Modified`. A page at `/nyt/` is
//! `nyt/index.html`; a percent-encoded folder name is written decoded, as a static server
//! maps request paths to files.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::config::Config;
use crate::document::Variant;
use crate::index::Indexer;
use crate::update::AUTHORS_PER_ROUND;
use crate::urls::is_operator_view;

/// What a build wrote.
#[derive(Debug, Default)]
pub struct Built {
    pub documents: usize,
    pub files: usize,
    pub bytes: u64,
}

/// Why a build stopped.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("[seeds] dir: cannot open {path}: {source}")]
    Seeds {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Reads every seed (keys, then every byline, as a server has once its background read is
/// done), renders the current documents, compresses them and writes them under `out`.
pub fn build(config: &Config, out: &Path) -> Result<Built, BuildError> {
    let mut config = config.clone();
    // A fresh read: the cache would only say what was true when it was written.
    config.seeds.cache = None;
    let mut indexer = Indexer::open(&config).map_err(|source| BuildError::Seeds {
        path: config.seeds.dir.clone(),
        source,
    })?;
    indexer.scan();
    indexer.read_every_author(AUTHORS_PER_ROUND);
    let snapshot = indexer.render_now().first_snapshot(Vec::new()).compressed();
    let mut built = Built::default();
    for path in snapshot.paths().filter(|path| !is_operator_view(path)) {
        let Some(document) = snapshot.document(path) else {
            continue;
        };
        let file = out.join(file_of(path));
        let modified = SystemTime::from(document.last_modified);
        let codings: [(&str, Option<&Variant>); 3] = [
            ("", Some(&document.identity)),
            (".gz", document.gzip.as_ref()),
            (".br", document.brotli.as_ref()),
        ];
        for (suffix, variant) in codings {
            let Some(variant) = variant else { continue };
            let target = sibling(&file, suffix);
            write_file(&target, &variant.body, modified)?;
            built.files += 1;
            built.bytes += variant.body.len() as u64;
        }
        built.documents += 1;
    }
    Ok(built)
}

/// The file a document's URL path maps to, relative to the output folder: decoded, a
/// folder's page as its `index.html`.
pub fn file_of(path: &str) -> PathBuf {
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
    let relative = decoded.trim_start_matches('/');
    match relative.is_empty() || relative.ends_with('/') {
        true => PathBuf::from(format!("{relative}index.html")),
        false => PathBuf::from(relative),
    }
}

fn sibling(file: &Path, suffix: &str) -> PathBuf {
    let mut name = file.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}

/// Writes `bytes` to `path` through a temporary file renamed into place (a static server
/// never sees half a file), dated `modified`.
fn write_file(path: &Path, bytes: &[u8], modified: SystemTime) -> Result<(), BuildError> {
    let failed = |source| BuildError::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(failed)?;
    }
    let temp = sibling(path, ".tmp");
    let file = std::fs::File::create(&temp).map_err(failed)?;
    std::io::Write::write_all(&mut &file, bytes).map_err(failed)?;
    file.set_modified(modified).map_err(failed)?;
    drop(file);
    std::fs::rename(&temp, path).map_err(failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_paths_map_to_files_as_a_static_server_reads_them() {
        for (path, file) in [
            ("/", "index.html"),
            ("/rss.xml", "rss.xml"),
            ("/nyt/", "nyt/index.html"),
            ("/nyt/feed.json", "nyt/feed.json"),
            ("/opml.xml", "opml.xml"),
            (
                "/%E7%BA%BD%E7%BA%A6%E6%97%B6%E6%8A%A5/atom.xml",
                "纽约时报/atom.xml",
            ),
        ] {
            assert_eq!(file_of(path), PathBuf::from(file), "{path}");
        }
    }
}
