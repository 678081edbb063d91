//! Replays tests/fixtures/metrics/metrics.json (real Keras 3.15.1): every metric rebuilt
//! from its object dict (plus `hidden_kwargs`) must give Keras's config back, hold
//! Keras's variables (paths, shapes, dtypes), and after each `update_state` give Keras's
//! `result()` within 1e-6 (relative, or absolute near 0). `reset_state` must bring back
//! a fresh metric's result, and `metrics::get` must resolve Keras's identifiers.

mod golden;

use golden::{fixture, tensor};

use keras::metrics::{self, Metric};
use keras::Tensor;
use serde_json::Value;

fn close(got: &Tensor, want: &Tensor) -> Result<(), String> {
    if got.dims() != want.dims() {
        return Err(format!("shape {} != keras {}", got.shape(), want.shape()));
    }
    let (g, w) = (got.to_vec::<f64>().unwrap(), want.to_vec::<f64>().unwrap());
    for (i, (a, b)) in g.iter().zip(&w).enumerate() {
        let same = (a.is_nan() && b.is_nan()) || (a - b).abs() <= 1e-6 * (1.0 + b.abs());
        if !same {
            return Err(format!("[{i}]: {a} != keras {b}"));
        }
    }
    Ok(())
}

fn build(case: &Value) -> keras::Result<Box<dyn Metric>> {
    let mut object = case["object"].clone();
    if let Some(Value::Object(h)) = case.get("hidden_kwargs") {
        object["config"].as_object_mut().unwrap().extend(h.clone());
    }
    metrics::from_json(&object)
}

#[test]
fn metrics_match_keras() {
    let fx = fixture("metrics/metrics.json");
    let cases = fx["cases"].as_array().unwrap();
    assert!(cases.len() > 150);
    let mut failures = Vec::new();
    for case in cases {
        let id = case["id"].as_str().unwrap();
        let m = match build(case) {
            Ok(m) => m,
            Err(e) => {
                failures.push(format!("{id}: from_json: {e}"));
                continue;
            }
        };
        let mut fresh_result = None;
        let mut ok = true;
        for (b, batch) in case["batches"].as_array().unwrap().iter().enumerate() {
            let sw = (!batch["sample_weight"].is_null()).then(|| tensor(&batch["sample_weight"]));
            let upd = m.update_state(
                &tensor(&batch["y_true"]),
                &tensor(&batch["y_pred"]),
                sw.as_ref(),
            );
            if let Err(e) = upd {
                failures.push(format!("{id}: batch {b}: {e}"));
                ok = false;
                break;
            }
            let got = match m.result() {
                Ok(r) => r,
                Err(e) => {
                    failures.push(format!("{id}: batch {b}: result: {e}"));
                    ok = false;
                    break;
                }
            };
            if b == 0 {
                fresh_result = Some(got.clone());
            }
            if let Err(e) = close(&got, &tensor(&batch["result"])) {
                failures.push(format!("{id}: batch {b}: {e}"));
            }
        }
        if m.to_json() != case["object"] {
            failures.push(format!(
                "{id}: config {} != keras {}",
                m.to_json(),
                case["object"]
            ));
        }
        let vars: Vec<Value> = m
            .variables()
            .iter()
            .map(|v| {
                serde_json::json!({
                    "path": v.path(),
                    "shape": v.shape().dims(),
                    "dtype": v.dtype().name(),
                })
            })
            .collect();
        if ok && Value::Array(vars.clone()) != case["variables"] {
            failures.push(format!(
                "{id}: variables {vars:?} != keras {}",
                case["variables"]
            ));
        }
        // reset_state, then the first batch again, gives the first result again.
        if ok {
            m.reset_state().unwrap();
            let batch = &case["batches"][0];
            let sw = (!batch["sample_weight"].is_null()).then(|| tensor(&batch["sample_weight"]));
            m.update_state(
                &tensor(&batch["y_true"]),
                &tensor(&batch["y_pred"]),
                sw.as_ref(),
            )
            .unwrap();
            if let Err(e) = close(&m.result().unwrap(), fresh_result.as_ref().unwrap()) {
                failures.push(format!("{id}: after reset_state: {e}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Keras identifiers this port resolves differently: the abstract base class, which
/// Keras instantiates and Rust has as a trait.
const NOT_PORTED: &[&str] = &["Metric", "metric"];

#[test]
fn identifiers_resolve_like_keras() {
    let fx = fixture("metrics/metrics.json");
    let mut failures = Vec::new();
    for ident in fx["identifiers"].as_array().unwrap() {
        let name = ident["identifier"].as_str().unwrap();
        if NOT_PORTED.contains(&name) {
            continue;
        }
        match (metrics::get(name), ident.get("error").is_some()) {
            (Ok(m), false) => {
                if m.class_name() != ident["class_name"] {
                    failures.push(format!(
                        "{name}: class {} != {}",
                        m.class_name(),
                        ident["class_name"]
                    ));
                }
                if Value::Object(m.get_config()) != ident["config"] {
                    failures.push(format!(
                        "{name}: config {:?} != {}",
                        m.get_config(),
                        ident["config"]
                    ));
                }
            }
            (Err(_), true) => {}
            (Ok(m), true) => failures.push(format!("{name}: Keras fails, got {m:?}")),
            (Err(e), false) => failures.push(format!("{name}: {e}")),
        }
    }
    assert!(metrics::get("nope").is_err());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `compile` names a metric given by identifier after the identifier, as Keras does
/// (`"mae"` logs as `mae`), and any Keras metric can be compiled.
#[test]
fn compiled_metrics_are_named_by_identifier() {
    use keras::layers::{Apply, Dense, Input};
    use keras::models::Model;
    use keras::trainers::{CompileArgs, FitArgs, MetricSpec, TrainerExt};
    let inputs = Input::new(&[2]).build();
    let outputs = Dense::new(1).apply(&inputs).unwrap();
    let model = Model::new(inputs, outputs).unwrap();
    let auc = metrics::AUC::new().named("my_auc");
    model
        .compile(
            CompileArgs::new()
                .optimizer("sgd")
                .loss("mse")
                .metrics(vec![
                    MetricSpec::from("mae"),
                    MetricSpec::from("RootMeanSquaredError"),
                    MetricSpec::from(auc),
                ]),
        )
        .unwrap();
    let x = Tensor::from_vec(vec![0.0f32, 1.0, 1.0, 0.0, 1.0, 1.0, 0.0, 0.0], [4, 2]).unwrap();
    let y = Tensor::from_vec(vec![1.0f32, 1.0, 0.0, 0.0], [4, 1]).unwrap();
    let history = model
        .fit((&x, &y), FitArgs::new().epochs(1).verbose(0))
        .unwrap();
    for key in ["loss", "mae", "RootMeanSquaredError", "my_auc"] {
        assert!(history.get(key).is_some(), "no {key} in the history");
    }
}
