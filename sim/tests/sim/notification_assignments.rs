//! What an ASSET_MANAGEMENT notification's `assignments` list means: the licenses made,
//! whatever the `result`. A FAILURE lists what was done; the status names what failed.

use crate::common;

use std::collections::BTreeSet;

use apple_vpp_sim::{AssetSpec, Scenario};
use common::*;
use serde_json::{Value, json};

#[tokio::test]
async fn a_failure_notification_lists_the_licenses_made_and_the_status_the_failed() {
    let mut s: Scenario = scenario();
    s.locations[0].assets.push(AssetSpec::app("400000001", 100));
    s.locations[0].assets.push(AssetSpec::app("400000003", 2));
    let sim = start(s).await;
    let rx = Receiver::start().await;
    subscribe(&sim, &rx.url, "hook-secret").await;
    let serials = ["C1", "C2", "C3", "C4", "C5"];
    let body = json!({
        "assets": [
            {"adamId": "400000001", "pricingParam": "STDQ"},
            {"adamId": "400000003", "pricingParam": "STDQ"}
        ],
        "serialNumbers": serials,
    });
    let status = run_event(&sim, "assets/associate", body).await;
    assert_eq!(status["eventStatus"], "FAILED", "{status}");
    assert_eq!(status["numRequested"], 10);
    assert_eq!(status["numCompleted"], 7);
    let got = rx.wait_for("ASSET_MANAGEMENT", 1).await;
    let p = &got[0].body["notification"];
    assert_eq!(p["result"], "FAILURE");
    assert_eq!(p["error"]["errorNumber"], 9709);
    let listed: BTreeSet<(String, String)> = p["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["adamId"].as_str().unwrap().to_owned(),
                a["serialNumber"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(listed.len(), 7, "the licenses made: {p}");
    let mut failed = BTreeSet::new();
    for f in status["failures"].as_array().unwrap() {
        let info = &f["errorInfo"];
        let assets: Vec<&str> = info["assets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| match &a["adamId"] {
                Value::String(s) => s.as_str(),
                other => panic!("{other}"),
            })
            .collect();
        for s in info["serialNumbers"].as_array().unwrap() {
            for a in &assets {
                failed.insert(((*a).to_owned(), s.as_str().unwrap().to_owned()));
            }
        }
    }
    assert_eq!(failed.len(), 3, "{status}");
    assert!(
        listed.is_disjoint(&failed),
        "listed {listed:?}, failed {failed:?}"
    );
}
