//! Normalization, merge and reshaping layers in one Functional graph: symbolic shapes, an
//! eager run, and a config round trip through the layer registry.

use keras::layers::{
    Add, Apply, BatchNormalization, CallArgs, Concatenate, Dot, Flatten, Input, Layer, LayerExt,
    LayerNormalization, Reshape, UpSampling1D, ZeroPadding1D,
};
use keras::models::{Functional, Model};
use keras::{ops, DType};

#[test]
fn functional_graph_round_trip() {
    let a = Input::new(&[3, 4]).build();
    let b = Input::new(&[4]).build();
    let x = BatchNormalization::new().apply(&a).unwrap();
    let s = Add::new().apply_list(&[x.clone(), b.clone()]).unwrap();
    assert_eq!(s.shape(), &vec![None, Some(3), Some(4)]);
    let c = Concatenate::new()
        .axis(1)
        .apply_list(&[s, x.clone()])
        .unwrap();
    let c = LayerNormalization::new().apply(&c).unwrap();
    let up = UpSampling1D::new().apply(&c).unwrap();
    let padded = ZeroPadding1D::new().apply(&up).unwrap();
    assert_eq!(padded.shape(), &vec![None, Some(14), Some(4)]);
    let d = Dot::new([2, 2]).apply_list(&[padded, x]).unwrap();
    assert_eq!(d.shape(), &vec![None, Some(14), Some(3)]);
    let out = Reshape::new(&[-1, 6])
        .unwrap()
        .apply(&Flatten::new().apply(&d).unwrap())
        .unwrap();
    assert_eq!(out.shape(), &vec![None, Some(7), Some(6)]);
    let model = Model::new(vec![a, b], out).unwrap();

    let ta = ops::ones(&[2, 3, 4], DType::F32).unwrap();
    let tb = ops::ones(&[2, 4], DType::F32).unwrap();
    let y = model.call_with(&[ta, tb], &CallArgs::inference()).unwrap();
    assert_eq!(y[0].dims(), &[2, 7, 6]);

    let config = model.get_config();
    let back = Functional::from_config(&config).unwrap();
    assert_eq!(back.get_config(), config);
}
