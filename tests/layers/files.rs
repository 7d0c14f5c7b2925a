//! The layer order inside every folder, file by file, checked from the sources. Where
//! `layers.rs` checks the top-level modules of `src/` against the README's table, this
//! checks every file of the crate (and of the simulator's `sim/src`):
//!
//! 1. **No import cycle between files**, anywhere in the crate: no file imports another
//!    that imports it back, directly or through others.
//! 2. **No file imports through the `mod.rs` of a folder it is in** (nor through the crate
//!    root): a leaf imports an item from the leaf that defines it
//!    (`use super::endpoint::Endpoint`), not through its folder's re-export
//!    (`use super::Endpoint`), and a `mod.rs` defines nothing a leaf could import.
//! 3. **Every `mod.rs` declares its files in layer order**, lowest first, in groups: each
//!    group starts with a `//` comment line naming it (rustfmt sorts `mod` lines only
//!    within a group, so the order of the groups stays), e.g.
//!
//!    ```text
//!    // primitives: the URLs and the request vocabulary
//!    mod base_url;
//!    mod endpoint;
//!
//!    // Apple's calls
//!    mod assets;
//!    mod client_config;
//!    ```
//!
//!    An import from a file of a lower group into a file of a higher group of the same
//!    folder runs upward; **at most two** such imports (distinct pairs of files) are
//!    allowed per folder, each named on the test's output. A file of a subfolder counts
//!    as a file of the group that declares the subfolder.
//!
//! What counts as an import: every path to this crate's items in code, outside `//`
//! comment lines and unit-test modules (`#[cfg(test)] mod … { … }`, which may use any
//! part of the crate to set up what they check): `use` lines with their groups
//! (`use super::{a::X, b}`), and paths inline in code and attributes (`crate::x::f()`,
//! `super::y::Z`, `self::z`, `$crate::…`, `serde(with = "super::x")`, and a child
//! module's name followed by `::`). A path is followed through the `use` lines of the
//! files it passes (so `crate::wire::AppleError` is an import of `wire/apple_error.rs`, the
//! file that defines it); a path that ends in a file's own item is an import of that file.
//! `main.rs` beside a `lib.rs` is a binary of its own that uses the library by name: it is
//! not read.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// One `.rs` file of a source root.
struct File {
    /// The path from the source root, with `/` (`api/endpoint.rs`).
    rel: String,
    /// Its module path below the crate root (`["api", "endpoint"]`; `[]` for `lib.rs`).
    module: Vec<String>,
    /// A `mod.rs` or the crate root: declares the files of its folder.
    declares_folder: bool,
    /// The source as written.
    source: String,
    /// The lines that count, each with the inline modules (not tests) it sits in.
    code: Vec<(Vec<String>, String)>,
    /// Modules declared with `mod x;` at the file's top level.
    children: BTreeSet<String>,
}

/// A path as written in a file, with where it was written.
struct Written {
    /// The inline modules the path sits in.
    inline: Vec<String>,
    /// The segments as written (`["super", "endpoint", "Endpoint"]`).
    segments: Vec<String>,
    /// The name it brings into scope when it is a `use` (alias or last segment).
    bound: Option<String>,
}

/// Where one import leads.
struct Resolved {
    /// The file that defines the item (or the module's own file).
    file: usize,
    /// The folder-declaring files (`mod.rs`, crate root) whose items or re-exports the
    /// path went through.
    via: Vec<usize>,
}

/// The files of a crate and the imports between them.
pub struct Crate {
    files: Vec<File>,
    by_module: BTreeMap<Vec<String>, usize>,
    /// For each file, the names its `use` lines bind at its top level, to absolute paths.
    scope: Vec<BTreeMap<String, Vec<String>>>,
    /// `(from, to)` file indices, with the first path written for it.
    edges: BTreeMap<(usize, usize), String>,
    /// Files that import through the `mod.rs` of a folder they are in: (file, mod file,
    /// path as written).
    through_own_mod: Vec<(usize, usize, String)>,
}

/// One problem, with the folder it belongs to (`""` for the source root).
pub type Problem = (String, String);

