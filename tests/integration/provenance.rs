//! Provenance records (`OUT.meta.json`) and `fiscalsim verify`.

use std::path::Path;

use crate::util::{TOY, dir_with, fiscalsim};

fn record(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).expect("record written");
    serde_json::from_str(&text).expect("record is JSON")
}

fn sha256(path: &Path) -> String {
    use sha2::Digest;
    let bytes = std::fs::read(path).unwrap();
    sha2::Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn verify(dir: &Path, out: &str) -> (Option<i32>, String) {
    let o = fiscalsim()
        .args(["verify", out])
        .current_dir(dir)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
    (o.status.code(), text)
}

#[test]
fn every_output_gets_a_record_of_how_it_was_made() {
    let child =
        "extends = \"toy.toml\"\nname = \"child\"\n[structure]\nspending_multiplier = 0.3\n";
    let dir = dir_with(&[("toy.toml", TOY), ("child.toml", child)]);
    let p = dir.path();
    fiscalsim()
        .args(["run", "child.toml", "--draws", "300", "--seed", "9"])
        .args(["--set", "structure.efficiency=0.6", "--out", "fan.csv"])
        .args(["--prob", "debt_gdp@2027 > 0.5", "--prob-out", "prob.csv"])
        .current_dir(p)
        .assert()
        .success();
    for out in ["fan.csv", "prob.csv"] {
        let r = record(&p.join(format!("{out}.meta.json")));
        assert_eq!(r["fiscalsim"], env!("CARGO_PKG_VERSION"));
        assert_eq!(r["command"][0], "run");
        assert_eq!(r["set"][0], "structure.efficiency=0.6");
        assert_eq!(
            (r["seed"].as_str(), r["draws"].as_str()),
            (Some("9"), Some("300"))
        );
        let inputs = r["inputs"].as_array().unwrap();
        let paths: Vec<&str> = inputs.iter().map(|i| i["path"].as_str().unwrap()).collect();
        assert_eq!(paths, ["child.toml", "toy.toml"], "the whole extends chain");
        for i in inputs {
            let path = p.join(i["path"].as_str().unwrap());
            assert_eq!(i["sha256"].as_str().unwrap(), sha256(&path));
        }
        let outs = r["outputs"].as_array().unwrap();
        assert_eq!(outs.len(), 2);
        assert_eq!(
            outs[0]["sha256"].as_str().unwrap(),
            sha256(&p.join("fan.csv"))
        );
        assert_eq!(r["montecarlo"][0]["quantiles"].as_array().unwrap().len(), 7);
        assert!(r["time"].as_str().unwrap().ends_with('Z'));
    }
    // standard output gets no record
    fiscalsim()
        .args(["run", "toy.toml"])
        .current_dir(p)
        .assert()
        .success();
    assert!(!p.join("-.meta.json").exists());
}

#[test]
fn verify_says_match_mismatch_or_bad_input() {
    let dir = dir_with(&[("toy.toml", TOY)]);
    let p = dir.path();
    fiscalsim()
        .args([
            "run", "toy.toml", "--draws", "200", "--seed", "3", "--out", "fan.csv",
        ])
        .current_dir(p)
        .assert()
        .success();
    let (code, text) = verify(p, "fan.csv");
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("match: `fan.csv` is reproduced byte for byte"),
        "{text}"
    );
    // the re-run wrote nothing beside the output
    let mut names: Vec<String> = std::fs::read_dir(p)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["fan.csv", "fan.csv.meta.json", "toy.toml"]);
    // an input changed: the bytes differ, exit 1, and the input is named
    let changed = TOY.replace("interest_rate = 0.1", "interest_rate = 0.11");
    std::fs::write(p.join("toy.toml"), changed).unwrap();
    let (code, text) = verify(p, "fan.csv");
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("mismatch") && text.contains("input `toy.toml` changed"),
        "{text}"
    );
    // no record, or a record that is not one: exit 2
    std::fs::write(p.join("other.csv"), "x\n").unwrap();
    assert_eq!(verify(p, "other.csv").0, Some(2));
    std::fs::write(p.join("other.csv.meta.json"), "{").unwrap();
    assert_eq!(verify(p, "other.csv").0, Some(2));
    assert_eq!(verify(p, "missing.csv").0, Some(2));
}
