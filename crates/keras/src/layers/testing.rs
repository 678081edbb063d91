//! Test helpers shared by the layer families.

use crate::saving::object::Config;

/// Asserts that `config` equals the JSON Python Keras printed, keys in the same order.
pub(crate) fn assert_keras_config(config: &Config, keras_json: &str) {
    let keras: Config = serde_json::from_str(keras_json).expect("valid JSON");
    assert_eq!(
        serde_json::to_string(config).unwrap(),
        serde_json::to_string(&keras).unwrap()
    );
}
