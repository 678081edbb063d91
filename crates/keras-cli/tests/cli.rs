//! The `keras` binary run as a user would: `summary`, `predict`, `inspect` and `convert` on
//! the committed fixtures (`tests/fixtures/saving`, `tests/fixtures/legacy_h5` and the
//! Python-saved interop corpus `tests/fixtures/interop`), and its errors on bad input:
//! a clear message naming the file, a non-zero exit status, never a panic.

use std::path::{Path, PathBuf};
use std::process::Command;

use keras::{DType, Tensor};
use serde_json::Value;

/// What a run of the binary gave.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// The arguments of a command line: strings and paths alike.
macro_rules! argv {
    ($($arg:expr),* $(,)?) => {
        [$(std::ffi::OsString::from(AsRef::<std::ffi::OsStr>::as_ref(&$arg))),*]
    };
}

/// Runs `keras ARGS…` on the cpu backend.
fn keras<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_keras"))
        .args(args)
        .env("KERAS_BACKEND", "cpu")
        .env_remove("COLUMNS")
        .output()
        .expect("the keras binary runs");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `keras ARGS…`, which must succeed; its stdout.
fn ok<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> String {
    let run = keras(args);
    assert_eq!(
        run.code,
        Some(0),
        "keras {:?} failed:\n{}",
        args.iter().map(|a| a.as_ref()).collect::<Vec<_>>(),
        run.stderr
    );
    run.stdout
}

/// Runs `keras ARGS…`, which must fail with exit status `code` and an error message (no
/// panic); its stderr.
fn fails<S: AsRef<std::ffi::OsStr>>(code: i32, args: &[S]) -> String {
    let run = keras(args);
    let shown: Vec<_> = args.iter().map(|a| a.as_ref()).collect();
    assert_eq!(run.code, Some(code), "keras {shown:?}: {}", run.stderr);
    assert!(
        !run.stderr.contains("panicked"),
        "keras {shown:?} panicked: {}",
        run.stderr
    );
    assert!(
        run.stderr.contains("error"),
        "keras {shown:?}: {}",
        run.stderr
    );
    run.stderr
}

/// A fresh directory for one test's files, removed afterwards.
struct TempDir(PathBuf);

impl TempDir {
    fn new(test: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("keras_cli_{test}_{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// Writes `t` as `name` (a `.npy` file); its path.
    fn npy(&self, name: &str, t: &Tensor) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, t.to_npy_bytes().unwrap()).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn fixture(name: &str) -> PathBuf {
    fixtures().join(name)
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn floats(t: &Tensor) -> Vec<f64> {
    t.to_vec::<f64>().unwrap()
}

/// `got` against `want` within `|got - want| <= atol + rtol * |want|`; `Err` says where
/// not.
fn close(got: &[f64], want: &[f64], atol: f64, rtol: f64) -> Result<(), String> {
    if got.len() != want.len() {
        return Err(format!("{} values, expected {}", got.len(), want.len()));
    }
    // NaN is never within.
    let within = |i: usize| (got[i] - want[i]).abs() <= atol + rtol * want[i].abs();
    match (0..want.len()).find(|&i| !within(i)) {
        None => Ok(()),
        Some(i) => Err(format!("element {i} is {}, expected {}", got[i], want[i])),
    }
}

/// The rows of `x` from a JSON matrix.
fn matrix(v: &Value) -> (Vec<f32>, [usize; 2]) {
    let rows = v.as_array().unwrap();
    let cols = rows[0].as_array().unwrap().len();
    let data = rows
        .iter()
        .flat_map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap() as f32)
        })
        .collect();
    (data, [rows.len(), cols])
}

// ---------------------------------------------------------------- summary

#[test]
fn summary_prints_keras_table_with_optimizer_params() {
    let model = fixture("saving/compiled_mlp.keras");
    // `keras.models.load_model(...).summary()` in Keras 3.15.1, 80 columns (76 wide).
    let table = "\
Model: \"tiny_mlp\"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ hidden (Dense)                  │ (None, 4)              │            16 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ out (Dense)                     │ (None, 2)              │            10 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
";
    let compiled = format!(
        "{table} Total params: 80 (320.00 B)
 Trainable params: 26 (104.00 B)
 Non-trainable params: 0 (0.00 B)
 Optimizer params: 54 (216.00 B)
"
    );
    assert_eq!(ok(&argv!["summary", model]), compiled);
    let plain = format!(
        "{table} Total params: 26 (104.00 B)
 Trainable params: 26 (104.00 B)
 Non-trainable params: 0 (0.00 B)
"
    );
    let no_compile = ok(&argv!["summary", model, "--no-compile"]);
    assert_eq!(no_compile, plain);
}

