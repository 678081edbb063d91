//! Legacy `.h5` files: whole models written by tf.keras 2.15 and by Keras 3.15.1
//! (`model.save("x.h5")`) and a Keras 2 weights file (`save_weights("x.h5")`), from
//! tests/fixtures/legacy_h5/ (made by make_legacy_h5.py, `scripts/make_golden.sh legacy`),
//! plus files that must be refused.

mod golden;

use std::path::PathBuf;

use hdf5_pure::{AttrValue, FileBuilder};
use keras::layers::{Add, Apply, CallArgs, Concatenate, Dense, Input, IntoLayer, Layer, LayerExt};
use keras::models::Model;
use keras::saving::{
    load_legacy_model_from_bytes, load_legacy_weights, load_weights, LegacyModel,
    LegacyWeightsOptions, TrainingConfig,
};
use keras::Tensor;
use serde_json::{json, Value};

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/legacy_h5")
}

fn read(name: &str) -> Vec<u8> {
    let p = fixture_dir().join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()))
}

fn expected(stem: &str) -> Value {
    golden::fixture(&format!("legacy_h5/{stem}.json"))
}

fn load(stem: &str) -> LegacyModel {
    load_legacy_model_from_bytes(read(&format!("{stem}.h5")))
        .unwrap_or_else(|e| panic!("{stem}.h5: {e}"))
}

/// The whole-model fixtures: every `<stem>.h5` with a `<stem>.json` beside it.
fn model_fixtures() -> Vec<String> {
    let mut stems: Vec<String> = std::fs::read_dir(fixture_dir())
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".json").map(str::to_string)
        })
        .filter(|s| s != "tf2_weights_only")
        .collect();
    stems.sort();
    stems
}

/// A sub-layer by name, searched through nested models.
fn find_layer<'a>(root: &'a dyn Layer, name: &str) -> Option<&'a dyn Layer> {
    let mut found = None;
    root.visit_sublayers(&mut |_, l| {
        if found.is_none() {
            found = if l.name() == name {
                Some(l)
            } else {
                find_layer(l, name)
            };
        }
    });
    found
}

/// Within 1e-5 absolute + 1e-4 relative of Keras's numbers; the message says where not.
fn check_close(what: &str, got: &Tensor, want: &Value) -> Result<(), String> {
    let want_t = golden::tensor(want);
    if got.dims() != want_t.dims() {
        return Err(format!(
            "{what}: shape {:?}, Keras {:?}",
            got.dims(),
            want_t.dims()
        ));
    }
    let g = got.to_vec::<f32>().map_err(|e| e.to_string())?;
    let w = want_t.to_vec::<f32>().map_err(|e| e.to_string())?;
    for (i, (a, b)) in g.iter().zip(&w).enumerate() {
        if (a - b).abs() > 1e-5 + 1e-4 * b.abs() {
            return Err(format!("{what}[{i}]: {a}, Keras {b}"));
        }
    }
    Ok(())
}

