//! A tour of keras-ops: tensors, Keras-style ops, autodiff and seeded random numbers, ending
//! with a few steps of gradient descent on a tiny linear regression.
//!
//! Run: `cargo run --release -p keras-ops --example ops_demo`

use keras_ops::{ops, random, value_and_grad, DType, Result, Tensor};

fn main() -> Result<()> {
    println!("backend: {}", keras_ops::config::backend()?.name());

    let x = ops::reshape(&ops::arange(0.0, 6.0, 1.0, Some(DType::F32))?, [2, 3])?;
    println!("x =\n{x}");
    println!("sum(x, axis=1) = {}", ops::sum(&x, 1, false)?);
    println!("softmax(x) =\n{}", ops::softmax(&x, -1)?);
    println!(
        "x @ x.T =\n{}",
        ops::matmul(&x, &ops::transpose(&x, None)?)?
    );

    // Fit y = 3x - 1 by gradient descent on the mean squared error.
    let inputs = random::uniform(&[64, 1], -1.0, 1.0, DType::F32, 0)?;
    let noise = random::normal(&[64, 1], 0.0, 0.01, DType::F32, 1)?;
    let targets = ops::add(&ops::subtract(&ops::multiply(&inputs, 3.0)?, 1.0)?, &noise)?;
    let mut params = vec![
        Tensor::from_vec(vec![0.0f32], [1, 1])?,
        Tensor::from_vec(vec![0.0f32], [1])?,
    ];
    for step in 0..=100 {
        let (loss, grads) = value_and_grad(
            |p| {
                let pred = ops::add(&ops::matmul(&inputs, &p[0])?, &p[1])?;
                ops::mean(&ops::square(&ops::subtract(&pred, &targets)?)?, None, false)
            },
            &params,
        )?;
        if step % 25 == 0 {
            println!("step {step:3}: loss {:.6}", loss.item()?);
        }
        params = params
            .iter()
            .zip(&grads)
            .map(|(p, g)| ops::subtract(p, &ops::multiply(g, 0.5)?))
            .collect::<Result<_>>()?;
    }
    println!(
        "learned w = {:.3}, b = {:.3}",
        params[0].item()?,
        params[1].item()?
    );
    Ok(())
}
