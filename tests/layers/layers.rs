//! The layer order of the modules, checked from their source: every top-level module of
//! `src/` (a file `src/x.rs` or a folder `src/x/`) is named exactly once in the README's
//! layer table, imports (`crate::x…`, in `use` lines or inline paths, outside comments)
//! only modules of its own layer or of a lower one, and no import cycle joins two modules.
//! The simulator's `sim/src` is checked the same way against `sim/README.md` once that file
//! has a `## Layers` section with such a table. Inside every folder the files are checked
//! the same way, file by file, in `files.rs`.
//!
//! The table, rows from the bottom layer up, modules in backticks separated by commas:
//!
//! ```text
//! | layer | modules | what it holds |
//! |-------|---------|---------------|
//! | Apple's JSON | `wire` | … |
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// For each top-level module, the modules it imports, each with the first file (relative
/// to the source root) that does.
type Graph = BTreeMap<String, BTreeMap<String, String>>;

/// The layer table: each row's layer name and its modules, bottom layer first.
type Table = Vec<(String, Vec<String>)>;

/// The first path segment after every `crate::` in `source`, outside `//` comment lines,
/// including every branch of a grouped import (`crate::{a::X, b::{Y, Z}}` gives `a`, `b`).
fn references(source: &str) -> Vec<String> {
    let code: String = source
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut found = Vec::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // `my_crate::…` is not this crate
        }
        if let Some(group) = rest.strip_prefix('{') {
            found.extend(group_heads(group));
        } else {
            let name = ident(rest);
            if !name.is_empty() {
                found.push(name.to_owned());
            }
        }
    }
    found
}

/// The first segment of each comma-separated branch of a `{…}` group that `text` opens
/// (`text` starts just after the `{`).
fn group_heads(text: &str) -> Vec<String> {
    let mut heads = Vec::new();
    let mut depth = 0usize;
    let mut at_branch_start = true;
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => at_branch_start = true,
            c if c.is_whitespace() => {}
            _ if at_branch_start && depth == 0 => {
                at_branch_start = false;
                let name = ident(&text[i..]);
                if !name.is_empty() {
                    heads.push(name.to_owned());
                }
            }
            _ => {}
        }
    }
    heads
}

fn ident(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    &text[..end]
}

/// The top-level modules of the source root `dir` and the imports between them.
fn graph_of(dir: &Path) -> Graph {
    let mut graph = Graph::new();
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let module = match name.strip_suffix(".rs") {
            Some("lib" | "main") => continue,
            Some(stem) => stem.to_owned(),
            None if path.is_dir() => name,
            None => continue,
        };
        graph.entry(module).or_default();
    }
    let modules: Vec<String> = graph.keys().cloned().collect();
    for module in &modules {
        for file in rust_files(dir, module) {
            let source = std::fs::read_to_string(&file).unwrap();
            let relative = file.strip_prefix(dir).unwrap().display().to_string();
            for target in references(&source) {
                if &target != module && graph.contains_key(&target) {
                    graph
                        .get_mut(module)
                        .unwrap()
                        .entry(target)
                        .or_insert_with(|| relative.clone());
                }
            }
        }
    }
    graph
}

/// `dir/module.rs` and every `.rs` file below `dir/module/`.
fn rust_files(dir: &Path, module: &str) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let file = dir.join(format!("{module}.rs"));
    if file.is_file() {
        files.push(file);
    }
    let mut folders = vec![dir.join(module)];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The first table of `readme` whose header is `| layer | modules | …`, after the heading