fn predict(model: &dyn Layer, data: &Value) -> Vec<Tensor> {
    let inputs: Vec<Tensor> = data["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(golden::tensor)
        .collect();
    model
        .call_with(&inputs, &CallArgs::inference())
        .unwrap_or_else(|e| panic!("predict: {e}"))
}

/// Predictions within tolerance and every layer's weights bit-equal to Keras's.
fn check_model(stem: &str, model: &dyn Layer, data: &Value) -> Result<(), String> {
    let outputs = predict(model, data);
    let want = data["outputs"].as_array().unwrap();
    if outputs.len() != want.len() {
        return Err(format!("{} outputs, Keras {}", outputs.len(), want.len()));
    }
    for (i, (got, want)) in outputs.iter().zip(want).enumerate() {
        check_close(&format!("{stem} output {i}"), got, want)?;
    }
    for (layer_name, weights) in data["weights"].as_object().unwrap() {
        let layer = find_layer(model, layer_name)
            .ok_or_else(|| format!("{stem}: no layer {layer_name:?}"))?;
        let mut vars = layer.trainable_weights();
        vars.extend(layer.non_trainable_weights());
        let weights = weights.as_array().unwrap();
        if vars.len() != weights.len() {
            return Err(format!(
                "{stem}/{layer_name}: {} weights, Keras {}",
                vars.len(),
                weights.len()
            ));
        }
        for (v, w) in vars.iter().zip(weights) {
            let want = golden::tensor(w);
            let (got, want_v) = (
                v.value().to_vec::<f32>().unwrap(),
                want.to_vec::<f32>().unwrap(),
            );
            if v.shape().dims() != want.dims() || got != want_v {
                return Err(format!(
                    "{stem}/{layer_name}: {:?} differs from Keras's {}",
                    v.path(),
                    w["name"]
                ));
            }
        }
    }
    Ok(())
}

#[test]
fn every_fixture_loads_and_predicts_as_keras() {
    let stems = model_fixtures();
    assert!(stems.len() >= 13, "fixtures missing: {stems:?}");
    let mut failures = Vec::new();
    for stem in &stems {
        let data = expected(stem);
        let result = load_legacy_model_from_bytes(read(&format!("{stem}.h5")))
            .map_err(|e| format!("{stem}: {e}"))
            .and_then(|m| check_model(stem, m.model.as_ref(), &data));
        if let Err(e) = result {
            failures.push(e);
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} fixtures failed:\n{}",
        failures.len(),
        stems.len(),
        failures.join("\n")
    );
}

#[test]
fn file_attributes_are_reported() {
    let m = load("tf2_seq_mlp");
    assert_eq!(m.keras_version.as_deref(), Some("2.15.0"));
    assert_eq!(m.backend.as_deref(), Some("tensorflow"));
    assert!(m.training_config.is_none() && m.optimizer_weights.is_none());
    assert_eq!(m.model.class_name(), "Sequential");
    // Keras 2 names the InputLayer it made from `input_shape=` after the first layer.
    let m = load("keras3_two_tower");
    assert_eq!(m.keras_version.as_deref(), Some("3.15.1"));
    assert_eq!(m.model.class_name(), "Functional");
}

fn optimizer_variable_values(data: &Value) -> Vec<Vec<f32>> {
    data["optimizer"]["variables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| golden::tensor(v).to_vec::<f32>().unwrap())
        .collect()
}

#[test]
fn keras3_training_config_and_optimizer_state_are_restored() {
    let data = expected("keras3_compiled_adam");
    let m = load("keras3_compiled_adam");
    let tc = m.training_config.expect("training_config");
    assert_eq!(tc.loss, json!("categorical_crossentropy"));
    assert_eq!(tc.metrics, json!(["accuracy"]));
    assert_eq!(tc.optimizer_config["class_name"], "Adam");
    let mut opt = tc.optimizer().unwrap();
    let cfg = opt.get_config();
    assert!((cfg["learning_rate"].as_f64().unwrap() - 0.01).abs() < 1e-7);
    assert_eq!(cfg["beta_2"], data["optimizer"]["config"]["beta_2"]);
    tc.compile_args().unwrap();
    let saved = m.optimizer_weights.expect("optimizer_weights");
    assert_eq!(saved.names[0], "adam/iteration");
    assert_eq!(saved.names.len(), 10);
    let restored = saved
        .restore(&mut opt, &m.model.trainable_weights())
        .unwrap();
    assert!(
        restored,
        "Keras 3's Adam state fits ours variable for variable"
    );
    let got: Vec<Vec<f32>> = opt
        .variables()
        .iter()
        .map(|v| v.value().to_vec::<f32>().unwrap())
        .collect();
    assert_eq!(got, optimizer_variable_values(&data));
    assert_eq!(got[0], vec![2.0], "two training steps were saved");
}

#[test]
fn keras2_training_config_parses_and_its_optimizer_state_does_not_fit() {
    let m = load("tf2_compiled_adam");
    let tc: TrainingConfig = m.training_config.expect("training_config");
    assert_eq!(tc.loss, json!("categorical_crossentropy"));
    // tf.keras registered its optimizers as `Custom>Adam`.
    assert_eq!(tc.optimizer_config["class_name"], "Adam");
    let mut opt = tc.optimizer().unwrap();
    assert!((opt.get_config()["learning_rate"].as_f64().unwrap() - 0.01).abs() < 1e-7);
    tc.compile_args().unwrap();
    let saved = m.optimizer_weights.expect("optimizer_weights");
    assert_eq!(saved.names.first().map(String::as_str), Some("iteration:0"));
    assert_eq!(saved.names[1], "Adam/m/d1/kernel:0");
    assert_eq!(saved.values.len(), 9);
    // Keras 2 keeps no learning-rate variable: as Keras 3, a fresh optimizer, not an error.
    let restored = saved
        .restore(&mut opt, &m.model.trainable_weights())
        .unwrap();
    assert!(!restored);
    assert_eq!(
        opt.variables()[0].value().to_vec::<f32>().unwrap(),
        vec![0.0]
    );
    // The trained-with-SGD BatchNormalization model has a training config too.
    let bn = load("tf2_batchnorm")
        .training_config
        .expect("training_config");
    assert_eq!(bn.loss, json!("mse"));
    assert_eq!(bn.optimizer_config["class_name"], "SGD");
}

/// The two-tower model of the fixtures, built here with the same layer names.
fn two_tower(shared_units: usize) -> Model {
    let in_a = Input::new(&[6]).name("in_a").build();
    let in_b = Input::new(&[6]).name("in_b").build();
    let shared = Dense::new(shared_units)
        .activation("relu")
        .unwrap()
        .named("shared")
        .into_layer();
    let ha = (&shared).apply(&in_a).unwrap();
    let hb = (&shared).apply(&in_b).unwrap();
    let cat = Concatenate::new()
        .named("concat")
        .apply_list(&[ha.clone(), hb.clone()])
        .unwrap();
    let cls = Dense::new(3)
        .activation("softmax")
        .unwrap()
        .named("cls")
        .apply(&cat)
        .unwrap();
    let sum = Add::new().named("add").apply_list(&[ha, hb]).unwrap();
    let reg = Dense::new(1).named("reg").apply(&sum).unwrap();
    Model::new(vec![in_a, in_b], vec![cls, reg]).unwrap()
}

#[test]
fn keras2_weights_file_loads_by_order_and_by_name() {
    let data = expected("tf2_weights_only");
    let path = fixture_dir().join("tf2_weights_only.h5");
    // `load_weights` sends a `.h5` name to the legacy reader (by layer order).
    let m = two_tower(8);
    load_weights(&m, None, &path).unwrap();
    check_model("tf2_weights_only", &m, &data).unwrap();

    let by_name = LegacyWeightsOptions {
        by_name: true,
        ..Default::default()
    };
    let m = two_tower(8);
    load_legacy_weights(&m, &path, by_name).unwrap();
    check_model("tf2_weights_only by name", &m, &data).unwrap();

    // By name, layers missing on either side are skipped: a model with only `cls` named
    // as in the file gets that layer's weights and nothing else.
    let x = Input::new(&[16]).build();
    let y = Dense::new(3).named("cls").apply(&x).unwrap();
    let z = Dense::new(2).named("not_in_file").apply(&y).unwrap();
    let small = Model::new(x, z).unwrap();
    let untouched = small.get_layer("not_in_file").unwrap().get_weights();
    load_legacy_weights(&small, &path, by_name).unwrap();
    let cls = small.get_layer("cls").unwrap();
    let want = golden::tensor(&data["weights"]["cls"][0]);
    assert_eq!(
        cls.get_weights()[0].to_vec::<f32>().unwrap(),
        want.to_vec::<f32>().unwrap()
    );
    let after = small.get_layer("not_in_file").unwrap().get_weights();
    assert_eq!(
        after[0].to_vec::<f32>().unwrap(),
        untouched[0].to_vec::<f32>().unwrap()
    );
    // By order, the same model does not fit: three layers with weights in the file.
    let err = load_legacy_weights(&small, &path, LegacyWeightsOptions::default()).unwrap_err();
    assert!(err.to_string().contains("layer count mismatch"), "{err}");

    // The model_weights of a whole-model file load the same way.
    let m = two_tower(8);
    load_legacy_weights(&m, fixture_dir().join("tf2_two_tower.h5"), by_name).unwrap();
    check_model("tf2_two_tower weights", &m, &expected("tf2_two_tower")).unwrap();
}

#[test]
fn shape_mismatches_name_the_layer_and_change_nothing() {
    let path = fixture_dir().join("tf2_weights_only.h5");
    let m = two_tower(9);
    let before: Vec<Vec<f32>> = m
        .get_weights()
        .iter()
        .map(|t| t.to_vec::<f32>().unwrap())
        .collect();
    let err = load_weights(&m, None, &path).unwrap_err().to_string();
    assert!(
        err.contains("shared") && err.contains("[6, 8]") && err.contains("tf2_weights_only.h5"),
        "{err}"
    );
    let after: Vec<Vec<f32>> = m
        .get_weights()
        .iter()
        .map(|t| t.to_vec::<f32>().unwrap())
        .collect();
    assert_eq!(before, after);
    // skip_mismatch loads the weights that fit (the biases of `cls` and `reg`) and leaves
    // the others as they were.
    let skip = LegacyWeightsOptions {
        skip_mismatch: true,
        ..Default::default()
    };
    load_legacy_weights(&m, &path, skip).unwrap();
    let data = expected("tf2_weights_only");
    let reg = m.get_layer("reg").unwrap().get_weights();
    let saved = |i: usize| {
        golden::tensor(&data["weights"]["reg"][i])
            .to_vec::<f32>()
            .unwrap()
    };
    assert_eq!(reg[1].to_vec::<f32>().unwrap(), saved(1));
    assert_eq!(reg[0].to_vec::<f32>().unwrap(), before[before.len() - 2]);
}

#[test]
fn truncated_and_garbage_files_are_errors() {
    let bytes = read("tf2_seq_mlp.h5");
    for cut in [
        0,
        8,
        100,
        512,
        bytes.len() / 3,
        bytes.len() / 2,
        bytes.len() - 200,
        bytes.len() - 1,
    ] {
        let r = load_legacy_model_from_bytes(bytes[..cut].to_vec());
        assert!(
            r.is_err(),
            "a file cut at {cut} of {} bytes loaded",
            bytes.len()
        );
    }
    let mut flipped = bytes.clone();
    for b in flipped.iter_mut().skip(2048).step_by(97) {
        *b ^= 0x5a;
    }
    assert!(load_legacy_model_from_bytes(flipped).is_err());
    let err = load_legacy_model_from_bytes(b"\x89HDF\r\n\x1a\ngarbage".to_vec())
        .err()
        .unwrap();
    assert!(!err.to_string().is_empty());
    // A weights-only file is not a model.
    let err = load_legacy_model_from_bytes(read("tf2_weights_only.h5"))
        .err()
        .unwrap();
    assert!(err.to_string().contains("weights-only"), "{err}");
}

#[test]
fn huge_declared_shapes_are_refused_before_reading() {
    // h5py wrote these datasets with a huge shape and no data (late allocation).
    let err = load_legacy_model_from_bytes(read("hostile_huge_weight.h5"))
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("d1") && err.contains("shape"), "{err}");
    let err = load_legacy_model_from_bytes(read("hostile_huge_optimizer_weight.h5"))
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("Adam/m/d1/kernel:0") && err.contains("refusing"),
        "{err}"
    );
}

