//! A link in an article as a reader should follow it: a host the page doubled in front of an
//! absolute address is dropped (`https://www.economist.comhttps://open.spotify.com/…`),
//! parameters that only track the click are taken off (generic ones here; an outlet's own in
//! its rules: the NYT newsletters' links carry the archive subscriber's `user_id`), and an
//! outlet's rewrites are applied (DW's links to its data interface go to the article's page).

use std::borrow::Cow;

use url::Url;

use super::outlets::{Outlet, Outlets};

/// Query parameters that only track, on any host.
const TRACKING: &[&str] = &[
    "fbclid",
    "gclid",
    "_ga",
    "mc_cid",
    "mc_eid",
    "ref_src",
    "ref_url",
    "ab_channel",
];

/// `value` (an `href` or `src` as written) with a doubled host gone, its outlet's rewrite
/// applied and tracking parameters taken off; anything else unchanged.
pub fn cleaned<'v>(value: &'v str, outlets: &Outlets) -> Cow<'v, str> {
    let value = without_doubled_host(value);
    let Ok(url) = Url::parse(value) else {
        return value.into();
    };
    let outlet = url.host_str().and_then(|host| outlets.for_host(host));
    if let Some(rewritten) = outlet
        .into_iter()
        .flat_map(|o| &o.link_rewrites)
        .find_map(|rewrite| rewrite.apply(url.as_str()))
    {
        return rewritten.into();
    }
    match url.query().is_some_and(|_| has_tracking(&url, outlet)) {
        true => untracked(url, outlet).into(),
        false => value.into(),
    }
}

/// `https://a.example.comhttps://b.example/x` → `https://b.example/x`: a second address begins
/// before the first one's host ends.
fn without_doubled_host(value: &str) -> &str {
    let trimmed = value.trim_start();
    let Some(rest) = ["https://", "http://"].iter().find_map(|scheme| {
        trimmed
            .get(..scheme.len())
            .filter(|s| s.eq_ignore_ascii_case(scheme))
            .map(|s| &trimmed[s.len()..])
    }) else {
        return value;
    };
    let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let host = &rest[..host_end];
    match ["https://", "http://", "https:", "http:"]
        .iter()
        .find_map(|inner| host.find(inner))
    {
        Some(at) if at > 0 => &rest[at..],
        _ => value,
    }
}

fn is_tracking(name: &str, outlet: Option<&Outlet>) -> bool {
    name.starts_with("utm_")
        || TRACKING.contains(&name)
        || outlet.is_some_and(|o| o.tracking_parameters.iter().any(|p| p == name))
}

fn has_tracking(url: &Url, outlet: Option<&Outlet>) -> bool {
    url.query_pairs()
        .any(|(name, _)| is_tracking(&name, outlet))
}

/// `url` with its tracking parameters removed (the rest kept in order).
fn untracked(mut url: Url, outlet: Option<&Outlet>) -> String {
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(name, _)| !is_tracking(name, outlet))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if kept.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubled_hosts_tracking_and_rewrites_and_nothing_else_changes() {
        let outlets = crate::config::builtin_outlets();
        let cases = [
            (
                "https://www.economist.comhttps://open.spotify.com/show/3a5n4DoT1xrV5rgBWBPxnR",
                "https://open.spotify.com/show/3a5n4DoT1xrV5rgBWBPxnR",
            ),
            (
                "https://www.economist.comhttps://apps.apple.com/app/id1239397626?pt=344884&ct=a",
                "https://apps.apple.com/app/id1239397626?pt=344884&ct=a",
            ),
            (
                "https://www.nytimes.com/2021/07/03/world/asia/x.html?campaign_id=2&emc=edit_th_20210704&instance_id=34564&nl=todaysheadlines&regi_id=1&segment_id=6&user_id=abc",
                "https://www.nytimes.com/2021/07/03/world/asia/x.html",
            ),
            (
                "https://cn.nytimes.com/a/?te=1&page=2",
                "https://cn.nytimes.com/a/?page=2",
            ),
            (
                "https://example.org/x?utm_source=nl&id=7",
                "https://example.org/x?id=7",
            ),
            // the NYT's tracking names mean something elsewhere
            (
                "https://example.org/x?nl=1&te=2",
                "https://example.org/x?nl=1&te=2",
            ),
            ("https://example.org/a?b=1#c", "https://example.org/a?b=1#c"),
            (
                "https://twitter.com/BBCChinese?ref_src=twsrc%5Etfw",
                "https://twitter.com/BBCChinese",
            ),
            (
                "https://www.youtube.com/watch?v=abc&ab_channel=NYT",
                "https://www.youtube.com/watch?v=abc",
            ),
            (
                "https://api.dw.com/api/detail/article/53222979",
                "https://www.dw.com/zh/a-53222979",
            ),
            (
                "https://api.dw.com/api/detail/other/1",
                "https://api.dw.com/api/detail/other/1",
            ),
            ("../img/p.jpg", "../img/p.jpg"),
            (
                "https://example.org/?q=https://x",
                "https://example.org/?q=https://x",
            ),
            ("mailto:a@example.org", "mailto:a@example.org"),
        ];
        for (value, want) in cases {
            assert_eq!(cleaned(value, &outlets), want, "{value}");
        }
    }
}