#[test]
fn summary_reads_legacy_h5() {
    let out = ok(&argv!["summary", fixture("legacy_h5/tf2_seq_mlp.h5")]);
    assert!(out.starts_with("Model: \"seq_mlp\"\n"), "{out}");
    assert!(out
        .contains("│ hidden (Dense)                  │ (None, 16)             │           144 │"));
    assert!(out.contains(" Total params: 212 (848.00 B)\n"), "{out}");
}

// ---------------------------------------------------------------- predict

#[test]
fn predict_compiled_mlp_matches_keras_predictions() {
    let dir = TempDir::new("predict_mlp");
    let j = read_json(&fixture("saving/compiled_mlp.json"));
    let (x, dims) = matrix(&j["x"]);
    let x = dir.npy("x.npy", &Tensor::from_vec(x, dims).unwrap());
    let y = dir.path("y.npy");
    let model = fixture("saving/compiled_mlp.keras");
    let out = ok(&argv![
        "predict",
        model,
        "--input",
        x,
        "--output",
        y,
        "--batch-size",
        "3"
    ]);
    assert_eq!(out, format!("{}: float32 (4, 2)\n", y.display()));
    let got = Tensor::load_npy(&y).unwrap();
    assert_eq!(got.dims(), &[4, 2]);
    let (want, _) = matrix(&j["predictions"]);
    let want: Vec<f64> = want.iter().map(|&v| v as f64).collect();
    close(&floats(&got), &want, 1e-5, 1e-4).unwrap();

    // Without --output the outputs are printed as NumPy prints them.
    let printed = ok(&argv!["predict", model, "-i", x]);
    assert!(
        printed.starts_with("output 0 (out): float32 (4, 2)\narray([[-0.68"),
        "{printed}"
    );
    assert!(printed.ends_with("]], dtype=float32)\n"), "{printed}");
}

/// The dtype `keras predict` writes an output of Keras dtype `dtype` as.
fn written_dtype(dtype: &str) -> &str {
    if dtype == "bfloat16" {
        "float32"
    } else {
        dtype
    }
}

