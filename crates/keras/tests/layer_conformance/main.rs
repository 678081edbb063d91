//! Layer conformance against real Keras 3.15.1 (JAX/CPU): every case in
//! `tests/fixtures/layers/*.json` (written by `tests/fixtures/layers/make_layers_golden.py`
//! through `scripts/make_golden.sh layers`) is replayed the way Keras's `run_layer_test`
//! checks a layer (keras-spec §4):
//!
//! 1. `deserialize_layer(object dict)` (without `build_config`), and `get_config()` equals
//!    Keras's config exactly (JSON equality);
//! 2. `ensure_built(build shapes)`; `serialize_layer` then equals Keras's whole object dict
//!    (`module`, `class_name`, `config`, `registered_name`, `build_config`);
//!    `supports_masking`, trainable / non-trainable weight counts and each weight's shape
//!    match;
//! 3. `set_weights(Keras's values)`, then an inference call (with the case's masks) and a
//!    training call compared with Keras's outputs (f32: atol 1e-5 + rtol 1e-4 unless the
//!    case documents `atol`/`rtol`); random layers (Dropout, noise) compare only the
//!    training output's shape and dtype; `compute_mask` against Keras's output mask; the
//!    weights after the training call (BatchNormalization's moving statistics);
//! 4. `compute_output_spec` on the input specs with a `None` batch dim equals the shapes
//!    and dtypes Keras infers on `KerasTensor`s.
//!
//! Hostile inputs: for the first case of each class, a fresh layer is called on inputs of
//! a wrong rank (and merge layers on mismatched shapes or too few inputs). It must never
//! panic; where Keras raised it must return `Err`; where Keras accepted the input it may
//! succeed with Keras's output shapes (the fixture documents that Keras-consistent
//! success) or return `Err`.
//!
//! Model fixtures (`tests/fixtures/models/*.json`): the `config.json` of a Sequential and a
//! Functional model must round-trip through `deserialize_layer` / `serialize_layer` once
//! every layer class they use is implemented.
//!
//! # Not implemented yet
//!
//! A class whose cases appear in the fixtures but that `keras::saving::deserialize_layer`
//! does not know must be listed in [`NOT_IMPLEMENTED`]; its cases are reported, not run.
//! The test fails when a listed class turns out to be registered, so the list can only
//! shrink: when a branch adds layers, delete their lines here and run
//! `cargo test -p keras --test layer_conformance -- --nocapture`.
//!
//! Individual cases of implemented classes that are known to differ are listed, with the
//! reason, in [`KNOWN_FAILURES`]; cases Keras itself could not run (Hashing needs
//! TensorFlow) carry no object dict and are reported as "not produced by Keras".

mod case;
mod fixture;

use std::collections::{BTreeMap, BTreeSet};

use keras::saving::{deserialize_layer, serialize_layer};
use serde_json::{json, Value};

use fixture::{class_of, classes_in, fixtures_dir, json_diff, layer_cases, load_dir};

/// Layer classes in the fixtures that keras-rs does not implement yet, one per line and
/// grouped by family (delete a line when its class lands).
const NOT_IMPLEMENTED: &[&str] = &[];

/// Cases of implemented classes that are known to differ from Keras, with the reason. They
/// still run; the test fails if one of them passes (delete its line then), so this list
/// too can only shrink.
const KNOWN_FAILURES: &[(&str, &str)] = &[];

/// Whether the layer registry knows `class_name` (a config error still means it does).
fn is_registered(class_name: &str) -> bool {
    match deserialize_layer(&json!({"class_name": class_name, "config": {}})) {
        Ok(_) => true,
        Err(e) => !e.to_string().contains("unknown layer class"),
    }
}