impl Crate {
    /// Reads every `.rs` file below `root`.
    pub fn read(root: &Path) -> Crate {
        let mut sources = Vec::new();
        let mut folders = vec![root.to_path_buf()];
        while let Some(folder) = folders.pop() {
            for entry in
                std::fs::read_dir(&folder).unwrap_or_else(|e| panic!("{}: {e}", folder.display()))
            {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    folders.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let rel = path
                        .strip_prefix(root)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/");
                    sources.push((rel, std::fs::read_to_string(&path).unwrap()));
                }
            }
        }
        Crate::from_sources(sources)
    }

    /// A crate from `(path from the source root, source)` pairs.
    pub fn from_sources(mut sources: Vec<(String, String)>) -> Crate {
        sources.sort();
        let has_lib = sources.iter().any(|(rel, _)| rel == "lib.rs");
        let mut files = Vec::new();
        for (rel, source) in sources {
            if has_lib && rel == "main.rs" {
                continue;
            }
            let mut module: Vec<String> = rel
                .trim_end_matches(".rs")
                .split('/')
                .map(str::to_owned)
                .collect();
            let declares_folder = matches!(
                module.last().map(String::as_str),
                Some("mod" | "lib" | "main")
            );
            if declares_folder {
                module.pop();
            }
            let code = code_lines(&source);
            let children = code
                .iter()
                .filter(|(inline, _)| inline.is_empty())
                .filter_map(|(_, line)| declared_module(line))
                .collect();
            files.push(File {
                rel,
                module,
                declares_folder,
                source,
                code,
                children,
            });
        }
        let by_module = files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.module.clone(), i))
            .collect();
        let mut krate = Crate {
            files,
            by_module,
            scope: Vec::new(),
            edges: BTreeMap::new(),
            through_own_mod: Vec::new(),
        };
        let written: Vec<Vec<Written>> = krate.files.iter().map(paths_written).collect();
        krate.scope = written
            .iter()
            .enumerate()
            .map(|(i, paths)| {
                paths
                    .iter()
                    .filter(|w| w.inline.is_empty())
                    .filter_map(|w| {
                        let bound = w.bound.clone()?;
                        Some((bound, krate.absolute(i, w)?))
                    })
                    .collect()
            })
            .collect();
        for (from, paths) in written.iter().enumerate() {
            for w in paths {
                let Some(path) = krate.absolute(from, w) else {
                    continue;
                };
                let Some(resolved) = krate.resolve(&path, 0) else {
                    continue;
                };
                let text = w.segments.join("::");
                for &m in &resolved.via {
                    let folder = &krate.files[m].module;
                    let inside = krate.files[from].module.len() > folder.len()
                        && krate.files[from].module.starts_with(folder);
                    if inside && m != from {
                        krate.through_own_mod.push((from, m, text.clone()));
                    }
                }
                if resolved.file != from {
                    krate.edges.entry((from, resolved.file)).or_insert(text);
                }
            }
        }
        krate.through_own_mod.sort();
        krate.through_own_mod.dedup();
        krate
    }

    /// The absolute module path (below the crate root) of a path written in file `file`,
    /// or `None` when it is not this crate's.
    fn absolute(&self, file: usize, w: &Written) -> Option<Vec<String>> {
        let f = &self.files[file];
        let mut base: Vec<String> = f.module.iter().chain(&w.inline).cloned().collect();
        let mut segments = w.segments.iter().peekable();
        match segments.peek()?.as_str() {
            "crate" | "$crate" => {
                segments.next();
                base.clear();
            }
            "self" => {
                segments.next();
            }
            "super" => {
                while segments.peek().is_some_and(|s| *s == "super") {
                    segments.next();
                    base.pop()?;
                }
            }
            first if w.inline.is_empty() && f.children.contains(first) => {}
            _ => return None,
        }
        base.extend(segments.filter(|s| *s != "self").cloned());
        Some(base)
    }

    /// The file an absolute path leads to, following the `use` lines of the files it
    /// passes.
    fn resolve(&self, path: &[String], depth: usize) -> Option<Resolved> {
        let mut current = *self.by_module.get(&Vec::new())?;
        for (i, segment) in path.iter().enumerate() {
            let mut next = self.files[current].module.clone();
            next.push(segment.clone());
            if let Some(&file) = self.by_module.get(&next) {
                current = file;
                continue;
            }
            // `segment` is an item of `current`: its own, or one its `use` lines bring.
            if let Some(target) = self.scope[current].get(segment) {
                if depth < 16 && target.as_slice() != &path[..=i] {
                    let mut rest = target.clone();
                    rest.extend(path[i + 1..].iter().cloned());
                    if let Some(mut resolved) = self.resolve(&rest, depth + 1) {
                        if self.files[current].declares_folder {
                            resolved.via.insert(0, current);
                        }
                        return Some(resolved);
                    }
                }
            }
            let via = if self.files[current].declares_folder {
                vec![current]
            } else {
                Vec::new()
            };
            return Some(Resolved { file: current, via });
        }
        // The path names a module: an import of the module's own file.
        let via = if self.files[current].declares_folder && !path.is_empty() {
            vec![current]
        } else {
            Vec::new()
        };
        Some(Resolved { file: current, via })
    }

    /// The files' paths, to name them in messages.
    fn name(&self, file: usize) -> &str {
        &self.files[file].rel
    }

    /// The folder (path from the source root, `""` for the root) of a module path.
    fn folder_of(module: &[String]) -> String {
        module.join("/")
    }

    /// Every way the crate breaks the rules in the module docs, each with its folder.
    pub fn problems(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        for &(from, through, ref text) in &self.through_own_mod {
            let folder = Self::folder_of(&self.files[through].module);
            problems.push((
                folder,
                format!(
                    "{} imports `{text}` through {}, the module of a folder it is in: import it from the file that defines it",
                    self.name(from),
                    self.name(through)
                ),
            ));
        }
        problems.extend(self.group_problems());
        problems.extend(self.cycles());
        problems
    }

    /// The groups of each `mod.rs` and the upward imports between them.
    fn group_problems(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        for (index, file) in self.files.iter().enumerate() {
            if !file.declares_folder || file.module.is_empty() {
                continue; // the crate root's order is the README's layer table
            }
            let folder = Self::folder_of(&file.module);
            let groups = match groups(&file.source) {
                Ok(groups) => groups,
                Err(e) => {
                    problems.push((folder, format!("{}: {e}", file.rel)));
                    continue;
                }
            };
            let group_of = |f: usize| -> Option<usize> {
                let module = &self.files[f].module;
                if f == index || !module.starts_with(&file.module) {
                    return None;
                }
                let member = module.get(file.module.len())?;
                groups
                    .iter()
                    .position(|(_, members)| members.contains(member))
            };
            let upward: Vec<String> = self
                .edges
                .iter()
                .filter_map(|(&(from, to), text)| {
                    let (low, high) = (group_of(from)?, group_of(to)?);
                    (low < high).then(|| {
                        format!(
                            "{} (group \"{}\") imports `{text}` from {} (group \"{}\", higher)",
                            self.name(from),
                            groups[low].0,
                            self.name(to),
                            groups[high].0
                        )
                    })
                })
                .collect();
            if upward.len() > MAX_UPWARD {
                problems.push((
                    folder,
                    format!(
                        "{} upward imports in {}/ (at most {MAX_UPWARD}): {}",
                        upward.len(),
                        Self::folder_of(&file.module),
                        upward.join("; ")
                    ),
                ));
            } else if !upward.is_empty() {
                println!("allowed upward imports: {}", upward.join("; "));
            }
        }
        problems
    }

    /// One message per group of files that import each other in a ring (a strongly
    /// connected component of the import graph), naming every import inside the group,
    /// so that the message shows each import that would have to go.
    fn cycles(&self) -> Vec<Problem> {
        let n = self.files.len();
        let mut reach = vec![vec![false; n]; n];
        for (start, row) in reach.iter_mut().enumerate() {
            let mut stack = vec![start];
            while let Some(file) = stack.pop() {
                for (&(from, to), _) in self.edges.range((file, 0)..=(file, usize::MAX)) {
                    debug_assert_eq!(from, file);
                    if !row[to] {
                        row[to] = true;
                        stack.push(to);
                    }
                }
            }
        }
        let mut seen = vec![false; n];
        let mut found = Vec::new();
        for first in 0..n {
            if seen[first] || !reach[first][first] {
                continue;
            }
            let ring: Vec<usize> = (0..n)
                .filter(|&f| reach[first][f] && reach[f][first])
                .collect();
            for &f in &ring {
                seen[f] = true;
            }
            let steps: Vec<String> = self
                .edges
                .iter()
                .filter(|((from, to), _)| ring.contains(from) && ring.contains(to))
                .map(|(&(from, _), text)| format!("{} imports `{text}`", self.name(from)))
                .collect();
            // The cycle belongs to the innermost folder holding all its files.
            let mut folder = self.folder_module(ring[0]);
            for &f in &ring {
                let m = self.folder_module(f);
                let common = folder.iter().zip(&m).take_while(|(a, b)| a == b).count();
                folder.truncate(common);
            }
            found.push((
                Self::folder_of(&folder),
                format!("import cycle: {}", steps.join("; ")),
            ));
        }
        found
    }

    /// The module path of the folder a file is in.
    fn folder_module(&self, file: usize) -> Vec<String> {
        let f = &self.files[file];
        let mut module = f.module.clone();
        if !f.declares_folder {
            module.pop();
        }
        module
    }
}

