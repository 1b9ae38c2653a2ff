//! Every document reference in the code resolves inside the repository (issue "one service
//! layer", docs bullet): `docs/<name>.md` exists; `docs/ims-contract.md §N` and
//! `docs/console-contract.md §N` name a section of that document; `docs/design.md "Title"`
//! names one of its headings; `docs/style.md habit N` a habit; `docs/security-review.md
//! finding N` a finding; and every bare checklist id (SEC-nn, CONF-nn, …) is defined in
//! docs/security-checklist.md.

use crate::support::repo_root;
use std::path::{Path, PathBuf};

const SOURCE_ENDINGS: &[&str] = &[".rs", ".js", ".mjs", ".py", ".toml", ".sql", ".html"];
const SKIP_DIRS: &[&str] = &["target", "node_modules", ".venv", ".git", "docs"];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            if !SKIP_DIRS.contains(&name.as_str()) {
                sources(&path, out);
            }
        } else if SOURCE_ENDINGS.iter().any(|e| name.ends_with(e)) && name != "docs_refs.rs" {
            out.push(path);
        }
    }
}

/// Each occurrence of `marker` in `text`, with what follows it.
fn after<'t>(text: &'t str, marker: &'t str) -> impl Iterator<Item = &'t str> + 't {
    text.match_indices(marker)
        .map(move |(i, _)| &text[i + marker.len()..])
}

/// The leading `N`, `N.M` or `N.M.K` of `s`.
fn section_number(s: &str) -> String {
    let n: String = s
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    n.trim_end_matches('.').to_owned()
}

/// Whether a contract has section `n`: a heading `## N)`, `## N.` or `### N.M …`, or, for a third
/// level, item K of the numbered list under `### N.M`.
fn has_section(doc: &str, n: &str) -> bool {
    let parts: Vec<&str> = n.split('.').collect();
    let heading = |prefix: &str| doc.lines().any(|l| l.starts_with(prefix));
    match parts.as_slice() {
        // The IMS contract numbers its chapters `## 2)`, the console contract `## 3.`.
        [top] => heading(&format!("## {top})")) || heading(&format!("## {top}. ")),
        [top, sub] => heading(&format!("### {top}.{sub} ")),
        [top, sub, item] => {
            let Some(start) = doc.find(&format!("### {top}.{sub} ")) else {
                return false;
            };
            doc[start..]
                .lines()
                .skip(1)
                .take_while(|l| !l.starts_with('#'))
                .any(|l| l.starts_with(&format!("{item}. ")))
        }
        _ => false,
    }
}

fn doc(root: &Path, name: &str) -> String {
    std::fs::read_to_string(root.join("docs").join(name))
        .unwrap_or_else(|e| panic!("docs/{name}: {e}"))
}

#[test]
fn every_document_reference_in_the_code_resolves() {
    let root = repo_root();
    let mut files = Vec::new();
    sources(&root, &mut files);
    files.push(root.join("README.md"));
    let ims = doc(&root, "ims-contract.md");
    let console = doc(&root, "console-contract.md");
    let design = doc(&root, "design.md");
    let style = doc(&root, "style.md");
    let review = doc(&root, "security-review.md");
    let checklist = doc(&root, "security-checklist.md");
    let mut broken = Vec::new();
    let mut seen = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap_or_default();
        let at = f.strip_prefix(&root).unwrap().display().to_string();
        for rest in after(&text, "docs/") {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '.' || *c == '_')
                .collect();
            let name = name.trim_end_matches('.');
            if !name.ends_with(".md") {
                continue;
            }
            seen += 1;
            if !root.join("docs").join(name).is_file() {
                broken.push(format!("{at}: docs/{name} does not exist"));
                continue;
            }
            let tail = &rest[name.len()..];
            let (contract, body) = match name {
                "ims-contract.md" => (true, &ims),
                "console-contract.md" => (true, &console),
                _ => (false, &ims),
            };
            if contract && let Some(s) = tail.strip_prefix(" §") {
                let n = section_number(s);
                if !has_section(body, &n) {
                    broken.push(format!("{at}: docs/{name} has no §{n}"));
                }
            }
            if name == "design.md"
                && let Some(t) = tail.trim_start_matches(['(', ' ']).strip_prefix('"')
            {
                let title = &t[..t.find('"').unwrap_or(0)];
                let headed = |l: &str| l.starts_with('#') && l.replace('*', "").contains(title);
                if !design.lines().any(headed) {
                    broken.push(format!("{at}: docs/design.md has no heading \"{title}\""));
                }
            }
            if name == "style.md"
                && let Some(h) = tail.strip_prefix(" habit ")
            {
                let n = section_number(h);
                if !style.contains(&format!("{n}. **")) {
                    broken.push(format!("{at}: docs/style.md has no habit {n}"));
                }
            }
            if name == "security-review.md"
                && let Some(h) = tail.strip_prefix(" finding ")
            {
                let n = section_number(h);
                if !review.contains(&format!("\n| {n} |")) {
                    broken.push(format!("{at}: docs/security-review.md has no finding {n}"));
                }
            }
        }
        for kind in ["SEC-", "CONF-", "NEG-", "FUZZ-", "REL-", "DEP-"] {
            for (i, _) in text.match_indices(kind) {
                let before = text[..i].chars().last();
                if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                    continue;
                }
                let n: String = text[i + kind.len()..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                if n.is_empty() {
                    continue;
                }
                let id = format!("{kind}{n}");
                let defined = [format!("**{id}**"), format!("**{id} "), format!("| {id} |")]
                    .iter()
                    .any(|d| checklist.contains(d.as_str()));
                if !defined {
                    broken.push(format!(
                        "{at}: {kind}{n} is not in docs/security-checklist.md"
                    ));
                }
            }
        }
    }
    assert!(
        seen > 50,
        "only {seen} references found: is the scan looking in the right place?"
    );
    assert!(
        broken.is_empty(),
        "{} broken:\n{}",
        broken.len(),
        broken.join("\n")
    );
}

#[test]
fn no_reference_points_outside_the_repository() {
    let root = repo_root();
    let mut files = Vec::new();
    sources(&root, &mut files);
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        for stale in ["../shared/", "contract §", "style habit"] {
            assert!(
                !text.contains(stale),
                "{}: '{stale}' cites a document outside docs/",
                f.display()
            );
        }
    }
}

/// The documents' own references to files of the repository (`crates/…`, `tests/…`,
/// `bench/…`, `.ci/…` in backticks) name files that exist, so that a move or a rename
/// shows up here.
#[test]
fn every_path_the_documents_cite_exists() {
    let root = repo_root();
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.push(root.join("ARCHITECTURE.md"));
    docs.push(root.join("README.md"));
    let mut missing = Vec::new();
    for d in docs {
        let text = std::fs::read_to_string(&d).unwrap();
        for quoted in text.split('`').skip(1).step_by(2) {
            let path = quoted.split([':', ' ']).next().unwrap_or("");
            let cited = ["crates/", "tests/", "bench/", ".ci/"]
                .iter()
                .any(|p| path.starts_with(p));
            // Paths of other projects' suites (Keycloak's `tests/base/...`) are not ours.
            if !cited
                || path.contains(['*', '{', '<'])
                || path.contains("...")
                || path.ends_with(".java")
            {
                continue;
            }
            if !root.join(path.trim_end_matches('/')).exists() {
                missing.push(format!(
                    "{}: {path}",
                    d.file_name().unwrap().to_string_lossy()
                ));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "cited but missing:\n{}",
        missing.join("\n")
    );
}
