//! Token files in `--token-dir` / `SimOptions::token_dir`: written as a new 0600 file and
//! renamed into place, so a planted symlink is replaced (its target untouched), re-runs
//! into the same directory work, and a uid can never name a path outside the directory.

use std::path::{Path, PathBuf};

use apple_vpp_sim::{LocationSpec, Scenario, ScenarioError, SimOptions, Simulator};

const UID: &str = "981060278089131045";

/// A fresh directory under the system's temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!(
            "apple-vpp-sim-{name}-{}-{:?}",
            std::process::id(),
            std::time::SystemTime::now()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn options(dir: &Path) -> SimOptions {
    SimOptions {
        token_dir: Some(dir.to_path_buf()),
        ..SimOptions::default()
    }
}

#[cfg(unix)]
#[tokio::test]
async fn a_symlink_planted_at_the_token_file_is_replaced_not_followed() {
    let dir = TempDir::new("symlink");
    let outside = TempDir::new("symlink-target");
    let victim = outside.path().join("victim.txt");
    std::fs::write(&victim, "precious").unwrap();
    let file = dir.path().join(format!("{UID}.vpptoken"));
    std::os::unix::fs::symlink(&victim, &file).unwrap();

    let sim = Simulator::start(Scenario::default(), options(dir.path()))
        .await
        .unwrap();

    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    let meta = std::fs::symlink_metadata(&file).unwrap();
    assert!(meta.file_type().is_file(), "still a symlink");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        sim.token(UID).unwrap()
    );
    sim.shutdown().await;
}

#[cfg(unix)]
#[tokio::test]
async fn token_files_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new("mode");
    let sim = Simulator::start(Scenario::default(), options(dir.path()))
        .await
        .unwrap();
    let meta = std::fs::metadata(dir.path().join(format!("{UID}.vpptoken"))).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    // A renewed token is written the same way.
    let renewed = sim.renew_token(UID).unwrap();
    let file = dir.path().join(format!("{UID}.vpptoken"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), renewed);
    let meta = std::fs::metadata(&file).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    sim.shutdown().await;
}

#[tokio::test]
async fn starting_again_into_the_same_directory_works_and_leaves_no_temporary_files() {
    let dir = TempDir::new("rerun");
    for _ in 0..2 {
        let sim = Simulator::start(Scenario::default(), options(dir.path()))
            .await
            .unwrap();
        let file = dir.path().join(format!("{UID}.vpptoken"));
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            sim.token(UID).unwrap()
        );
        sim.shutdown().await;
    }
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    // The token and the metadata catalog's developer key, nothing temporary.
    assert_eq!(
        names,
        [
            format!("{UID}.vpptoken"),
            "AuthKey_SIMKEY0001.p8".to_owned()
        ]
    );
}

#[tokio::test]
async fn a_uid_that_is_not_digits_is_refused_before_any_file_is_written() {
    let dir = TempDir::new("uid");
    for uid in ["../x", "x", "12/34", "", "１２"] {
        let mut scenario = Scenario::empty();
        scenario.locations.push(LocationSpec::new(uid, "Bad"));
        let err = Simulator::start(scenario, options(&dir.path().join("sub")))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("uid"), "{uid:?}: {err}");
        let json = format!(r#"{{"locations": [{{"uid": {uid:?}, "name": "Bad"}}]}}"#);
        assert!(
            matches!(Scenario::from_json(&json), Err(ScenarioError::Invalid(_))),
            "{uid:?}"
        );
    }
    assert!(!dir.path().join("sub").exists());
    assert!(!dir.path().join("x.vpptoken").exists());
}