/// Imports allowed per folder from a file of a lower group up to one of a higher group.
const MAX_UPWARD: usize = 2;

/// The lines of `source` that count: without `//` comment lines and unit-test modules,
/// each with the names of the inline modules around it.
fn code_lines(source: &str) -> Vec<(Vec<String>, String)> {
    let mut out = Vec::new();
    let mut inline: Vec<(String, String)> = Vec::new(); // (name, closing line)
    let mut skip_until: Option<String> = None;
    let mut test_attribute = false;
    for line in source.lines() {
        if let Some(end) = &skip_until {
            if line == end {
                skip_until = None;
            }
            continue;
        }
        if inline.last().is_some_and(|(_, end)| line == end) {
            inline.pop();
            continue;
        }
        let trimmed = line.trim_start();
        if trimmed.starts_with("//") {
            continue;
        }
        let indent = &line[..line.len() - trimmed.len()];
        if let Some(name) = inline_module(trimmed) {
            if test_attribute {
                skip_until = Some(format!("{indent}}}"));
            } else {
                inline.push((name, format!("{indent}}}")));
            }
            test_attribute = false;
            continue;
        }
        if trimmed.starts_with("#[") {
            test_attribute |= trimmed.starts_with("#[cfg(test)]")
                || (trimmed.starts_with("#[cfg(") && trimmed.contains("test,"));
        } else {
            test_attribute = false;
        }
        let names = inline.iter().map(|(n, _)| n.clone()).collect();
        out.push((names, line.to_owned()));
    }
    out
}

