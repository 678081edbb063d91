//! `load_model` on untrusted files: every hostile archive below, made in the test by
//! mutating the valid Keras-written tests/fixtures/saving/compiled_mlp.keras, gives a clear
//! error (naming the member, class or layer at fault), never a panic and never an
//! allocation the file cannot justify.

use std::io::{Cursor, Read, Write};
use std::path::PathBuf;

use keras::layers::{Dense, InputLayer, Lambda, LayerExt};
use keras::models::{load_model, load_model_from_bytes, LoadOptions, LoadedModel, Sequential};
use keras::saving::load_legacy_model_from_bytes;
use keras::trainers::TrainerExt;
use keras::{ops, Tensor};
use serde_json::{json, Value};

/// `tests/fixtures/PATH` of the repository.
fn fixture(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(path)
}

/// The valid archive every test mutates.
fn valid() -> Vec<u8> {
    std::fs::read(fixture("saving/compiled_mlp.keras")).unwrap()
}

fn load(bytes: &[u8]) -> keras::Result<LoadedModel> {
    load_model_from_bytes(bytes, &LoadOptions::default())
}

fn err(bytes: &[u8]) -> String {
    match load(bytes) {
        Ok(_) => panic!("a hostile archive loaded"),
        Err(e) => e.to_string(),
    }
}

/// The members of an archive, in order.
fn members(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut z = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap();
            (f.name().unwrap().to_string(), data)
        })
        .collect()
}

/// A stored zip of `members`.
fn zip_of(members: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, data) in members {
        z.start_file(name.as_str(), opts).unwrap();
        z.write_all(data).unwrap();
    }
    z.finish().unwrap().into_inner()
}

/// The valid archive with member `name` replaced by `edit(data)`.
fn with_member(name: &str, edit: impl FnOnce(Vec<u8>) -> Vec<u8>) -> Vec<u8> {
    let mut ms = members(&valid());
    let m = ms.iter_mut().find(|(n, _)| n == name).unwrap();
    m.1 = edit(std::mem::take(&mut m.1));
    zip_of(&ms)
}

/// The valid archive with its config.json edited.
fn with_config(edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    with_member("config.json", |data| {
        let mut config: Value = serde_json::from_slice(&data).unwrap();
        edit(&mut config);
        config.to_string().into_bytes()
    })
}

/// The config of the layer named `name` in the Sequential's config.
fn layer<'a>(config: &'a mut Value, name: &str) -> &'a mut Value {
    config["config"]["layers"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|l| l["config"]["name"] == name)
        .unwrap()
}

/// Replaces every occurrence of `from` by `to` (same length).
fn replace_all(bytes: &mut [u8], from: &[u8], to: &[u8]) -> usize {
    assert_eq!(from.len(), to.len());
    let mut n = 0;
    let mut i = 0;
    while i + from.len() <= bytes.len() {
        if &bytes[i..i + from.len()] == from {
            bytes[i..i + to.len()].copy_from_slice(to);
            n += 1;
            i += from.len();
        } else {
            i += 1;
        }
    }
    n
}

fn u16_at(b: &[u8], i: usize) -> usize {
    u16::from_le_bytes([b[i], b[i + 1]]) as usize
}

fn u32_at(b: &[u8], i: usize) -> usize {
    u32::from_le_bytes(b[i..i + 4].try_into().unwrap()) as usize
}

/// Sets the uncompressed size that the central directory (and the local header) declare
/// for member `name`.
fn declare_size(bytes: &mut [u8], name: &str, size: u32) {
    let eocd = (0..bytes.len() - 21)
        .rev()
        .find(|&i| bytes[i..i + 4] == [0x50, 0x4b, 0x05, 0x06])
        .unwrap();
    let (count, mut at) = (u16_at(bytes, eocd + 10), u32_at(bytes, eocd + 16));
    for _ in 0..count {
        assert_eq!(bytes[at..at + 4], [0x50, 0x4b, 0x01, 0x02]);
        let (name_len, extra, comment) = (
            u16_at(bytes, at + 28),
            u16_at(bytes, at + 30),
            u16_at(bytes, at + 32),
        );
        if &bytes[at + 46..at + 46 + name_len] == name.as_bytes() {
            let local = u32_at(bytes, at + 42);
            bytes[at + 24..at + 28].copy_from_slice(&size.to_le_bytes());
            bytes[local + 22..local + 26].copy_from_slice(&size.to_le_bytes());
            return;
        }
        at += 46 + name_len + extra + comment;
    }
    panic!("no member {name}");
}

