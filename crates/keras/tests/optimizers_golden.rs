//! Replays tests/fixtures/optimizers/optimizers.json (real Keras 3.15.1): every
//! optimizer case from its serialized config over the recorded gradients, and every
//! schedule's values and config.

use keras::optimizers::schedules::LearningRateSchedule;
use keras::optimizers::Optimizer;
use keras::{Tensor, Variable};
use serde_json::Value;

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/fixtures/optimizers/optimizers.json"
);

fn num(v: &Value) -> f64 {
    match v {
        Value::String(s) => match s.as_str() {
            "nan" => f64::NAN,
            "inf" => f64::INFINITY,
            "-inf" => f64::NEG_INFINITY,
            other => panic!("bad number {other}"),
        },
        v => v.as_f64().expect("a number"),
    }
}

fn data(t: &Value) -> Vec<f64> {
    t["data"].as_array().unwrap().iter().map(num).collect()
}

fn dims(t: &Value) -> Vec<usize> {
    t["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_u64().unwrap() as usize)
        .collect()
}

fn tensor(t: &Value) -> Tensor {
    let v: Vec<f32> = data(t).iter().map(|x| *x as f32).collect();
    Tensor::from_vec(v, dims(t).as_slice()).unwrap()
}

fn close(got: &[f64], want: &[f64], what: &str) -> Result<(), String> {
    if got.len() != want.len() {
        return Err(format!("{what}: {} values, want {}", got.len(), want.len()));
    }
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        if (g - w).abs() > 1e-7 + 1e-6 * w.abs() {
            return Err(format!("{what}[{i}]: got {g}, want {w}"));
        }
    }
    Ok(())
}

fn values(t: &Tensor) -> Vec<f64> {
    t.to_vec::<f64>()
        .or_else(|_| {
            t.to_vec::<f32>()
                .map(|v| v.into_iter().map(f64::from).collect())
        })
        .or_else(|_| {
            t.to_vec::<i32>()
                .map(|v| v.into_iter().map(f64::from).collect())
        })
        .unwrap()
}

fn run_case(fx: &Value, case: &Value) -> Result<(), String> {
    let mut opt = Optimizer::from_json(&case["object"]).map_err(|e| e.to_string())?;
    let vars: Vec<Variable> = fx["variables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            Variable::with_path(
                tensor(v),
                v["name"].as_str().unwrap(),
                v["path"].as_str().unwrap(),
                true,
            )
        })
        .collect();
    for (s, (grads, want)) in fx["gradients"]
        .as_array()
        .unwrap()
        .iter()
        .zip(case["steps"].as_array().unwrap())
        .enumerate()
    {
        let grads: Vec<Tensor> = grads.as_array().unwrap().iter().map(tensor).collect();
        opt.apply(&grads, &vars).map_err(|e| e.to_string())?;
        for (i, (v, w)) in vars.iter().zip(want.as_array().unwrap()).enumerate() {
            close(
                &values(&v.value()),
                &data(w),
                &format!("step {s} variable {i}"),
            )?;
        }
    }
    let want_vars = case["variables"].as_array().unwrap();
    let got_vars = opt.variables();
    let got_paths: Vec<_> = got_vars.iter().map(|v| v.path().to_string()).collect();
    let want_paths: Vec<_> = want_vars
        .iter()
        .map(|v| v["path"].as_str().unwrap().to_string())
        .collect();
    if got_paths != want_paths {
        return Err(format!("variable paths {got_paths:?}, want {want_paths:?}"));
    }
    for (g, w) in got_vars.iter().zip(want_vars) {
        if g.name() != w["name"].as_str().unwrap() {
            return Err(format!("name {:?}, want {}", g.name(), w["name"]));
        }
        if g.dtype().to_string() != w["dtype"].as_str().unwrap() {
            return Err(format!(
                "{}: dtype {}, want {}",
                g.path(),
                g.dtype(),
                w["dtype"]
            ));
        }
        close(&values(&g.value()), &data(w), g.path())?;
    }
    if let Some(finalized) = case.get("finalized") {
        opt.finalize_variable_values(&vars)
            .map_err(|e| e.to_string())?;
        for (i, (v, w)) in vars.iter().zip(finalized.as_array().unwrap()).enumerate() {
            close(
                &values(&v.value()),
                &data(w),
                &format!("finalized variable {i}"),
            )?;
        }
    }
    if opt.to_json() != case["object"] {
        return Err(format!(
            "config {}\nwant   {}",
            opt.to_json(),
            case["object"]
        ));
    }
    Ok(())
}

/// Cases (by id prefix) known to differ from Keras, with the reason; the test fails if one
/// of them starts passing, so the list can only shrink.
const KNOWN_FAILURES: &[(&str, &str)] = &[];

#[test]
fn optimizers_match_keras() {
    let fx: Value = serde_json::from_str(&std::fs::read_to_string(FIXTURE).unwrap()).unwrap();
    let cases = fx["optimizers"].as_array().unwrap();
    let mut failures = Vec::new();
    for c in cases {
        let id = c["id"].as_str().unwrap();
        let known = KNOWN_FAILURES.iter().find(|(p, _)| id.starts_with(p));
        match (run_case(&fx, c), known) {
            (Ok(()), None) => {}
            (Err(e), None) => failures.push(format!("{id}: {e}")),
            (Err(e), Some((_, why))) => println!("KNOWN FAILURE {id}: {e} [{why}]"),
            (Ok(()), Some(_)) => {
                failures.push(format!("{id} passes now: remove it from KNOWN_FAILURES"))
            }
        }
    }
    assert!(cases.len() >= 40);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn schedules_match_keras() {
    let fx: Value = serde_json::from_str(&std::fs::read_to_string(FIXTURE).unwrap()).unwrap();
    let mut failures = Vec::new();
    for case in fx["schedules"].as_array().unwrap() {
        let id = case["id"].as_str().unwrap();
        let s = LearningRateSchedule::from_json(&case["object"]).unwrap();
        if s.to_json() != case["object"] {
            failures.push(format!("{id}: config {}", s.to_json()));
        }
        let got: Vec<f64> = case["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|st| s.value(st.as_i64().unwrap()).unwrap())
            .collect();
        let want: Vec<f64> = case["values"].as_array().unwrap().iter().map(num).collect();
        if let Err(e) = close(&got, &want, id) {
            failures.push(e);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