/// `name` when `line` opens an inline module (`mod name {`, `pub(crate) mod name {`).
fn inline_module(line: &str) -> Option<String> {
    let rest = strip_visibility(line).strip_prefix("mod ")?;
    let name = ident(rest);
    rest[name.len()..]
        .trim()
        .starts_with('{')
        .then(|| name.to_owned())
}

/// `name` when `line` declares a module file (`mod name;`, `pub(crate) mod name;`).
fn declared_module(line: &str) -> Option<String> {
    let rest = strip_visibility(line.trim()).strip_prefix("mod ")?;
    let name = ident(rest);
    (rest[name.len()..].trim() == ";").then(|| name.to_owned())
}

fn strip_visibility(line: &str) -> &str {
    let Some(rest) = line.strip_prefix("pub") else {
        return line;
    };
    let rest = match rest.strip_prefix('(') {
        Some(inner) => inner.split_once(')').map_or(rest, |(_, after)| after),
        None => rest,
    };
    rest.trim_start()
}

fn ident(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    &text[..end]
}

/// The groups of a `mod.rs`: each group's name (its `//` comment line) and the modules it
/// declares, lowest group first; an error when a module is declared outside any group.
fn groups(source: &str) -> Result<Vec<(String, Vec<String>)>, String> {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    let mut open: Option<String> = None;
    for line in source.lines() {
        let trimmed = line.trim();
        if let Some(comment) = trimmed.strip_prefix("//") {
            if !comment.starts_with('/') && !comment.starts_with('!') && line == trimmed {
                open = Some(comment.trim().to_owned());
            }
            continue;
        }
        let Some(module) = declared_module(trimmed) else {
            continue;
        };
        let Some(name) = open.take().or_else(|| groups.last().map(|g| g.0.clone())) else {
            return Err(format!(
                "`mod {module};` is declared before any group: declare the files in layer order, lowest first, each group after a `//` comment line naming it"
            ));
        };
        match groups.last_mut() {
            Some((last, members)) if *last == name => members.push(module),
            _ => groups.push((name, vec![module])),
        }
    }
    Ok(groups)
}