/// A legacy full-model file written here: `model_config`, and `model_weights` with the
/// given layers (name, weight names, values). `listed` is the `layer_names` attribute.
fn legacy_file(
    model_config: &Value,
    listed: &[&str],
    layers: &[(&str, Vec<(&str, Tensor)>)],
) -> Vec<u8> {
    let mut fb = FileBuilder::new();
    fb.set_attr(
        "model_config",
        AttrValue::VarLenString(model_config.to_string()),
    );
    fb.set_attr("keras_version", AttrValue::VarLenString("2.15.0".into()));
    let mut mw = fb.create_group("model_weights");
    mw.set_attr(
        "layer_names",
        AttrValue::AsciiStringArray(listed.iter().map(|s| s.to_string()).collect()),
    );
    for (name, weights) in layers {
        let mut g = mw.create_group(name);
        let names: Vec<String> = weights.iter().map(|(w, _)| format!("{name}/{w}")).collect();
        g.set_attr("weight_names", AttrValue::AsciiStringArray(names));
        let mut inner = g.create_group(name);
        for (w, t) in weights {
            let dims: Vec<u64> = t.dims().iter().map(|&d| d as u64).collect();
            inner
                .create_dataset(w)
                .with_f32_data(&t.to_vec::<f32>().unwrap())
                .with_shape(&dims);
        }
        g.add_group(inner.finish());
        mw.add_group(g.finish());
    }
    fb.add_group(mw.finish());
    fb.finish().unwrap()
}

