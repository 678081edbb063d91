//! Fuzzes the HDF5 readers: `keras::saving::load_legacy_model_from_bytes` (a whole legacy
//! `.h5` model), and `load_weights_from_bytes` (a Keras 3 `.weights.h5`, with the optimizer's
//! variables) and `load_legacy_weights_from_bytes` (a Keras 2 weights file, by order and by
//! name) into a small fixed model: Input(3) → Dense(4, relu, "hidden") → Dense(2, "out")
//! with a built Adam, the model of tests/fixtures/saving/tiny_mlp.weights.h5.

#![no_main]

use keras::layers::{Dense, InputLayer, LayerExt};
use keras::models::Sequential;
use keras::optimizers::{Adam, Optimizer};
use keras::saving::{
    load_legacy_model_from_bytes, load_legacy_weights_from_bytes, load_weights_from_bytes,
    LegacyWeightsOptions,
};
use libfuzzer_sys::fuzz_target;

/// The fixed model and its optimizer (built once: loading only changes their values).
struct Target {
    model: Sequential,
    optimizer: Optimizer,
}

fn target() -> Target {
    let mut model = Sequential::named("tiny_mlp");
    model.add(InputLayer::new(&[3])).unwrap();
    let hidden = Dense::new(4).activation("relu").unwrap().named("hidden");
    model.add(hidden).unwrap();
    model.add(Dense::new(2).named("out")).unwrap();
    model.build_for(&vec![None, Some(3)]).unwrap();
    let mut optimizer = Optimizer::new(Adam::default());
    optimizer.build(&model.trainable_weights()).unwrap();
    Target { model, optimizer }
}

thread_local! {
    static TARGET: Target = target();
}

fuzz_target!(|data: &[u8]| {
    // Errors are the expected outcome for most inputs; only a panic, an abort, a timeout
    // or running out of memory is a finding.
    let _ = load_legacy_model_from_bytes(data.to_vec());
    TARGET.with(|t| {
        let _ = load_weights_from_bytes(&t.model, Some(&t.optimizer), data.to_vec());
        for options in [
            LegacyWeightsOptions::default(),
            LegacyWeightsOptions {
                by_name: true,
                skip_mismatch: true,
            },
        ] {
            let _ = load_legacy_weights_from_bytes(&t.model, data.to_vec(), options);
        }
    });
});