#[test]
fn the_valid_archive_loads() {
    assert!(load(&valid()).unwrap().is_compiled());
}

#[test]
fn truncated_random_and_flipped_bytes_are_errors() {
    let bytes = valid();
    for cut in (0..bytes.len()).step_by(97) {
        assert!(load(&bytes[..cut]).is_err(), "cut at {cut} loaded");
    }
    // Random bytes, with and without the zip signature.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut random = |n: usize| -> Vec<u8> {
        (0..n)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect()
    };
    for n in [0, 1, 4, 100, 5000] {
        assert!(load(&random(n)).is_err());
        let mut zipish = b"PK\x03\x04".to_vec();
        zipish.extend(random(n));
        assert!(load(&zipish).is_err());
    }
    // Flipped bytes anywhere in the archive: the zip's checksums catch data changes.
    let mut failed = 0;
    for pos in (0..bytes.len()).step_by(41) {
        let mut b = bytes.clone();
        b[pos] ^= 0x5a;
        failed += load(&b).is_err() as usize;
    }
    assert!(failed > 0);
    // Flipped bytes inside the HDF5 and the JSON, re-zipped with valid checksums, reach
    // the parsers: they may load (another value changed) but never panic.
    let weights = members(&bytes)
        .into_iter()
        .find(|(n, _)| n == "model.weights.h5")
        .unwrap()
        .1;
    for pos in (0..weights.len()).step_by(29) {
        let b = with_member("model.weights.h5", |mut d| {
            d[pos] ^= 0xa5;
            d
        });
        let _ = load(&b);
    }
    let config_len = members(&bytes)[1].1.len();
    for pos in (0..config_len).step_by(13) {
        let b = with_member("config.json", |mut d| {
            d[pos] ^= 0x21;
            d
        });
        let _ = load(&b);
    }
}

#[test]
fn member_names_that_leave_the_archive_are_refused() {
    for (bad, why) in [
        (&b"../etada.json"[..], "`..`"),
        (&b"/etadata.json"[..], "absolute"),
        (&b"a/../../b.txt"[..], "`..`"),
    ] {
        let mut b = valid();
        assert!(replace_all(&mut b, b"metadata.json", bad) >= 2);
        let e = err(&b);
        assert!(
            e.contains("is refused") && e.contains(why),
            "{}: {e}",
            String::from_utf8_lossy(bad)
        );
    }
}

#[test]
fn oversized_members_are_refused_before_inflating() {
    let mut b = valid();
    declare_size(&mut b, "config.json", 0x7fff_ffff);
    let e = err(&b);
    assert!(
        e.contains("config.json declares 2147483647 bytes, more than"),
        "{e}"
    );
    // A member declaring less than it holds: reading stops at the declared size.
    let mut b = valid();
    declare_size(&mut b, "config.json", 10);
    let e = err(&b);
    assert!(e.contains("config.json"), "{e}");
    // The weights declaring far more than they hold (within Keras's 4 GiB floor).
    let mut b = valid();
    declare_size(&mut b, "model.weights.h5", 0xffff_fff0);
    let e = err(&b);
    assert!(e.contains("model.weights.h5"), "{e}");
}

#[test]
fn missing_members_and_bad_json_are_named() {
    let mut b = valid();
    replace_all(&mut b, b"config.json", b"configXjson");
    assert!(err(&b).contains("no config.json"), "{}", err(&b));
    let mut b = valid();
    replace_all(&mut b, b"model.weights.h5", b"model.weights.h6");
    assert!(err(&b).contains("no model.weights.h5"), "{}", err(&b));
    let e = err(&with_member("config.json", |_| b"{not json".to_vec()));
    assert!(e.contains("config.json is not valid JSON"), "{e}");
    let e = err(&with_member("config.json", |_| b"[1, 2]".to_vec()));
    assert!(e.contains("must hold an object"), "{e}");
    let e = err(&with_config(|c| {
        c["config"]["layers"] = json!(7);
    }));
    assert!(e.contains("Sequential") && e.contains("layers"), "{e}");
}

