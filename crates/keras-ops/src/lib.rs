//! keras-ops
