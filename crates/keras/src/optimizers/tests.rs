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
        ("lion", "Lion", "lion"),
        ("ftrl", "Ftrl", "ftrl"),
        ("Lamb", "Lamb", "lamb"),
        ("adafactor", "Adafactor", "adafactor"),
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

fn sgd_config(extra: serde_json::Value) -> serde_json::Value {
    serde_json::json!({"class_name": "SGD", "config": extra})
}

#[test]
fn base_option_validation() {
    for (config, needle) in [
        (
            serde_json::json!({"gradient_accumulation_steps": 1}),
            "gradient_accumulation_steps",
        ),
        (
            serde_json::json!({"use_ema": true, "ema_momentum": 1.5}),
            "ema_momentum",
        ),
        (
            serde_json::json!({"use_ema": true, "ema_overwrite_frequency": -2}),
            "ema_overwrite_frequency",
        ),
    ] {
        let e = Optimizer::from_json(&sgd_config(config))
            .unwrap_err()
            .to_string();
        assert!(e.contains("SGD") && e.contains(needle), "{e}");
    }
    // Keras treats 0 as "off" for both, and checks the EMA options only with use_ema.
    let o = Optimizer::from_json(&sgd_config(serde_json::json!({
        "gradient_accumulation_steps": 0, "ema_momentum": 7.0
    })))
    .unwrap();
    assert_eq!(o.get_config()["gradient_accumulation_steps"], 0);
    let lion = serde_json::json!({"class_name": "Lion", "config": {"beta_1": 0.0}});
    assert!(Optimizer::from_json(&lion)
        .unwrap_err()
        .to_string()
        .contains("beta_1"));
    let ftrl =
        serde_json::json!({"class_name": "Ftrl", "config": {"l1_regularization_strength": -1.0}});
    assert!(Optimizer::from_json(&ftrl)
        .unwrap_err()
        .to_string()
        .contains("l1_regularization"));
}

#[test]
fn ema_and_accumulator_slots_come_first() {
    let a = var(vec![0.0; 2], &[2], "dense/kernel");
    let mut o = Optimizer::get("adam")
        .unwrap()
        .use_ema(true)
        .gradient_accumulation_steps(Some(2));
    o.build(&[a]).unwrap();
    let paths: Vec<_> = o.variables().iter().map(|v| v.path().to_string()).collect();
    assert_eq!(
        paths,
        [
            "adam/iteration",
            "adam/learning_rate",
            "adam/dense_kernel_average",
            "adam/dense_kernel_gradient_accumulator",
            "adam/dense_kernel_momentum",
            "adam/dense_kernel_velocity",
        ]
    );
}

#[test]
fn ema_methods_need_ema() {
    let a = var(vec![1.0], &[1], "a");
    let mut o = Optimizer::get("sgd").unwrap();
    let g = Tensor::from_vec(vec![1.0f32], [1]).unwrap();
    o.apply(std::slice::from_ref(&g), std::slice::from_ref(&a))
        .unwrap();
    let e = o.swap_ema_weights().unwrap_err().to_string();
    assert!(e.contains("SGD") && e.contains("use_ema"), "{e}");
    assert!(o.copy_model_weights_to_ema().is_err());
    // Without EMA finalizing does nothing, as in Keras.
    o.finalize_variable_values(std::slice::from_ref(&a))
        .unwrap();
    assert_eq!(a.value().to_vec::<f32>().unwrap(), vec![0.99]);

    let o = Optimizer::get("sgd").unwrap().use_ema(true);
    assert!(o
        .swap_ema_weights()
        .unwrap_err()
        .to_string()
        .contains("not built"));
    let mut o = Optimizer::get("sgd").unwrap().use_ema(true);
    o.apply(&[g], std::slice::from_ref(&a)).unwrap();
    let e = o.finalize_variable_values(&[]).unwrap_err().to_string();
    assert!(e.contains("finalize_variable_values"), "{e}");
    o.copy_model_weights_to_ema().unwrap();
    o.swap_ema_weights().unwrap();
    assert_eq!(
        o.ema_variables()[0].value().to_vec::<f32>().unwrap(),
        vec![0.98]
    );
    assert!(o.uses_ema());
}

#[test]
fn accumulation_counts_iterations_like_keras() {
    let a = var(vec![1.0], &[1], "a");
    let mut o = Optimizer::get("sgd")
        .unwrap()
        .gradient_accumulation_steps(Some(3));
    let g = Tensor::from_vec(vec![1.0f32], [1]).unwrap();
    for _ in 0..4 {
        o.apply(std::slice::from_ref(&g), std::slice::from_ref(&a))
            .unwrap();
    }
    assert_eq!((o.raw_iterations(), o.iterations()), (4, 1));
    assert_eq!(o.variables()[0].value().item().unwrap(), 4.0);
    assert_eq!(o.variables()[2].value().to_vec::<f32>().unwrap(), vec![1.0]);
}