/// Every path to this crate's items written in `file` (see the module docs).
fn paths_written(file: &File) -> Vec<Written> {
    let mut found = Vec::new();
    let mut statement: Option<(Vec<String>, String)> = None;
    for (inline, line) in &file.code {
        let line = &without_restrictions(line);
        let trimmed = line.trim();
        if statement.is_none() && strip_visibility(trimmed).starts_with("use ") {
            statement = Some((inline.clone(), String::new()));
        }
        if let Some((at, text)) = &mut statement {
            text.push_str(trimmed);
            text.push(' ');
            if trimmed.ends_with(';') {
                let tree = strip_visibility(text.trim())
                    .trim_start_matches("use ")
                    .trim_end_matches([';', ' ']);
                let mut leaves = Vec::new();
                use_tree(tree, &[], &mut leaves);
                found.extend(leaves.into_iter().map(|(segments, bound)| Written {
                    inline: at.clone(),
                    segments,
                    bound,
                }));
                statement = None;
            }
            continue;
        }
        for segments in inline_paths(line, inline.is_empty().then_some(&file.children)) {
            found.push(Written {
                inline: inline.clone(),
                segments,
                bound: None,
            });
        }
    }
    found
}

/// `line` without the paths of visibilities (`pub(in crate::token)` becomes `pub`): they
/// restrict who sees an item, they import nothing.
fn without_restrictions(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(at) = rest.find("pub(in ") {
        out.push_str(&rest[..at + 3]);
        rest = rest[at..].split_once(')').map_or("", |(_, after)| after);
    }
    out.push_str(rest);
    out
}

/// The leaves of a `use` tree (`a::{b::C as D, self, e::*}`), each with the name it binds.
fn use_tree(tree: &str, prefix: &[String], out: &mut Vec<(Vec<String>, Option<String>)>) {
    let tree = tree.trim();
    if let Some(open) = tree.find('{') {
        let head = tree[..open].trim().trim_end_matches("::");
        let mut base = prefix.to_vec();
        base.extend(
            head.split("::")
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
        );
        let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
        let mut depth = 0usize;
        let mut start = 0;
        for (i, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    use_tree(&inner[start..i], &base, out);
                    start = i + 1;
                }
                _ => {}
            }
        }
        use_tree(&inner[start..], &base, out);
        return;
    }
    if tree.is_empty() {
        return;
    }
    let (path, alias) = match tree.split_once(" as ") {
        Some((path, alias)) => (path.trim(), Some(alias.trim().to_owned())),
        None => (tree, None),
    };
    if path.starts_with("::") {
        return; // an external crate
    }
    let mut segments = prefix.to_vec();
    segments.extend(path.split("::").map(|s| s.trim().to_owned()));
    let last = segments.last().cloned().unwrap_or_default();
    let bound = match last.as_str() {
        "*" => None,
        "self" => alias.or_else(|| segments.iter().rev().nth(1).cloned()),
        _ => alias.or(Some(last)),
    };
    out.push((segments, bound));
}

/// The paths to this crate written inline in `line`: after `crate::`, `$crate::`,
/// `super::`, `self::`, or one of `children` (the file's own module files) followed by
/// `::`, not preceded by a part of a name or `::`.
fn inline_paths(line: &str, children: Option<&BTreeSet<String>>) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < line.len() {
        let before = if i == 0 { None } else { Some(bytes[i - 1]) };
        let starts_path =
            !before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b':');
        let word = ident(&line[i..]);
        if word.is_empty() {
            i += line[i..].chars().next().map_or(1, char::len_utf8);
            continue;
        }
        if !starts_path {
            i += word.len();
            continue;
        }
        let known = matches!(word, "crate" | "super" | "self")
            || children.is_some_and(|c| c.contains(word));
        if known && line[i + word.len()..].starts_with("::") {
            let mut segments = vec![word.to_owned()];
            if before == Some(b'$') {
                segments[0] = "$crate".to_owned();
            }
            let mut at = i + word.len();
            while let Some(rest) = line[at..].strip_prefix("::") {
                let next = ident(rest);
                if next.is_empty() {
                    break;
                }
                segments.push(next.to_owned());
                at += 2 + next.len();
            }
            i = at;
            found.push(segments);
        } else {
            i += word.len();
        }
    }
    found
}