#[test]
fn layers_match_keras() {
    let cases = layer_cases();
    let classes: BTreeSet<&str> = cases.iter().map(|(_, c)| class_of(c)).collect();
    let stale: Vec<&&str> = NOT_IMPLEMENTED
        .iter()
        .filter(|c| !classes.contains(**c))
        .collect();
    assert!(
        stale.is_empty(),
        "NOT_IMPLEMENTED names classes with no fixture cases: {stale:?}"
    );
    let now_implemented: Vec<&&str> = NOT_IMPLEMENTED
        .iter()
        .filter(|c| is_registered(c))
        .collect();
    let unlisted: Vec<&str> = classes
        .iter()
        .copied()
        .filter(|c| !NOT_IMPLEMENTED.contains(c) && !is_registered(c))
        .collect();

    let mut failures = Vec::new();
    let mut passed = 0;
    let mut passed_classes = BTreeSet::new();
    let mut pending: BTreeMap<&str, usize> = BTreeMap::new();
    let mut keras_unavailable = Vec::new();
    let mut known_failing = Vec::new();
    for (family, case) in &cases {
        let class = class_of(case);
        if NOT_IMPLEMENTED.contains(&class) {
            *pending.entry(family.as_str()).or_default() += 1;
        } else if case.get("object").is_none() {
            // Keras itself could not run the case (Hashing needs TensorFlow).
            keras_unavailable.push(format!(
                "{}: {}",
                case["id"].as_str().unwrap_or("?"),
                case["keras_error"].as_str().unwrap_or("?")
            ));
        } else {
            let id = case["id"].as_str().unwrap_or("?");
            let known = KNOWN_FAILURES.iter().find(|(k, _)| *k == id);
            match (case::check_case(case), known) {
                (Ok(()), None) => {
                    passed += 1;
                    passed_classes.insert(class);
                }
                (Ok(()), Some(_)) => {
                    failures.push(format!("{id} passes now: remove it from KNOWN_FAILURES"))
                }
                (Err(e), None) => failures.push(e),
                (Err(e), Some((_, why))) => known_failing.push(format!("{e} [{why}]")),
            }
        }
    }
    println!(
        "layers golden: {passed} cases passed over {} classes; {} cases of {} classes not \
         implemented yet {pending:?}",
        passed_classes.len(),
        pending.values().sum::<usize>(),
        NOT_IMPLEMENTED.len()
    );
    for k in &keras_unavailable {
        println!("NOT PRODUCED BY KERAS {k}");
    }
    for k in &known_failing {
        println!("KNOWN FAILURE {k}");
    }
    for f in &failures {
        println!("FAIL {f}");
    }
    let stale_known: Vec<&str> = KNOWN_FAILURES
        .iter()
        .map(|(id, _)| *id)
        .filter(|id| !cases.iter().any(|(_, c)| c["id"].as_str() == Some(*id)))
        .collect();
    assert!(
        stale_known.is_empty(),
        "KNOWN_FAILURES names cases that are not in the fixtures: {stale_known:?}"
    );
    assert!(
        now_implemented.is_empty(),
        "these classes are implemented now: remove them from NOT_IMPLEMENTED in \
         crates/keras/tests/layer_conformance/main.rs: {now_implemented:?}"
    );
    assert!(
        unlisted.is_empty(),
        "classes in the fixtures that keras-rs does not know and NOT_IMPLEMENTED does not \
         list: {unlisted:?}"
    );
    assert!(failures.is_empty(), "{} layer cases failed", failures.len());
    assert!(passed > 0, "no layer case ran");
}

#[test]
fn hostile_inputs_give_errors_not_panics() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for (_, case) in layer_cases() {
        let class = class_of(&case);
        if NOT_IMPLEMENTED.contains(&class) || case.get("object").is_none() {
            continue;
        }
        match case::check_hostile(&case) {
            Ok(n) => checked += n,
            Err(e) => failures.push(e),
        }
    }
    println!("layers golden: {checked} hostile calls checked");
    for f in &failures {
        println!("FAIL {f}");
    }
    assert!(
        failures.is_empty(),
        "{} hostile checks failed",
        failures.len()
    );
    assert!(checked > 0, "no hostile call was checked");
}

