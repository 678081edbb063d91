//! A subclassed model: user structs whose fields are layers, made into Keras layers with
//! `#[derive(Layer)]` and a `Module` impl (the forward pass). Prints the summary and the
//! weight paths Keras would write for the same Python classes.
//!
//! ```text
//! cargo run -p keras --example subclassed_model
//! ```

use std::sync::OnceLock;

use keras::initializers::Initializer;
use keras::layers::{CallArgs, Dense, Layer, LayerBase, LayerExt, Module, ShapeSpec};
use keras::utils::summary::print_summary;
use keras::{ops, DType, Result, Tensor, Variable};

/// A residual block: `x + scale * dense2(relu(dense1(x)))`, with its own weight `scale`.
#[derive(Layer)]
struct ResidualBlock {
    base: LayerBase,
    dense1: Dense,
    dense2: Dense,
    scale: OnceLock<Variable>,
}

impl ResidualBlock {
    fn new(width: usize) -> Result<ResidualBlock> {
        Ok(ResidualBlock {
            base: LayerBase::new("ResidualBlock", None),
            dense1: Dense::new(width).activation("relu")?,
            dense2: Dense::new(width),
            scale: OnceLock::new(),
        })
    }
}

impl Module for ResidualBlock {
    fn build(&self, shapes: &[ShapeSpec]) -> Result<()> {
        let width = shapes[0].last().copied().flatten().unwrap_or(1);
        let scale = self
            .base
            .add_weight("scale", &[width], &Initializer::Constant(0.1), true)?;
        let _ = self.scale.set(scale);
        Ok(())
    }

    fn call(&self, inputs: &[Tensor], _args: &CallArgs) -> Result<Vec<Tensor>> {
        let x = &inputs[0];
        let h = self.dense2.forward(&self.dense1.forward(x)?)?;
        let scale = self.scale.get().expect("built before call").value();
        Ok(vec![ops::add(x, &ops::multiply(&h, scale)?)?])
    }
}

/// The model: a projection, a list of residual blocks, and a classifier head.
#[derive(Layer)]
#[keras(model)]
struct Classifier {
    base: LayerBase,
    project: Dense,
    blocks: Vec<ResidualBlock>,
    head: Dense,
}

impl Module for Classifier {
    fn call(&self, inputs: &[Tensor], _args: &CallArgs) -> Result<Vec<Tensor>> {
        let mut x = self.project.forward(&inputs[0])?;
        for b in &self.blocks {
            x = b.forward(&x)?;
        }
        Ok(vec![self.head.forward(&x)?])
    }
}

/// A model trains with Keras's default steps (or overrides them).
impl keras::trainers::Trainer for Classifier {}

fn main() -> Result<()> {
    let model = Classifier {
        base: LayerBase::new("Classifier", Some("classifier")),
        project: Dense::new(32),
        blocks: vec![ResidualBlock::new(32)?, ResidualBlock::new(32)?],
        head: Dense::new(10).activation("softmax")?,
    };
    let x = keras::random::normal(&[4, 20], 0.0, 1.0, DType::F32, 0)?;
    let probs = model.forward(&x)?;
    println!("output shape: {:?}", probs.dims());
    println!("row sums: {}", ops::sum(&probs, -1, false)?);
    print_summary(&model);
    println!("Weight paths (as in Keras's model.weights.h5):");
    for (path, v) in keras::saving::weight_paths(&model) {
        println!("  {path:<40} {}", v.shape());
    }
    Ok(())
}
