//! The examples' built binaries, for the tests that run an example as an admin or a
//! script would: `target/<profile>/examples/<name>`, started directly, never through
//! `cargo run` (which would check, and with other features rebuild, the crate each time).
//!
//! Where the binaries come from:
//! - `cargo test` builds every example before it runs a test, with the profile and the
//!   features of the test binaries, and so does `.ci/run`'s
//!   `cargo build --all-features --bins --examples`.
//! - `cargo test --test examples` (one area) builds no example, and a binary left by an
//!   earlier command may have been built with other features (`cargo test
//!   --no-default-features` builds `inspect` and `notifications` without `client`).
//!
//! So the first [`example_bin`] call in a test process runs `cargo build --examples` once,
//! from the workspace root (the same packages, hence the same dependency features, as the
//! `cargo test` that built this binary), with this test binary's profile and features. When
//! the examples are fresh that is a no-op of a fraction of a second; otherwise it is what
//! builds them. Later calls only return the path.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The directory of the test binary's profile, `target/<profile>`: test binaries run from
/// `target/<profile>/deps/`.
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let deps = exe.parent().expect("target/<profile>/deps");
    deps.parent().expect("target/<profile>").to_path_buf()
}

/// The cargo profile that builds into `dir` (`target/debug` is the `dev` profile's).
fn profile_of(dir: &Path) -> String {
    match dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") | None => "dev".to_owned(),
        Some(name) => name.to_owned(),
    }
}

/// This test binary's features, as `cargo build` flags.
fn feature_args() -> Vec<&'static str> {
    let mut features = Vec::new();
    if cfg!(feature = "client") {
        features.push("client");
    }
    if cfg!(feature = "redis") {
        features.push("redis");
    }
    if features.is_empty() {
        vec!["--no-default-features"]
    } else if features.len() == 2 {
        vec!["--all-features"]
    } else {
        vec!["--no-default-features", "--features", features[0]]
    }
}

/// Runs `cargo build --examples` once per test process (see the module docs).
fn build_examples_once() {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let profile = profile_of(&profile_dir());
        let mut cmd = Command::new(env!("CARGO"));
        cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["build", "--quiet", "--examples", "--profile", &profile])
            .args(feature_args());
        // The variables cargo sets for a test would reach build scripts that track them
        // (ring's tracks CARGO_MANIFEST_DIR) and rebuild half the dependency tree: the
        // nested build must see the environment the outer one saw.
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy();
            let set_by_cargo = [
                "CARGO_MANIFEST_",
                "CARGO_PKG_",
                "CARGO_BIN_",
                "CARGO_CRATE_NAME",
                "CARGO_PRIMARY_PACKAGE",
                "CARGO_TARGET_TMPDIR",
                "CARGO_RUSTC_CURRENT_DIR",
            ]
            .iter()
            .any(|prefix| key.starts_with(prefix));
            if set_by_cargo {
                cmd.env_remove(&*key);
            }
        }
        let out = cmd.output().expect("cargo runs");
        assert!(
            out.status.success(),
            "building the examples failed; run `cargo build --all-features --examples` to see why:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    });
}

/// The built example `name`, fresh and built with this test binary's features.
pub fn example_bin(name: &str) -> PathBuf {
    build_examples_once();
    let path = profile_dir()
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.is_file(),
        "{} is missing after `cargo build --examples`: is `{name}` an example of this crate \
         whose required features this test binary has?",
        path.display()
    );
    path
}