/// Runs `keras predict` on corpus model `entry` (one `--output` per output, or a single one
/// when `suffixed`) and compares every output with Keras's within the corpus tolerance.
fn check_corpus_model(entry: &Value, defaults: &Value, suffixed: bool, batch_size: usize) {
    let name = entry["name"].as_str().unwrap();
    let corpus = fixture("interop");
    let dir = TempDir::new(&format!("corpus_{name}_{suffixed}"));
    let mut args: Vec<PathBuf> = vec![
        "predict".into(),
        corpus.join(entry["file"].as_str().unwrap()),
    ];
    for input in entry["inputs"].as_array().unwrap() {
        args.push("--input".into());
        args.push(corpus.join(input["file"].as_str().unwrap()));
    }
    let outputs = entry["outputs"].as_array().unwrap();
    let written: Vec<PathBuf> = if suffixed {
        args.extend(["--output".into(), dir.path("y.npy")]);
        (0..outputs.len())
            .map(|i| dir.path(&format!("y.out{i}.npy")))
            .collect()
    } else {
        let paths: Vec<PathBuf> = (0..outputs.len())
            .map(|i| dir.path(&format!("o{i}.npy")))
            .collect();
        for p in &paths {
            args.extend(["-o".into(), p.clone()]);
        }
        paths
    };
    args.extend(["--batch-size".into(), batch_size.to_string().into()]);
    ok(&args);
    for (spec, path) in outputs.iter().zip(&written) {
        let got = Tensor::load_npy(path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let want = Tensor::load_npy(corpus.join(spec["file"].as_str().unwrap())).unwrap();
        let dtype = spec["dtype"].as_str().unwrap();
        assert_eq!(
            got.dtype().name(),
            written_dtype(dtype),
            "{name}: {}",
            path.display()
        );
        assert_eq!(got.dims(), want.dims(), "{name}: {}", path.display());
        let tol = |k: &str| {
            [&spec["tolerance"], &entry["tolerance"], defaults]
                .iter()
                .find_map(|t| t[k].as_f64())
                .unwrap()
        };
        close(&floats(&got), &floats(&want), tol("atol"), tol("rtol"))
            .unwrap_or_else(|e| panic!("{name} {}: {e}", spec["file"]));
    }
}

fn corpus() -> (Vec<Value>, Value) {
    let index = read_json(&fixture("interop/index.json"));
    (
        index["models"].as_array().unwrap().clone(),
        index["tolerance"].clone(),
    )
}

/// Every corpus model but the one whose Lambda calls a function registered in Rust (a
/// command-line tool cannot register it; `predict_refuses_unregistered_lambda` checks its
/// message).
#[test]
fn predict_reproduces_every_corpus_model() {
    let (models, defaults) = corpus();
    assert!(models.len() >= 40);
    let mut multi_io = 0;
    for entry in models.iter().filter(|m| m["name"] != "identity_lambda") {
        check_corpus_model(entry, &defaults, false, 32);
        let ins = entry["inputs"].as_array().unwrap().len();
        let outs = entry["outputs"].as_array().unwrap().len();
        multi_io += usize::from(ins > 1 && outs > 1);
    }
    assert!(multi_io >= 5, "{multi_io} multi-input multi-output models");
}

#[test]
fn predict_writes_suffixed_outputs_and_batches() {
    let (models, defaults) = corpus();
    for name in ["multi_io", "hashing", "mixed_float16_mlp"] {
        let entry = models.iter().find(|m| m["name"] == name).unwrap();
        check_corpus_model(entry, &defaults, true, 1);
    }
}

#[test]
fn predict_reads_legacy_h5_models() {
    let dir = TempDir::new("predict_legacy");
    for name in ["tf2_two_tower", "tf2_embedding", "keras3_seq_mlp"] {
        let j = read_json(&fixture(&format!("legacy_h5/{name}.json")));
        let mut args: Vec<PathBuf> =
            vec!["predict".into(), fixture(&format!("legacy_h5/{name}.h5"))];
        for (i, input) in j["inputs"].as_array().unwrap().iter().enumerate() {
            let dims: Vec<usize> = serde_json::from_value(input["shape"].clone()).unwrap();
            let data: Vec<f64> = serde_json::from_value(input["data"].clone()).unwrap();
            let t = Tensor::from_vec(data, dims).unwrap();
            let dtype = DType::parse(input["dtype"].as_str().unwrap()).unwrap();
            let t = keras::ops::cast(&t, dtype).unwrap();
            args.extend(["-i".into(), dir.npy(&format!("{name}_x{i}.npy"), &t)]);
        }
        args.extend(["-o".into(), dir.path(&format!("{name}.npy"))]);
        ok(&args);
        let outputs = j["outputs"].as_array().unwrap();
        for (i, want) in outputs.iter().enumerate() {
            let file = if outputs.len() == 1 {
                format!("{name}.npy")
            } else {
                format!("{name}.out{i}.npy")
            };
            let got = Tensor::load_npy(dir.path(&file)).unwrap();
            let dims: Vec<usize> = serde_json::from_value(want["shape"].clone()).unwrap();
            assert_eq!(got.dims(), dims.as_slice(), "{name} output {i}");
            let want: Vec<f64> = serde_json::from_value(want["data"].clone()).unwrap();
            close(&floats(&got), &want, 1e-5, 1e-4).unwrap_or_else(|e| panic!("{name} {i}: {e}"));
        }
    }
}

// ---------------------------------------------------------------- inspect

/// The whitespace-separated cells of each line of `text`.
fn cells(text: &str) -> Vec<Vec<&str>> {
    text.lines()
        .map(|l| l.split_whitespace().collect())
        .collect()
}

#[test]
fn inspect_keras_archive_shows_config_and_weights() {
    let out = ok(&argv!["inspect", fixture("saving/compiled_mlp.keras")]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "format: .keras archive");
    assert_eq!(lines[1], "model: Sequential \"tiny_mlp\"");
    assert_eq!(lines[2], "keras_version: 3.15.1");
    assert!(lines[3].starts_with("date_saved: "), "{out}");
    assert_eq!(
        lines[4],
        r#"compiled: yes: optimizer Adam (learning_rate 0.01), loss "mse", metrics ["mae"]"#
    );
    let rows = cells(&out);
    assert!(rows.contains(&vec![
        "layers/dense/vars/0",
        "(3,",
        "4)",
        "float32",
        "hidden"
    ]));
    assert!(rows.contains(&vec!["layers/dense_1/vars/1", "(2,)", "float32", "out"]));
    assert!(rows.contains(&vec!["optimizer/vars/0", "()", "int32", "adam"]));
    assert_eq!(lines.last().unwrap(), &"14 datasets, 80 values, 320 bytes");
}

#[test]
fn inspect_weights_and_legacy_files() {
    let out = ok(&argv!["inspect", fixture("saving/tiny_mlp.weights.h5")]);
    assert!(
        out.starts_with("format: .weights.h5 weights file\n\npath"),
        "{out}"
    );
    assert!(cells(&out).contains(&vec![
        "layers/dense/vars/0",
        "(3,",
        "4)",
        "float32",
        "hidden"
    ]));

    let out = ok(&argv!["inspect", fixture("legacy_h5/tf2_compiled_adam.h5")]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "format: legacy .h5 model");
    assert!(lines[1].starts_with("model: "), "{out}");
    assert!(out.contains("\nbackend: tensorflow\n"), "{out}");
    let compiled = "\ncompiled: yes: optimizer Custom>Adam (learning_rate 0.01), \
                    loss \"categorical_crossentropy\"";
    assert!(out.contains(compiled), "{out}");
    assert!(out.contains("\nmodel_weights/"), "{out}");
    assert!(out.contains("\noptimizer_weights/"), "{out}");

    let out = ok(&argv!["inspect", fixture("legacy_h5/tf2_weights_only.h5")]);
    assert!(
        out.starts_with("format: legacy .h5 weights file\n"),
        "{out}"
    );
    assert!(!out.contains("\nmodel: "), "{out}");
}

// ---------------------------------------------------------------- convert

/// `keras predict MODEL -i X -o OUT`, read back.
fn predict_to(model: &Path, x: &Path, out: &Path) -> Tensor {
    ok(&argv!["predict", model, "-i", x, "-o", out]);
    Tensor::load_npy(out).unwrap()
}

#[test]
fn convert_legacy_h5_to_keras_keeps_model_and_compile() {
    let dir = TempDir::new("convert_legacy");
    let legacy = fixture("legacy_h5/tf2_compiled_adam.h5");
    let converted = dir.path("adam.keras");
    let out = ok(&argv!["convert", legacy, converted]);
    assert_eq!(out, format!("wrote {}\n", converted.display()));
    let info = ok(&argv!["inspect", converted]);
    assert!(info.contains("\ncompiled: yes: optimizer Adam"), "{info}");
    assert!(info.contains("\noptimizer/vars/"), "{info}");

    let j = read_json(&fixture("legacy_h5/tf2_compiled_adam.json"));
    let input = &j["inputs"][0];
    let dims: Vec<usize> = serde_json::from_value(input["shape"].clone()).unwrap();
    let data: Vec<f32> = serde_json::from_value(input["data"].clone()).unwrap();
    let x = dir.npy("x.npy", &Tensor::from_vec(data, dims).unwrap());
    let before = predict_to(&legacy, &x, &dir.path("before.npy"));
    let after = predict_to(&converted, &x, &dir.path("after.npy"));
    assert_eq!(floats(&before), floats(&after));
}

#[test]
fn convert_keras_to_weights_and_keras() {
    let dir = TempDir::new("convert_keras");
    let model = fixture("saving/compiled_mlp.keras");
    let weights = dir.path("mlp.weights.h5");
    ok(&argv!["convert", model, weights]);
    let member = keras::saving::keras_weights_member(std::fs::read(&model).unwrap()).unwrap();
    assert_eq!(std::fs::read(&weights).unwrap(), member);
    let listed = |p: &Path| -> Vec<String> {
        let out = ok(&argv!["inspect", p]);
        out.lines()
            .skip_while(|l| !l.starts_with("path "))
            .map(String::from)
            .collect()
    };
    assert_eq!(listed(&weights), listed(&model));

    let again = dir.path("again.keras");
    ok(&argv!["convert", model, again]);
    let x = dir.npy(
        "x.npy",
        &Tensor::from_vec(vec![0.5f32, -1.0, 2.0], [1, 3]).unwrap(),
    );
    let a = predict_to(&model, &x, &dir.path("a.npy"));
    let b = predict_to(&again, &x, &dir.path("b.npy"));
    assert_eq!(floats(&a), floats(&b));
    assert!(ok(&argv!["inspect", again]).contains("\ncompiled: yes: optimizer Adam"));

    let plain = dir.path("plain.keras");
    ok(&argv!["convert", model, plain, "--no-compile"]);
    assert!(ok(&argv!["inspect", plain]).contains("\ncompiled: no\n"));
    let plain_weights = dir.path("plain.weights.h5");
    ok(&argv!["convert", model, plain_weights, "--no-compile"]);
    let out = ok(&argv!["inspect", plain_weights]);
    assert!(!out.contains("optimizer/"), "{out}");
    assert!(
        out.ends_with("\n4 datasets, 26 values, 104 bytes\n"),
        "{out}"
    );
}

#[test]
fn convert_legacy_h5_to_weights_h5_uses_keras3_layout() {
    let dir = TempDir::new("convert_legacy_weights");
    let legacy = fixture("legacy_h5/tf2_compiled_adam.h5");
    let weights = dir.path("adam.weights.h5");
    ok(&argv!["convert", legacy, weights]);
    let out = ok(&argv!["inspect", weights]);
    assert!(
        out.starts_with("format: .weights.h5 weights file\n"),
        "{out}"
    );
    assert!(
        out.contains("\nlayers/") && out.contains("\noptimizer/vars/"),
        "{out}"
    );
    // As many values as the model weights the legacy file stores.
    let values = |path: &Path, prefix: &str| -> u64 {
        let stored = keras::saving::inspect_file_bytes(std::fs::read(path).unwrap()).unwrap();
        stored
            .weights
            .iter()
            .filter(|w| w.path.starts_with(prefix))
            .map(|w| w.shape.iter().product::<u64>())
            .sum()
    };
    let converted = values(&weights, "layers/");
    assert!(converted > 0);
    assert_eq!(converted, values(&legacy, "model_weights/"));
}

// ---------------------------------------------------------------- errors

#[test]
fn missing_and_corrupt_files_are_clear_errors() {
    let dir = TempDir::new("corrupt");
    let missing = dir.path("missing.keras");
    for cmd in ["summary", "inspect"] {
        let err = fails(1, &argv![cmd, missing]);
        assert!(err.contains("missing.keras"), "{cmd}: {err}");
    }
    let garbage = dir.path("garbage.keras");
    std::fs::write(&garbage, b"this is not a zip file at all").unwrap();
    let full = std::fs::read(fixture("saving/compiled_mlp.keras")).unwrap();
    let truncated = dir.path("truncated.keras");
    std::fs::write(&truncated, &full[..full.len() / 2]).unwrap();
    let h5 = std::fs::read(fixture("legacy_h5/tf2_seq_mlp.h5")).unwrap();
    let bad_h5 = dir.path("cut.h5");
    std::fs::write(&bad_h5, &h5[..h5.len() / 3]).unwrap();
    let x = dir.npy("x.npy", &Tensor::from_vec(vec![0f32; 3], [1, 3]).unwrap());
    for file in [&garbage, &truncated, &bad_h5] {
        let name = file.file_name().unwrap().to_str().unwrap();
        for cmd in ["summary", "inspect"] {
            let err = fails(1, &argv![cmd, file]);
            assert!(err.contains(name), "{cmd} {name}: {err}");
        }
        fails(1, &argv!["predict", file, "-i", x]);
        fails(1, &argv!["convert", file, dir.path("out.keras")]);
    }
    let weights = fixture("saving/tiny_mlp.weights.h5");
    let err = fails(1, &argv!["summary", weights]);
    assert!(
        err.contains("is a weights file and holds no model"),
        "{err}"
    );
}

#[test]
fn wrong_inputs_are_clear_errors() {
    let dir = TempDir::new("bad_inputs");
    let mlp = fixture("saving/compiled_mlp.keras");
    let predict = |args: &[std::ffi::OsString]| {
        let mut all = argv!["predict", mlp].to_vec();
        all.extend_from_slice(args);
        fails(1, &all)
    };
    let wide = dir.npy(
        "wide.npy",
        &Tensor::from_vec(vec![0f32; 10], [2, 5]).unwrap(),
    );
    let err = predict(&argv!["-i", wide]);
    assert!(err.contains("wide.npy has shape (2, 5) but input"), "{err}");
    assert!(err.contains("takes (None, 3)"), "{err}");
    let flat = dir.npy("flat.npy", &Tensor::from_vec(vec![0f32; 3], [3]).unwrap());
    assert!(predict(&argv!["-i", flat]).contains("has shape (3,)"));
    let not_npy = dir.path("not.npy");
    std::fs::write(&not_npy, b"hello").unwrap();
    assert!(predict(&argv!["-i", not_npy]).contains("not.npy"));
    let absent = dir.path("absent.npy");
    assert!(predict(&argv!["-i", absent]).contains("absent.npy"));
    let err = predict(&argv!["-i", wide, "-i", wide]);
    assert!(
        err.contains("has 1 input (") && err.contains("but 2 --input paths"),
        "{err}"
    );
    let x = dir.npy("x.npy", &Tensor::from_vec(vec![0f32; 3], [1, 3]).unwrap());
    let nowhere = dir.path("no/such/dir/y.npy");
    let err = predict(&argv!["-i", x, "-o", nowhere]);
    assert!(err.contains("no/such/dir"), "{err}");

    // multi_io: inputs (None, 5) float32, (None, 4, 2) float32, (None, 3) int32.
    let multi = fixture("interop/multi_io.keras");
    let a = dir.npy("a.npy", &Tensor::from_vec(vec![0f32; 10], [2, 5]).unwrap());
    let b = dir.npy(
        "b.npy",
        &Tensor::from_vec(vec![0f32; 16], [2, 4, 2]).unwrap(),
    );
    let ids = dir.npy(
        "ids.npy",
        &Tensor::from_vec(vec![1.0f32, 2.5, 0.0, 1.0, 2.0, 3.0], [2, 3]).unwrap(),
    );
    let err = fails(1, &argv!["predict", multi, "-i", a, "-i", b, "-i", ids]);
    assert!(err.contains("ids.npy holds float32 but input"), "{err}");
    assert!(
        err.contains("value 2.5 at flat index 1 is not exactly representable in int32"),
        "{err}"
    );
    let short = dir.npy(
        "short.npy",
        &Tensor::from_vec(vec![0f32; 5], [1, 5]).unwrap(),
    );
    let good_ids = dir.npy(
        "good.npy",
        &Tensor::from_vec(vec![1i32; 6], [2, 3]).unwrap(),
    );
    let err = fails(
        1,
        &argv!["predict", multi, "-i", short, "-i", b, "-i", good_ids],
    );
    assert!(err.contains("every input needs the same number"), "{err}");
    let err = fails(1, &argv!["predict", multi, "-i", a]);
    assert!(err.contains("has 3 inputs"), "{err}");
    let err = fails(
        1,
        &argv![
            "predict",
            multi,
            "-i",
            a,
            "-i",
            b,
            "-i",
            good_ids,
            "-o",
            dir.path("1.npy"),
            "-o",
            dir.path("2.npy")
        ],
    );
    assert!(
        err.contains("has 3 outputs") && err.contains("but 2 --output paths"),
        "{err}"
    );
}

#[test]
fn predict_refuses_unregistered_lambda() {
    let dir = TempDir::new("lambda");
    let x = dir.npy("x.npy", &Tensor::from_vec(vec![0f32; 4], [1, 4]).unwrap());
    let err = fails(
        1,
        &argv!["predict", fixture("interop/identity_lambda.keras"), "-i", x],
    );
    assert!(err.to_lowercase().contains("lambda"), "{err}");
}

#[test]
fn bad_arguments_exit_with_status_2() {
    let dir = TempDir::new("bad_args");
    let mlp = fixture("saving/compiled_mlp.keras");
    let x = dir.npy("x.npy", &Tensor::from_vec(vec![0f32; 3], [1, 3]).unwrap());
    let err = fails(2, &argv!["predict", mlp, "-i", x, "--batch-size", "0"]);
    assert!(err.contains("not a positive integer"), "{err}");
    let err = fails(2, &argv!["predict", mlp, "-i", x, "-o", dir.path("y.txt")]);
    assert!(err.contains("does not end in .npy"), "{err}");
    let y = dir.path("y.npy");
    let err = fails(2, &argv!["predict", mlp, "-i", x, "-o", y, "-o", y]);
    assert!(err.contains("is given twice"), "{err}");
    fails(2, &argv!["predict", mlp]);
    fails(2, &argv!["frobnicate"]);
    let err = fails(
        2,
        &argv![
            "convert",
            fixture("saving/tiny_mlp.weights.h5"),
            dir.path("x.keras")
        ],
    );
    assert!(
        err.contains("cannot convert") && err.contains("a .weights.h5 weights file"),
        "{err}"
    );
    let err = fails(1, &argv!["--backend", "nope", "summary", mlp]);
    assert!(err.contains("unknown backend \"nope\""), "{err}");
}