#[test]
fn unknown_classes_name_the_class_and_the_register_call() {
    let e = err(&with_config(|c| {
        layer(c, "hidden")["class_name"] = json!("Densely")
    }));
    assert!(
        e.contains("\"Densely\"") && e.contains("keras::saving::register_layer"),
        "{e}"
    );
    let e = err(&with_config(|c| {
        let l = layer(c, "hidden");
        l["class_name"] = json!("Thing");
        l["registered_name"] = json!("nobody>Thing");
    }));
    assert!(
        e.contains("\"nobody>Thing\"") && e.contains("register_layer(\"nobody>Thing\""),
        "{e}"
    );
    let custom = |class: &str| {
        json!({"module": null, "class_name": class,
                                      "config": {}, "registered_name": format!("x>{class}")})
    };
    let e = err(&with_config(|c| {
        c["compile_config"]["loss"] = custom("NoLoss")
    }));
    assert!(
        e.contains("loss") && e.contains("register_loss(\"x>NoLoss\""),
        "{e}"
    );
    let e = err(&with_config(|c| {
        c["compile_config"]["metrics"] = json!([custom("NoMetric")])
    }));
    assert!(e.contains("register_metric(\"x>NoMetric\""), "{e}");
    let e = err(&with_config(|c| {
        c["compile_config"]["optimizer"] = custom("NoOpt")
    }));
    assert!(e.contains("register_optimizer(\"x>NoOpt\""), "{e}");
    // Without compiling, the compile config is not read.
    let b = with_config(|c| c["compile_config"]["optimizer"] = custom("NoOpt"));
    let options = LoadOptions {
        compile: false,
        ..Default::default()
    };
    load_model_from_bytes(&b, &options).unwrap();
}

#[test]
fn weights_that_do_not_fit_name_the_layer() {
    let e = err(&with_config(|c| {
        layer(c, "hidden")["config"]["units"] = json!(5);
        layer(c, "out")["build_config"]["input_shape"] = json!([null, 5]);
    }));
    assert!(e.contains("'hidden'") && e.contains("shape"), "{e}");
    // A config whose layers do not chain is refused when the model is assembled.
    let e = err(&with_config(|c| {
        layer(c, "hidden")["config"]["units"] = json!(5)
    }));
    assert!(
        e.contains("\"out\" expects last input dim 4, got input shape (None, 5)"),
        "{e}"
    );
    // Missing weights: the config has a layer the file has no group for.
    let e = err(&with_config(|c| {
        let mut extra = layer(c, "out").clone();
        extra["config"]["name"] = json!("extra");
        extra["build_config"] = json!({"input_shape": [null, 2]});
        c["config"]["layers"].as_array_mut().unwrap().push(extra);
        c["config"]["build_input_shape"] = json!([null, 3]);
    }));
    assert!(
        e.contains("'extra'") && e.contains("no weights for it"),
        "{e}"
    );
    // Extra weights: the file has a bias the layer does not.
    let e = err(&with_config(|c| {
        layer(c, "hidden")["config"]["use_bias"] = json!(false)
    }));
    assert!(
        e.contains("'hidden' expected 1 variables, but received 2"),
        "{e}"
    );
}

#[test]
fn huge_declared_shapes_are_refused_before_allocating() {
    // The HDF5 declares the hidden kernel (and its Adam slots) as 3 x 2^40.
    let three_four: Vec<u8> = [3u64, 4].iter().flat_map(|d| d.to_le_bytes()).collect();
    let huge: Vec<u8> = [3u64, 1 << 40]
        .iter()
        .flat_map(|d| d.to_le_bytes())
        .collect();
    let b = with_member("model.weights.h5", |mut d| {
        assert!(replace_all(&mut d, &three_four, &huge) >= 1);
        d
    });
    let e = err(&b);
    assert!(e.contains("'hidden'") && e.contains("1099511627776"), "{e}");
    // The config declares a layer far larger than the file's weights.
    let e = err(&with_config(|c| {
        layer(c, "hidden")["config"]["units"] = json!(1u64 << 40)
    }));
    assert!(
        e.contains("hidden/kernel") && e.contains("more memory"),
        "{e}"
    );
    // A Sequential without its InputLayer is built for the declared build_input_shape,
    // which its layers (each built from its own build_config) refuse. (With an InputLayer,
    // Keras and keras-rs build it as its layers are added and ignore build_input_shape.)
    let e = err(&with_config(|c| {
        let layers = c["config"]["layers"].as_array_mut().unwrap();
        assert_eq!(layers[0]["class_name"], "InputLayer");
        layers.remove(0);
        c["config"]["build_input_shape"] = json!([null, 1u64 << 62]);
    }));
    assert!(e.contains("\"hidden\" expects last input dim 3"), "{e}");
}