/// `v` without `shared_object_id` keys (Keras writes `id(obj)` there, a per-run memory
/// address, when one object, such as a shared DTypePolicy, is serialized twice) and
/// without the top-level `compile_config` (written by `model.save`, not by
/// `serialize_keras_object` of an uncompiled model).
fn normalized(v: &Value, top: bool) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| *k != "shared_object_id" && !(top && *k == "compile_config"))
                .map(|(k, x)| (k.clone(), normalized(x, false)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|x| normalized(x, false)).collect()),
        other => other.clone(),
    }
}

/// The model's `summary()` text and its weight groups/datasets against the Keras fixture.
fn check_summary_and_paths(
    name: &str,
    doc: &Value,
    model: &dyn keras::layers::Layer,
) -> Vec<String> {
    let mut failures = Vec::new();
    if let Some(s) = doc.get("summary") {
        let width = s["line_length"].as_u64().map(|w| w as usize);
        let got = keras::utils::summary::summary_string(model, width);
        let want = s["text"].as_str().unwrap_or_default();
        if got.trim_end() != want.trim_end() {
            failures.push(format!(
                "{name}: summary differs:\n{got}\n--- Keras:\n{want}"
            ));
        }
    }
    if let Some(Value::Array(entries)) = doc.get("weights_h5") {
        let mut want: Vec<String> = Vec::new();
        for e in entries {
            match (e["kind"].as_str(), e.get("name")) {
                (Some("group"), Some(n)) => want.push(format!("{} name={}", e["path"], n)),
                (Some("dataset"), _) => want.push(format!("{} shape={}", e["path"], e["shape"])),
                _ => {}
            }
        }
        let mut got: Vec<String> = Vec::new();
        for g in keras::saving::weight_groups(model) {
            got.push(format!("{:?} name={:?}", g.path, g.layer_name));
            for (i, v) in g.variables.iter().enumerate() {
                let shape: Vec<usize> = v.shape().dims().to_vec();
                got.push(format!("\"{}/{i}\" shape={}", g.path, json!(shape)));
            }
        }
        want.sort();
        got.sort();
        if got != want {
            failures.push(format!("{name}: weight paths {got:?}, Keras {want:?}"));
        }
    }
    failures
}

#[test]
fn model_configs_round_trip() {
    let mut checked = 0;
    let mut pending = Vec::new();
    let mut failures = Vec::new();
    for (name, doc) in load_dir(&fixtures_dir("models")) {
        let Some(config) = doc.get("config_json") else {
            continue;
        };
        let mut classes = BTreeSet::new();
        classes_in(&config["config"], &mut classes);
        let missing: Vec<&String> = classes
            .iter()
            .filter(|c| NOT_IMPLEMENTED.contains(&c.as_str()))
            .collect();
        if !missing.is_empty() {
            pending.push(format!("{name} (needs {missing:?})"));
            continue;
        }
        let want = normalized(config, true);
        match deserialize_layer(&want) {
            Ok(model) => {
                let got = normalized(&serialize_layer(model.as_ref()), true);
                if got != want {
                    failures.push(format!("{name}: {}", json_diff(&got, &want)));
                }
                failures.extend(check_summary_and_paths(&name, &doc, model.as_ref()));
            }
            Err(e) => failures.push(format!("{name}: deserialize_layer: {e}")),
        }
        checked += 1;
    }
    println!(
        "models golden: {checked} config.json round trips (with summary and weight paths) \
         checked; pending: {pending:?}"
    );
    for f in &failures {
        println!("FAIL {f}");
    }
    assert!(
        failures.is_empty(),
        "{} model configs failed",
        failures.len()
    );
    assert!(
        checked + pending.len() > 0,
        "no model fixture with a config_json found"
    );
}
