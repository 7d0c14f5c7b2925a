//! What sim/README.md shows must be what the code accepts: every JSON scenario block
//! parses, and every documented fault kind is a kind the scenario takes.

use apple_vpp_sim::{FaultKind, Scenario};

const README: &str = include_str!("../../README.md");

/// The contents of every fenced block opened with ```json.
fn json_blocks() -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in README.lines() {
        match &mut current {
            None if line.trim() == "```json" => current = Some(String::new()),
            Some(block) if line.trim() == "```" => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
            None => {}
        }
    }
    assert!(current.is_none(), "a json block is not closed");
    blocks
}

#[test]
fn every_scenario_shown_in_the_readme_is_accepted() {
    let blocks = json_blocks();
    assert!(blocks.len() >= 2, "found {} json blocks", blocks.len());
    for block in &blocks {
        if let Err(e) = Scenario::from_json(block) {
            panic!("README scenario refused: {e}\n{block}");
        }
    }
}

#[test]
fn the_readme_example_arms_its_documented_fault() {
    let first = Scenario::from_json(&json_blocks()[0]).unwrap();
    assert_eq!(first.faults[0].kind, FaultKind::Status503RetryAfter);
    assert_eq!(first.faults[0].retry_after_secs, Some(2));
    assert_eq!(first.locations[0].assignments.len(), 2);
}

#[test]
fn every_fault_kind_the_readme_documents_is_accepted() {
    let row = README
        .lines()
        .find(|l| l.starts_with("| `faults[]`"))
        .expect("the faults row of the scenario table");
    let kinds: Vec<&str> = row
        .split("`kind`:")
        .nth(1)
        .expect("the kinds")
        .split(';')
        .next()
        .unwrap()
        .split(',')
        .map(|k| k.trim().trim_matches('`'))
        .collect();
    assert!(kinds.contains(&"status_500") && kinds.contains(&"status_503_retry_after"));
    assert_eq!(kinds.len(), 10, "{kinds:?}");
    for kind in kinds {
        let json = format!(r#"{{"faults": [{{"path": "assets", "kind": "{kind}"}}]}}"#);
        if let Err(e) = Scenario::from_json(&json) {
            panic!("documented fault kind `{kind}` refused: {e}");
        }
    }
    // The old spelling without the underscore is not a name the README uses.
    assert!(Scenario::from_json(r#"{"faults": [{"path": "a", "kind": "status500"}]}"#).is_err());
}