/// The problems of the crate at `root` (from the repository's root), the folders of
/// `pending` apart: those are printed, and each must still have at least one (so that
/// the exception is removed once its folder keeps the rules).
#[track_caller]
fn assert_files_layered(root: &str, pending: &[&str]) {
    let krate = Crate::read(&Path::new(env!("CARGO_MANIFEST_DIR")).join(root));
    assert!(
        krate.files.len() >= 10 && krate.edges.len() >= 10,
        "{root}: found only {} files and {} imports: the check would pass without checking",
        krate.files.len(),
        krate.edges.len()
    );
    let in_pending = |folder: &str| {
        pending
            .iter()
            .any(|p| folder == *p || folder.starts_with(&format!("{p}/")))
    };
    let (later, now): (Vec<Problem>, Vec<Problem>) = krate
        .problems()
        .into_iter()
        .partition(|(f, _)| in_pending(f));
    for (folder, problem) in &later {
        println!("{root}/{folder} (not yet held to the rules): {problem}");
    }
    for folder in pending {
        assert!(
            later
                .iter()
                .any(|(f, _)| in_pending(f) && f.starts_with(folder)),
            "{root}/{folder} keeps the rules now: remove it from the folders not yet checked"
        );
    }
    assert!(
        now.is_empty(),
        "{root}, file by file:\n- {}",
        now.iter()
            .map(|(_, p)| p.as_str())
            .collect::<Vec<_>>()
            .join("\n- ")
    );
}

#[test]
fn the_library_keeps_its_layers_file_by_file() {
    assert_files_layered("src", &[]);
}

#[test]
fn the_simulator_keeps_its_layers_file_by_file() {
    assert_files_layered("sim/src", &[]);
}

// ---- the checker itself, on small inline examples ----

fn problems_of(files: &[(&str, &str)]) -> Vec<String> {
    let krate = Crate::from_sources(
        files
            .iter()
            .map(|(rel, source)| (rel.to_string(), source.to_string()))
            .collect(),
    );
    krate.problems().into_iter().map(|(_, p)| p).collect()
}

const ROOT: &str = "mod a;\nmod b;\n";

#[test]
fn a_folder_in_layer_order_passes() {
    let found = problems_of(&[
        ("lib.rs", ROOT),
        (
            "a/mod.rs",
            "// low\nmod x;\n\n// high\nmod y;\n\npub use y::Y;\n",
        ),
        ("a/x.rs", "pub struct X;\n"),
        ("a/y.rs", "use super::x::X;\npub struct Y(X);\n"),
        ("b.rs", "use crate::a::Y;\n"),
    ]);
    assert_eq!(found, Vec::<String>::new());
}

#[test]
fn a_cycle_between_files_is_named_with_each_import() {
    let found = problems_of(&[
        ("lib.rs", ROOT),
        ("a/mod.rs", "// all\nmod x;\nmod y;\nmod z;\n"),
        ("a/x.rs", "use super::y::Y;\npub struct X;\n"),
        ("a/y.rs", "pub struct Y;\nfn f() { super::z::g() }\n"),
        ("a/z.rs", "pub fn g() { let _ = crate::a::x::X; }\n"),
        ("b.rs", ""),
    ]);
    assert_eq!(
        found,
        [
            "import cycle: a/x.rs imports `super::y::Y`; a/y.rs imports `super::z::g`; a/z.rs imports `crate::a::x::X`"
        ]
    );
}

#[test]
fn a_cycle_across_folders_is_found_through_re_exports() {
    let found = problems_of(&[
        ("lib.rs", ROOT),
        ("a/mod.rs", "// all\nmod y;\n\npub use y::Y;\n"),
        ("a/y.rs", "pub struct Y(crate::b::Z);\n"),
        ("b.rs", "use crate::a::Y;\npub struct Z;\n"),
    ]);
    assert_eq!(
        found,
        ["import cycle: a/y.rs imports `crate::b::Z`; b.rs imports `crate::a::Y`"]
    );
}

#[test]
fn three_upward_imports_in_one_folder_are_too_many_two_are_named() {
    let folder = "// low\nmod v;\nmod w;\n\n// high\nmod x;\nmod y;\n";
    let three = [
        ("lib.rs", ROOT),
        ("a/mod.rs", folder),
        ("a/v.rs", "use super::x::X;\nuse super::y::Y;\n"),
        ("a/w.rs", "fn f() { let _ = super::y::Y; }\n"),
        ("a/x.rs", "pub struct X;\n"),
        ("a/y.rs", "pub struct Y;\n"),
        ("b.rs", ""),
    ];
    let found = problems_of(&three);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("3 upward imports in a/ (at most 2): a/v.rs (group \"low\") imports `super::x::X` from a/x.rs (group \"high\", higher); "),
        "{found:?}"
    );
    assert!(
        found[0].contains("a/w.rs (group \"low\") imports `super::y::Y` from a/y.rs"),
        "{found:?}"
    );
    let mut two = three;
    two[3] = ("a/w.rs", "");
    assert_eq!(problems_of(&two), Vec::<String>::new());
}