/// A model with a Lambda layer named `double_layer` applying a registered function.
fn lambda_model_bytes() -> Vec<u8> {
    keras::layers::register_lambda("hostile>double", |x| ops::multiply(x, 2.0));
    let mut m = Sequential::named("with_lambda");
    m.add(InputLayer::new(&[3])).unwrap();
    m.add(
        Lambda::registered("hostile>double")
            .unwrap()
            .named("double_layer"),
    )
    .unwrap();
    m.add(Dense::new(2).named("out")).unwrap();
    m.build_for(&vec![None, Some(3)]).unwrap();
    keras::saving::model_to_keras_bytes(&m, None).unwrap()
}

#[test]
fn python_lambdas_are_refused_in_safe_mode() {
    // What Keras writes for `Lambda(lambda x: x * 2)`.
    let python_lambda = json!({"module": "builtins", "class_name": "__lambda__",
        "config": {"code": "4wEAAAAAAAAAAAAAAAEAAAACAAAAQwAAAPMMAAAAfABkARQAUwA=",
                   "defaults": null, "closure": null},
        "registered_name": null});
    let ms = members(&lambda_model_bytes());
    let mut config: Value = serde_json::from_slice(&ms[1].1).unwrap();
    layer(&mut config, "double_layer")["config"]["function"] = python_lambda.clone();
    let mut edited = ms.clone();
    edited[1].1 = config.to_string().into_bytes();
    let b = zip_of(&edited);
    let e = err(&b);
    assert!(
        e.contains(
            "Requested the deserialization of a `Lambda` layer whose `function` is a Python \
             lambda"
        ) && e.contains("safe_mode"),
        "{e}"
    );
    let unsafe_mode = LoadOptions {
        safe_mode: false,
        ..Default::default()
    };
    // Outside safe mode the layer needs a Rust function under its name …
    let e = load_model_from_bytes(&b, &unsafe_mode)
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("register_lambda(\"double_layer\""), "{e}");
    keras::layers::register_lambda("double_layer", |x| ops::multiply(x, 2.0));
    let m = load_model_from_bytes(&b, &unsafe_mode).unwrap();
    let x = Tensor::from_vec(vec![1.0f32, 2.0, 3.0], [1, 3]).unwrap();
    let reference = load(&lambda_model_bytes()).unwrap();
    let lambda = |m: &LoadedModel| {
        let s = m.downcast_ref::<Sequential>().unwrap();
        s.layers()[0].forward(&x).unwrap().to_vec::<f32>().unwrap()
    };
    assert_eq!(lambda(&m), vec![2.0, 4.0, 6.0]);
    assert_eq!(lambda(&reference), vec![2.0, 4.0, 6.0]);
    // … and safe mode still refuses it once one is registered.
    assert!(err(&b).contains("Requested the deserialization"));
    // A lambda anywhere else (here as the loss) is refused too.
    let e = err(&with_config(|c| {
        c["compile_config"]["loss"] = python_lambda
    }));
    assert!(
        e.contains("Requested the deserialization of a Python lambda"),
        "{e}"
    );
}

