//! A Functional model with two inputs and two outputs, a shared layer and a nested model,
//! as in Keras's functional API guide: a ticket's title and body are encoded by the same
//! encoder, merged, and feed a priority score and a department classifier.
//!
//! ```text
//! cargo run -p keras --example functional_multi_io
//! ```

use std::sync::Arc;

use keras::layers::{Apply, Concatenate, Dense, Input, LayerExt, LayerNormalization};
use keras::models::{Functional, Sequential};
use keras::{random, DType, Result};

fn main() -> Result<()> {
    let title = Input::new(&[32]).name("title").build();
    let body = Input::new(&[64]).name("body").build();

    // A nested Sequential model used as one layer.
    let mut body_encoder = Sequential::named("body_encoder");
    body_encoder.add(Dense::new(32).activation("relu")?)?;
    body_encoder.add(LayerNormalization::new())?;

    // One Dense layer shared by both branches (same weights, two calls).
    let shared = Arc::new(
        Dense::new(16)
            .named("shared_projection")
            .activation("relu")?,
    );
    let t = (&shared).apply(&title)?;
    let b = shared.apply(&body_encoder.apply(&body)?)?;

    let merged = Concatenate::new().named("merge").apply_list(&[t, b])?;
    let priority = Dense::new(1)
        .named("priority")
        .activation("sigmoid")?
        .apply(&merged)?;
    let department = Dense::new(4)
        .named("department")
        .activation("softmax")?
        .apply(&merged)?;

    let model = Functional::with_name(
        vec![title, body],
        vec![priority, department],
        Some("ticket_classifier"),
    )?;
    model.summary();

    // Eager call on a batch of 3 tickets.
    let x_title = random::normal(&[3, 32], 0.0, 1.0, DType::F32, 1)?;
    let x_body = random::normal(&[3, 64], 0.0, 1.0, DType::F32, 2)?;
    let outs = model.call_with(&[x_title, x_body], &Default::default())?;
    println!("priority: {}", outs[0]);
    println!("department: {}", outs[1]);
    println!(
        "layer \"shared_projection\" has {} weights",
        model.get_layer("shared_projection")?.weights().len()
    );
    Ok(())
}