#[test]
fn a_leaf_importing_through_its_folders_module_is_named() {
    let found = problems_of(&[
        ("lib.rs", ROOT),
        (
            "a/mod.rs",
            "// all\nmod x;\nmod y;\n\npub use y::Y;\n\npub const OWN: u8 = 1;\n",
        ),
        ("a/x.rs", "use super::Y;\nfn f() -> u8 { crate::a::OWN }\n"),
        ("a/y.rs", "pub struct Y;\n"),
        ("b.rs", "use crate::a::Y;\n"),
    ]);
    assert_eq!(
        found,
        [
            "a/x.rs imports `crate::a::OWN` through a/mod.rs, the module of a folder it is in: import it from the file that defines it",
            "a/x.rs imports `super::Y` through a/mod.rs, the module of a folder it is in: import it from the file that defines it",
        ]
    );
}

#[test]
fn an_item_defined_in_a_mod_rs_and_re_exported_makes_a_cycle() {
    let found = problems_of(&[
        ("lib.rs", ROOT),
        (
            "a/mod.rs",
            "// all\nmod x;\n\npub use x::X;\n\npub struct Own;\n",
        ),
        ("a/x.rs", "pub struct X(super::Own);\n"),
        ("b.rs", ""),
    ]);
    assert_eq!(
        found,
        [
            "a/x.rs imports `super::Own` through a/mod.rs, the module of a folder it is in: import it from the file that defines it",
            "import cycle: a/mod.rs imports `x::X`; a/x.rs imports `super::Own`",
        ]
    );
}

#[test]
fn a_module_declared_outside_a_group_is_named() {
    let found = problems_of(&[
        ("lib.rs", ROOT),
        ("a/mod.rs", "//! Docs.\n\nmod x;\n"),
        ("a/x.rs", ""),
        ("b.rs", ""),
    ]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("a/mod.rs: `mod x;` is declared before any group"),
        "{found:?}"
    );
}

#[test]
fn comments_tests_and_inline_modules_are_read_as_the_compiler_does() {
    let found = problems_of(&[
        ("lib.rs", ROOT),
        ("a/mod.rs", "// all\nmod x;\nmod y;\n"),
        (
            "a/x.rs",
            "\
// use super::y::Y; (a comment)
/// [`Y`](super::y::Y)
pub struct X;
mod inner {
    use super::X; // this file's own item
}
#[cfg(test)]
mod tests {
    use super::super::y::Y;
}
",
        ),
        (
            "a/y.rs",
            "use super::x::X;\n#[serde(with = \"super::x\")]\nstruct Y;\n",
        ),
        ("b.rs", ""),
    ]);
    assert_eq!(found, Vec::<String>::new());
}

#[test]
fn use_trees_and_inline_paths_are_read_whole() {
    let mut leaves = Vec::new();
    use_tree("crate::{a::{X, Y as Z}, b::{self}, c::*}", &[], &mut leaves);
    let leaves: Vec<(String, Option<String>)> =
        leaves.into_iter().map(|(s, b)| (s.join("::"), b)).collect();
    assert_eq!(
        leaves,
        [
            ("crate::a::X".to_owned(), Some("X".to_owned())),
            ("crate::a::Y".to_owned(), Some("Z".to_owned())),
            ("crate::b::self".to_owned(), Some("b".to_owned())),
            ("crate::c::*".to_owned(), None),
        ]
    );
    assert_eq!(
        without_restrictions("pub(in crate::token) struct D { pub(in super::super) a: u8 }"),
        "pub struct D { pub a: u8 }"
    );
    let children: BTreeSet<String> = ["decode".to_owned()].into();
    assert_eq!(
        inline_paths(
            "let x = decode::f(::decode::g(), my_crate::h, $crate::p::Q, super::super::r);",
            Some(&children)
        ),
        [
            vec!["decode", "f"],
            vec!["$crate", "p", "Q"],
            vec!["super", "super", "r"]
        ]
    );
}