fn dense_config(units: usize) -> Value {
    json!({"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 2], "name": "x"}},
        {"class_name": "Dense", "config": {"name": "d", "units": units}}]}})
}

fn zeros(dims: &[usize]) -> Tensor {
    Tensor::from_vec(vec![0.0f32; dims.iter().product()], dims.to_vec()).unwrap()
}

#[test]
fn files_written_here_load_and_bad_ones_name_the_layer() {
    let ok = |k: Tensor| {
        vec![
            ("kernel:0", k),
            (
                "bias:0",
                Tensor::from_vec(vec![0.5f32, -1.0, 2.0], [3]).unwrap(),
            ),
        ]
    };
    let kernel = Tensor::from_vec(vec![1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0], [2, 3]).unwrap();
    let good = legacy_file(&dense_config(3), &["d"], &[("d", ok(kernel.clone()))]);
    let m = load_legacy_model_from_bytes(good).unwrap();
    let y = m
        .model
        .call_with(
            &[Tensor::from_vec(vec![1.0f32, 1.0], [1, 2]).unwrap()],
            &CallArgs::inference(),
        )
        .unwrap();
    assert_eq!(y[0].to_vec::<f32>().unwrap(), vec![5.5, 6.0, 11.0]);

    let cases: Vec<(Vec<u8>, &[&str])> = vec![
        // layer_names lists a layer with no group.
        (
            legacy_file(
                &dense_config(3),
                &["d", "ghost"],
                &[("d", ok(kernel.clone()))],
            ),
            &["ghost", "no group"],
        ),
        // The file has a layer the model lacks (or the reverse): a count mismatch.
        (
            legacy_file(&dense_config(3), &[], &[]),
            &["layer count mismatch", "\"d\""],
        ),
        // A kernel of the wrong shape.
        (
            legacy_file(&dense_config(3), &["d"], &[("d", ok(zeros(&[3, 3])))]),
            &["\"d\"", "[3, 3]", "shape mismatch"],
        ),
        // A missing weight.
        (
            legacy_file(
                &dense_config(3),
                &["d"],
                &[("d", vec![("kernel:0", kernel.clone())])],
            ),
            &["weight count mismatch", "\"d\""],
        ),
        // Config problems: an unknown class, a Python lambda, JSON that is not a model.
        (
            legacy_file(
                &json!({"class_name": "Sequential", "config": {"layers": [
                {"class_name": "FancyLayer", "config": {"name": "f"}}]}}),
                &[],
                &[],
            ),
            &["FancyLayer"],
        ),
        (
            legacy_file(
                &json!({"class_name": "Sequential", "config": {"layers": [
                {"class_name": "Lambda", "config": {"name": "lam", "function": ["4wEAAA==", null, null],
                                                     "function_type": "lambda"}}]}}),
                &[],
                &[],
            ),
            &["lam", "Python lambda"],
        ),
        (
            legacy_file(&json!("just a string"), &[], &[]),
            &["model_config"],
        ),
    ];
    for (bytes, needles) in cases {
        let err = load_legacy_model_from_bytes(bytes)
            .err()
            .expect("must fail")
            .to_string();
        for n in needles {
            assert!(err.contains(n), "{err:?} should mention {n:?}");
        }
    }
}
