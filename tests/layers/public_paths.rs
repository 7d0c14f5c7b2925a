//! One path per public name (the naming rules in the crate docs): every item is public in
//! the module that defines it, plus the two documented re-exports, the crate root and
//! `error`. These checks read the sources, so a new re-export elsewhere fails here.

use std::fs;
use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("src is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn library_sources() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &mut files);
    files.sort();
    assert!(files.len() > 10, "found only {files:?}");
    files
        .into_iter()
        .map(|p| {
            let name = p
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (name, fs::read_to_string(&p).unwrap())
        })
        .collect()
}

#[test]
fn only_the_crate_root_declares_public_modules() {
    let offenders: Vec<String> = library_sources()
        .into_iter()
        .filter(|(name, _)| name != "lib.rs")
        .flat_map(|(name, text)| {
            text.lines()
                .filter(|l| l.trim_start().starts_with("pub mod "))
                .map(move |l| format!("{name}: {}", l.trim()))
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(
        offenders.is_empty(),
        "public submodules give their items a second path: {offenders:#?}"
    );
}

#[test]
fn only_the_root_and_error_re_export_another_modules_items() {
    let offenders: Vec<String> = library_sources()
        .into_iter()
        .filter(|(name, _)| name != "lib.rs" && name != "error.rs")
        .flat_map(|(name, text)| {
            text.lines()
                .map(str::trim_start)
                .filter(|l| l.starts_with("pub use crate::") || l.starts_with("pub use super::"))
                .map(move |l| format!("{name}: {l}"))
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(
        offenders.is_empty(),
        "re-exports outside the crate root and `error`: {offenders:#?}"
    );
}

#[test]
fn the_error_module_only_re_exports() {
    let (_, text) = library_sources()
        .into_iter()
        .find(|(name, _)| name == "error.rs")
        .expect("src/error.rs");
    // Unit tests of the error chains live at the end of the module, behind `#[cfg(test)]`.
    let code: String = text
        .lines()
        .map(str::trim)
        .take_while(|l| *l != "#[cfg(test)]")
        .filter(|l| !l.is_empty() && !l.starts_with("//"))
        .collect::<Vec<_>>()
        .join(" ");
    let statements: Vec<&str> = code
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    assert!(!statements.is_empty());
    for statement in &statements {
        // A re-export may be gated on the feature of the module it comes from.
        let statement = statement
            .strip_prefix("#[cfg(feature = \"client\")]")
            .map_or(*statement, str::trim);
        assert!(
            statement.starts_with("pub use crate::"),
            "`error` defines nothing of its own: {statement}"
        );
    }
}