#[test]
fn file_names_and_formats() {
    let dir = std::env::temp_dir().join(format!("keras_hostile_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let e = load_model(dir.join("missing.keras"))
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("missing.keras"), "{e}");
    let e = load_model(dir.join("model.pb")).err().unwrap().to_string();
    assert!(e.contains("File format not supported"), "{e}");
    // An HDF5 file goes to the legacy `.h5` reader, by name and by content (a weights-only
    // file is no model either way), never to the zip reader.
    let h5 = std::fs::read(fixture("saving/tiny_mlp.weights.h5")).unwrap();
    std::fs::write(dir.join("legacy.h5"), &h5).unwrap();
    let e = load_model(dir.join("legacy.h5")).err().unwrap().to_string();
    assert!(e.contains("legacy.h5") && !e.contains("archive"), "{e}");
    let e = err(&h5);
    assert!(!e.contains("archive"), "{e}");
    // A .keras name on something else.
    std::fs::write(dir.join("fake.keras"), b"hello").unwrap();
    let e = load_model(dir.join("fake.keras"))
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("not a readable .keras archive") && e.contains("fake.keras"),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

// Found by fuzzing (scripts/fuzz.sh, target load_keras): legacy `.h5` files.

/// The Keras-written legacy file `tests/fixtures/legacy_h5/NAME` with `edits` (pairs of
/// same-length byte strings) applied, each found exactly `count` times.
fn legacy_with(name: &str, count: usize, edits: &[(&[u8], &[u8])]) -> Vec<u8> {
    let mut bytes = std::fs::read(fixture(&format!("legacy_h5/{name}"))).unwrap();
    for (from, to) in edits {
        assert_eq!(replace_all(&mut bytes, from, to), count, "{name}: {from:?}");
    }
    bytes
}

/// Both ways into the legacy reader refuse `bytes` with an error containing `needle`.
fn assert_legacy_refused(bytes: &[u8], needle: &str) {
    let e = err(bytes);
    assert!(e.contains(needle), "{e}");
    let e = load_legacy_model_from_bytes(bytes.to_vec())
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains(needle), "{e}");
}

/// A `model_config` asking for Dense layers of 10^8 units (a duplicated `units` key, the
/// last one winning) used to build a 3 GB kernel before any weight was read: the file's
/// size now bounds what its config may build, as for a `.keras` archive.
#[test]
fn legacy_h5_config_asking_for_huge_layers_is_refused_before_allocating() {
    let bytes = legacy_with(
        "keras3_compiled_adam.h5",
        2,
        &[(br#""use_bias": true"#, br#""units":99999999"#)],
    );
    assert_legacy_refused(&bytes, "needs more memory than the file's weights can fill");
}

/// An optimizer weight declaring 3 GiB that was never written (so it reads as its fill
/// value, data the 26 KB file does not hold) passed Keras's guard (over 4 GiB and 1000
/// times the file) and was allocated: the datasets read from a legacy file may now declare
/// at most 1000 times its size in all. The edit is exactly what h5py writes for
/// `create_dataset(path, shape=(3 * 2**28,), dtype="float32")` in place of the fixture's
/// 2**40 floats.
#[test]
fn legacy_h5_unwritten_dataset_of_3_gib_is_refused_before_allocating() {
    let le = |v: u64| v.to_le_bytes();
    let (huge, n) = (1u64 << 40, 3u64 << 28);
    let dims = |v: u64| [le(v), le(v)].concat();
    let layout = |bytes: u64| [[0xff; 8], le(bytes)].concat();
    let bytes = legacy_with(
        "hostile_huge_optimizer_weight.h5",
        1,
        &[(&dims(huge), &dims(n)), (&layout(4 * huge), &layout(4 * n))],
    );
    assert_legacy_refused(&bytes, "1000 times the file's 26200 bytes");
}

/// An HDF5 file cut short (a legacy model, or the weights inside a `.keras` archive) is
/// named as truncated, from its superblock's declared end, before anything is parsed.
#[test]
fn truncated_hdf5_files_are_named_truncated() {
    let bytes = std::fs::read(fixture("legacy_h5/tf2_seq_mlp.h5")).unwrap();
    let len = bytes.len();
    for cut in [100, 3000, len - 1] {
        assert_legacy_refused(
            &bytes[..cut],
            &format!("truncated: its superblock declares {len} bytes, the file has {cut}"),
        );
    }
    let e = err(&with_member("model.weights.h5", |mut d| {
        d.truncate(d.len() / 2);
        d
    }));
    assert!(e.contains("the HDF5 file is truncated"), "{e}");
}
