//! The code's layout keeps its promises (ARCHITECTURE.md): no two modules of the crate use each
//! other, directly or around a longer cycle — so each can be read, and changed, knowing only
//! what it uses.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const SRC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src");

/// Each top-level module of the crate and the top-level modules its code (tests aside) uses.
fn module_uses() -> BTreeMap<String, BTreeSet<String>> {
    let mut uses: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for entry in walkdir::WalkDir::new(SRC) {
        let entry = entry.unwrap();
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "rs") || path.ends_with("tests.rs") {
            continue;
        }
        let relative = path.strip_prefix(SRC).unwrap();
        let module = module_of(relative);
        let text = std::fs::read_to_string(path).unwrap();
        // Unit tests may use whatever they test with; comments name modules without using them.
        let code: String = text
            .split("#[cfg(test)]")
            .next()
            .unwrap_or_default()
            .lines()
            .map(|line| line.split("//").next().unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n");
        let used = uses.entry(module.clone()).or_default();
        for (at, _) in code.match_indices("crate::") {
            let rest = &code[at + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() && name != module {
                used.insert(name);
            }
            // `use crate::{a, b::c}`
            if rest.starts_with('{') {
                let group = &rest[1..rest.find('}').unwrap_or(1)];
                for item in group.split(',') {
                    let name = item.trim().split("::").next().unwrap_or_default();
                    if !name.is_empty() && name != module && name != "self" {
                        used.insert(name.to_string());
                    }
                }
            }
        }
    }
    uses
}

/// `app.rs` → `app`, `index/reader.rs` → `index`, `lib.rs` → `lib`.
fn module_of(relative: &Path) -> String {
    let first = relative.components().next().unwrap().as_os_str();
    first.to_string_lossy().trim_end_matches(".rs").to_string()
}

/// A cycle through `start`, if there is one.
fn cycle_from(
    uses: &BTreeMap<String, BTreeSet<String>>,
    start: &str,
    at: &str,
    path: &mut Vec<String>,
) -> Option<Vec<String>> {
    for next in uses.get(at).into_iter().flatten() {
        if next == start {
            let mut cycle = path.clone();
            cycle.push(start.to_string());
            return Some(cycle);
        }
        if path.contains(next) {
            continue;
        }
        path.push(next.clone());
        if let Some(cycle) = cycle_from(uses, start, next, path) {
            return Some(cycle);
        }
        path.pop();
    }
    None
}

#[test]
fn no_two_modules_use_each_other_even_around_a_cycle() {
    let mut uses = module_uses();
    // The crate root declares every module: not a use.
    uses.remove("lib");
    for module in uses.keys() {
        if let Some(cycle) = cycle_from(&uses, module, module, &mut vec![module.clone()]) {
            panic!("modules use each other: {}", cycle.join(" → "));
        }
    }
    // The check sees uses: the wiring uses the server and the update loop.
    assert!(uses["app"].contains("http") && uses["app"].contains("update"));
}
