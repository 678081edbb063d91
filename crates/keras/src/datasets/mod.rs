//! `keras.datasets`: loaders returning `((x_train, y_train), (x_test, y_test))`.

mod idx;
pub mod mnist;
