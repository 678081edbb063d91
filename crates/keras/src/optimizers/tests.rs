use keras_ops::{Tensor, Variable};

use super::*;

fn var(data: Vec<f32>, dims: &[usize], path: &str) -> Variable {
    Variable::with_path(Tensor::from_vec(data, dims).unwrap(), "v", path, true)
}

#[test]
fn identifiers_and_defaults() {
    for (id, class, name) in [
        ("sgd", "SGD", "sgd"),
        ("adam", "Adam", "adam"),
        ("AdamW", "AdamW", "adam_w"),
        ("rmsprop", "RMSprop", "rm_sprop"),
        ("adagrad", "Adagrad", "adagrad"),
        ("adamax", "Adamax", "adamax"),
        ("nadam", "Nadam", "nadam"),
        ("adadelta", "Adadelta", "adadelta"),
    ] {
        let o = Optimizer::get(id).unwrap();
        assert_eq!(o.class_name(), class);
        assert_eq!(o.get_name(), name);
    }
    assert!(Optimizer::get("nope").is_err());
    assert_eq!(
        Optimizer::get("sgd").unwrap().get_config()["learning_rate"],
        0.009999999776482582
    );
}

#[test]
fn slot_names_and_order() {
    let a = var(vec![0.0; 2], &[2], "dense/kernel");
    let b = var(vec![0.0], &[1], "bias");
    let mut o = Optimizer::new(Adam {
        amsgrad: true,
        ..Adam::default()
    });
    o.build(&[a, b]).unwrap();
    let paths: Vec<_> = o.variables().iter().map(|v| v.path().to_string()).collect();
    assert_eq!(
        paths,
        [
            "adam/iteration",
            "adam/learning_rate",
            "adam/dense_kernel_momentum",
            "adam/dense_kernel_velocity",
            "adam/bias_momentum",
            "adam/bias_velocity",
            "adam/dense_kernel_velocity_hat",
            "adam/bias_velocity_hat",
        ]
    );
    assert_eq!(o.variables()[2].name(), "dense_kernel_momentum");
}

#[test]
fn bad_input_errors() {
    let a = var(vec![1.0, 2.0], &[2], "w");
    let mut o = Optimizer::get("adam").unwrap();
    let g = Tensor::from_vec(vec![1.0f32; 3], [3]).unwrap();
    let e = o
        .apply_gradients(&[(g, a.clone())])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("Adam") && e.contains("(3,)") && e.contains("(2,)"),
        "{e}"
    );

    let mut o = Optimizer::get("sgd").unwrap().learning_rate(f64::NAN);
    let g = Tensor::from_vec(vec![1.0f32; 2], [2]).unwrap();
    let e = o.apply_gradients(&[(g, a)]).unwrap_err().to_string();
    assert!(e.contains("SGD") && e.contains("NaN"), "{e}");

    let c = serde_json::json!({"class_name": "SGD", "config": {"clipnorm": 1.0, "clipvalue": 1.0}});
    assert!(Optimizer::from_json(&c).is_err());
}

#[test]
fn unknown_variable_is_an_error() {
    let a = var(vec![1.0], &[1], "a");
    let b = var(vec![1.0], &[1], "b");
    let mut o = Optimizer::get("sgd").unwrap();
    let g = Tensor::from_vec(vec![1.0f32], [1]).unwrap();
    o.apply(std::slice::from_ref(&g), &[a]).unwrap();
    assert!(o.apply(&[g], &[b]).is_err());
}

#[test]
fn set_learning_rate() {
    let a = var(vec![1.0], &[1], "a");
    let mut o = Optimizer::get("sgd").unwrap();
    o.set_learning_rate(0.5).unwrap();
    assert_eq!(o.current_learning_rate().unwrap(), 0.5);
    assert_eq!(o.get_config()["learning_rate"], 0.5);
    let g = Tensor::from_vec(vec![1.0f32], [1]).unwrap();
    o.apply(&[g], std::slice::from_ref(&a)).unwrap();
    assert_eq!(a.value().to_vec::<f32>().unwrap(), vec![0.5]);
    assert!(o.set_learning_rate(f64::NAN).is_err());

    let s = schedules::LearningRateSchedule::from_json(&serde_json::json!({
        "class_name": "ExponentialDecay",
        "config": {"initial_learning_rate": 0.1, "decay_steps": 2, "decay_rate": 0.5}
    }))
    .unwrap();
    let o = Optimizer::get("sgd").unwrap().learning_rate(s);
    let e = o.set_learning_rate(0.5).unwrap_err().to_string();
    assert!(e.contains("SGD") && e.contains("not settable"), "{e}");
    assert_eq!(o.current_learning_rate().unwrap() as f32, 0.1);
}
