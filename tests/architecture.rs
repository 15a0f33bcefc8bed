//! The plan of the house (docs/architecture.md), checked: each top-level module of `src/`
//! may use only the modules below it. A `crate::x` path in a file of module `m` where `x`
//! is not on `m`'s list fails here, naming the file and the line.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each module and what it may use. `on_backend` is the store's macro, exported at the
/// crate's root.
const ALLOWED: &[(&str, &[&str])] = &[
    ("domain", &[]),
    ("access", &[]),
    ("metrics", &[]),
    ("plan", &["domain"]),
    ("config", &["domain", "access"]),
    (
        "store",
        &["domain", "config", "access", "metrics", "on_backend"],
    ),
    (
        "import",
        &["domain", "config", "access", "store", "on_backend"],
    ),
    ("districts", &["domain", "config", "store"]),
    (
        "rounds",
        &[
            "domain",
            "config",
            "access",
            "metrics",
            "plan",
            "store",
            "districts",
            "on_backend",
        ],
    ),
    (
        "accounts",
        &["domain", "config", "access", "store", "districts"],
    ),
    ("demo", &["domain", "config", "access", "store", "import"]),
    ("web", &["domain"]),
    (
        "api",
        &[
            "domain",
            "config",
            "access",
            "metrics",
            "store",
            "import",
            "rounds",
            "accounts",
            "districts",
            "web",
            "on_backend",
        ],
    ),
    (
        "cli",
        &[
            "domain",
            "config",
            "access",
            "metrics",
            "plan",
            "store",
            "import",
            "rounds",
            "accounts",
            "districts",
            "demo",
            "api",
        ],
    ),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The names `crate::name` refers to on this line (comments included: a doc link across a
/// forbidden line is a wrong pointer too).
fn crate_paths(line: &str) -> Vec<&str> {
    line.match_indices("crate::")
        .map(|(at, _)| {
            let rest = &line[at + "crate::".len()..];
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            &rest[..end]
        })
        .filter(|name| !name.is_empty())
        .collect()
}

#[test]
fn each_module_uses_only_the_modules_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let allowed: BTreeMap<&str, BTreeSet<&str>> = ALLOWED
        .iter()
        .map(|(module, uses)| (*module, uses.iter().copied().collect()))
        .collect();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut crossings = Vec::new();
    let mut unlisted = BTreeSet::new();
    for file in &files {
        let relative = file.strip_prefix(&src).unwrap();
        let first = relative.components().next().unwrap().as_os_str();
        let module = Path::new(first).file_stem().unwrap().to_str().unwrap();
        if matches!(module, "lib" | "main") {
            continue;
        }
        let Some(may_use) = allowed.get(module) else {
            unlisted.insert(module.to_string());
            continue;
        };
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            for used in crate_paths(line) {
                if used != module && !may_use.contains(used) {
                    crossings.push(format!(
                        "src/{}:{}: {module} uses {used}",
                        relative.display(),
                        n + 1
                    ));
                }
            }
        }
    }
    assert!(
        unlisted.is_empty(),
        "modules not in the plan (add them to ALLOWED and docs/architecture.md): {unlisted:?}"
    );
    assert!(
        crossings.is_empty(),
        "uses across the plan's lines (docs/architecture.md):\n{}",
        crossings.join("\n")
    );
}

/// What the HTTP layer may take from the store: a connection, the writer, a transaction
/// and the access family (sessions, the keys that make retries safe, the audit), which is
/// the API's own bookkeeping. Every read or change of a round goes through a use case.
const API_MAY_TAKE_FROM_STORE: &[&str] = &[
    "Db",
    "DbConnection",
    "Writer",
    "StoreError",
    "write_transaction",
    "access",
];

/// The items a file names under `crate::store::`, with their lines: `crate::store::x` and
/// each item of `crate::store::{x, y as z, w::v}` (across lines, as rustfmt writes it).
fn store_items(text: &str) -> Vec<(usize, String)> {
    let line_of = |at: usize| text[..at].matches('\n').count() + 1;
    let ident = |rest: &str| -> String {
        rest.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut items = Vec::new();
    for (at, _) in text.match_indices("crate::store::") {
        let rest = &text[at + "crate::store::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let inner = &group[..group.find('}').unwrap_or(group.len())];
            for item in inner.split(',') {
                let name = ident(item.trim_start());
                if !name.is_empty() && name != "self" {
                    items.push((line_of(at), name));
                }
            }
        } else {
            items.push((line_of(at), ident(rest)));
        }
    }
    items
}

#[test]
fn handlers_take_no_query_from_the_store() {
    let api = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/api");
    let mut files = Vec::new();
    rust_files(&api, &mut files);
    files.sort();
    let mut taken = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (line, item) in store_items(&text) {
            if !API_MAY_TAKE_FROM_STORE.contains(&item.as_str()) {
                taken.push(format!("{}:{line}: store::{item}", file.display()));
            }
        }
    }
    assert!(
        taken.is_empty(),
        "handlers reading the store past the use cases (docs/architecture.md):\n{}",
        taken.join("\n")
    );
}

#[test]
fn the_check_sees_store_items() {
    let text =
        "use crate::store::{access as a, Db,\n    schema::x};\nlet t = crate::store::tubes::f();";
    let items: Vec<(usize, String)> = store_items(text);
    assert_eq!(
        items,
        [
            (1, "access".to_string()),
            (1, "Db".to_string()),
            (1, "schema".to_string()),
            (3, "tubes".to_string())
        ]
    );
}

#[test]
fn the_check_sees_crate_paths() {
    assert_eq!(
        crate_paths("use crate::store::{Db, x}; // see crate::api"),
        vec!["store", "api"]
    );
    assert!(crate_paths("use super::x;").is_empty());
}