/// `section` when one is given.
fn layer_table(readme: &str, section: Option<&str>) -> Result<Table, String> {
    let text = match section {
        Some(heading) => {
            let at = readme
                .lines()
                .position(|l| l.trim() == heading)
                .ok_or_else(|| format!("no `{heading}` section"))?;
            readme.lines().skip(at + 1).collect::<Vec<_>>()
        }
        None => readme.lines().collect(),
    };
    let header = text
        .iter()
        .position(|l| {
            let cells = cells(l);
            cells.len() >= 2 && cells[0] == "layer" && cells[1] == "modules"
        })
        .ok_or("no table with the header `| layer | modules | what it holds |`")?;
    let mut table = Table::new();
    for row in text[header + 2..].iter().take_while(|l| l.starts_with('|')) {
        let cells = cells(row);
        let [layer, modules, ..] = cells.as_slice() else {
            return Err(format!("the row {row:?} has no modules column"));
        };
        let modules = modules
            .split(',')
            .map(|m| {
                let m = m.trim();
                m.strip_prefix('`')
                    .and_then(|m| m.strip_suffix('`'))
                    .map(str::to_owned)
                    .ok_or_else(|| {
                        format!("the module {m:?} in the row {row:?} is not in backticks")
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        table.push((layer.clone(), modules));
    }
    if table.is_empty() {
        return Err("the layer table has no rows".into());
    }
    Ok(table)
}

fn cells(row: &str) -> Vec<String> {
    let row = row.trim();
    let Some(inner) = row.strip_prefix('|').and_then(|r| r.strip_suffix('|')) else {
        return Vec::new();
    };
    inner.split('|').map(|c| c.trim().to_owned()).collect()
}

/// Every way `graph` breaks the layer table `table`, one message each: modules missing from
/// the table or named twice, names that are no module, imports of a higher layer, cycles.
fn problems(graph: &Graph, table: &Table) -> Vec<String> {
    let mut problems = Vec::new();
    let mut layer_of: BTreeMap<&str, (usize, &str)> = BTreeMap::new();
    for (index, (layer, modules)) in table.iter().enumerate() {
        for module in modules {
            if let Some((_, first)) = layer_of.insert(module, (index, layer)) {
                problems.push(format!(
                    "`{module}` is in the layer table twice (layers \"{first}\" and \"{layer}\")"
                ));
            }
            if !graph.contains_key(module) {
                problems.push(format!(
                    "`{module}` (layer \"{layer}\") is in the layer table but is no module of the source"
                ));
            }
        }
    }
    for (module, imports) in graph {
        let Some(&(from, from_layer)) = layer_of.get(module.as_str()) else {
            problems.push(format!("module `{module}` is not in the layer table"));
            continue;
        };
        for (target, file) in imports {
            if let Some(&(to, to_layer)) = layer_of.get(target.as_str()) {
                if to > from {
                    problems.push(format!(
                        "`{module}` (layer \"{from_layer}\") imports `crate::{target}` (layer \"{to_layer}\", higher) in {file}"
                    ));
                }
            }
        }
    }
    problems.extend(cycles(graph));
    problems
}

/// One message per import cycle found, naming its modules and the file of each import.
fn cycles(graph: &Graph) -> Vec<String> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        OnPath,
        Done,
    }
    fn visit<'g>(
        module: &'g str,
        graph: &'g Graph,
        marks: &mut BTreeMap<&'g str, Mark>,
        path: &mut Vec<&'g str>,
        found: &mut Vec<String>,
    ) {
        marks.insert(module, Mark::OnPath);
        path.push(module);
        for target in graph[module].keys() {
            match marks.get(target.as_str()).copied().unwrap_or(Mark::New) {
                Mark::New => visit(target, graph, marks, path, found),
                Mark::OnPath => {
                    let start = path.iter().position(|m| m == target).unwrap();
                    let ring: Vec<&str> = path[start..].to_vec();
                    let steps: Vec<String> = ring
                        .iter()
                        .zip(ring.iter().skip(1).chain([&ring[0]]))
                        .map(|(a, b)| format!("`{a}` imports `crate::{b}` in {}", graph[*a][*b]))
                        .collect();
                    found.push(format!("import cycle: {}", steps.join("; ")));
                }
                Mark::Done => {}
            }
        }
        path.pop();
        marks.insert(module, Mark::Done);
    }
    let mut marks = BTreeMap::new();
    let mut found = Vec::new();
    for module in graph.keys() {
        if marks.get(module.as_str()).copied().unwrap_or(Mark::New) == Mark::New {
            visit(module, graph, &mut marks, &mut Vec::new(), &mut found);
        }
    }
    found
}

#[track_caller]
fn assert_layered(source: &str, readme: &str, section: Option<&str>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let graph = graph_of(&root.join(source));
    let text = std::fs::read_to_string(root.join(readme)).unwrap();
    let table = layer_table(&text, section).unwrap_or_else(|e| panic!("{readme}: {e}"));
    assert!(
        graph.len() >= 5 && graph.values().any(|imports| !imports.is_empty()),
        "{source}: found only {graph:?}: the check would pass without checking"
    );
    let problems = problems(&graph, &table);
    assert!(
        problems.is_empty(),
        "{source} against the layer table of {readme}:\n- {}",
        problems.join("\n- ")
    );
}

#[test]
fn the_library_keeps_the_readmes_layers() {
    assert_layered("src", "README.md", None);
}

/// Checked once `sim/README.md` has a `## Layers` section; until then there is no table to
/// check against, and this test says so on its output.
#[test]
fn the_simulator_keeps_its_readmes_layers() {
    let readme = Path::new(env!("CARGO_MANIFEST_DIR")).join("sim/README.md");
    let text = std::fs::read_to_string(readme).unwrap();
    if !text.lines().any(|l| l.trim() == "## Layers") {
        println!(
            "sim/README.md has no `## Layers` section: the simulator's layers are not checked"
        );
        return;
    }
    assert_layered("sim/src", "sim/README.md", Some("## Layers"));
}

// ---- the checker itself, on small inline examples ----

fn graph(edges: &[(&str, &[&str])]) -> Graph {
    edges
        .iter()
        .map(|(module, imports)| {
            let imports = imports
                .iter()
                .map(|t| (t.to_string(), format!("{module}.rs")))
                .collect();
            (module.to_string(), imports)
        })
        .collect()
}

const TABLE: &str = "\
intro

| layer | modules | what it holds |
|-------|---------|---------------|
| primitives | `ids` | numbers |
| Apple's JSON | `wire` | records |
| endpoints | `api`, `client` | calls |

after the table
";

#[test]
fn references_are_read_from_code_not_comments() {
    let source = r#"
use crate::wire::{AppleError, ErrorNumber};
use crate::{ids::EventId, secret::{SecretString, Other}, token};
// use crate::comment_only;
/// [`x`](crate::doc_only)
fn f() { let _ = crate::api::is_loopback(&u); }
#[serde(deserialize_with = "crate::date::deserialize")]
macro_rules! m { () => { $crate::paging::X } }
use other_crate::not_ours;
"#;
    assert_eq!(
        references(source),
        ["wire", "ids", "secret", "token", "api", "date", "paging"]
    );
}

#[test]
fn a_table_is_read_bottom_up_and_refused_when_malformed() {
    let table = layer_table(TABLE, None).unwrap();
    assert_eq!(
        table,
        [
            ("primitives".to_owned(), vec!["ids".to_owned()]),
            ("Apple's JSON".to_owned(), vec!["wire".to_owned()]),
            (
                "endpoints".to_owned(),
                vec!["api".to_owned(), "client".to_owned()]
            ),
        ]
    );
    assert!(layer_table("no table here", None).is_err());
    assert!(
        layer_table(TABLE, Some("## Layers")).is_err(),
        "no such section"
    );
    let unquoted = TABLE.replace("`ids`", "ids");
    assert!(
        layer_table(&unquoted, None)
            .unwrap_err()
            .contains("\"ids\"")
    );
    let with_section = format!("## Other\n\n## Layers\n\n{TABLE}");
    assert_eq!(layer_table(&with_section, Some("## Layers")), Ok(table));
}

#[test]
fn each_broken_rule_is_named_with_its_modules_and_files() {
    let table = layer_table(TABLE, None).unwrap();
    type Row<'a> = (&'a str, &'a [(&'a str, &'a [&'a str])], &'a [&'a str]);
    let rows: [Row; 4] = [
        (
            "imports only downwards, no cycle",
            &[
                ("ids", &[]),
                ("wire", &["ids"]),
                ("api", &["wire"]),
                ("client", &["api", "ids"]),
            ],
            &[],
        ),
        (
            "two modules of one layer import each other: the order allows it, a cycle",
            &[
                ("ids", &[]),
                ("wire", &["ids"]),
                ("api", &["wire", "ids", "client"]),
                ("client", &["api"]),
            ],
            &[
                "import cycle: `api` imports `crate::client` in api.rs; `client` imports `crate::api` in client.rs",
            ],
        ),
        (
            "an upward import",
            &[
                ("ids", &[]),
                ("wire", &["api"]),
                ("api", &[]),
                ("client", &[]),
            ],
            &[
                "`wire` (layer \"Apple's JSON\") imports `crate::api` (layer \"endpoints\", higher) in wire.rs",
            ],
        ),
        (
            "a cycle across layers, closed by an upward import",
            &[
                ("ids", &["api"]),
                ("wire", &["ids"]),
                ("api", &["wire"]),
                ("client", &[]),
            ],
            &[
                "`ids` (layer \"primitives\") imports `crate::api` (layer \"endpoints\", higher) in ids.rs",
                "import cycle: `api` imports `crate::wire` in api.rs; `wire` imports `crate::ids` in wire.rs; `ids` imports `crate::api` in ids.rs",
            ],
        ),
    ];
    for (case, edges, expected) in rows {
        assert_eq!(problems(&graph(edges), &table), expected, "{case}");
    }
}

#[test]
fn missing_unknown_and_repeated_modules_are_named() {
    let table = layer_table(
        &TABLE.replace("`api`, `client`", "`api`, `ids`, `gone`"),
        None,
    )
    .unwrap();
    let g = graph(&[("ids", &[]), ("wire", &[]), ("api", &[]), ("client", &[])]);
    let found = problems(&g, &table);
    assert_eq!(
        found,
        [
            "`ids` is in the layer table twice (layers \"primitives\" and \"endpoints\")",
            "`gone` (layer \"endpoints\") is in the layer table but is no module of the source",
            "module `client` is not in the layer table",
        ]
    );
}

#[test]
fn the_modules_of_a_source_root_are_its_files_and_folders() {
    let g = graph_of(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(g.contains_key("wire"), "a folder is a module: {g:?}");
    assert!(g.contains_key("ids"), "a file is a module: {g:?}");
    assert!(!g.contains_key("lib"), "lib.rs is the root, no module");
    assert!(g["client"].contains_key("api"), "{:?}", g["client"]);
}
