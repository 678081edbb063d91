//! The rest of `keras.ops`: NumPy extras (`fmax`, `gcd`, `nextafter`, `i0`, window
//! functions, `vander`, `bincount`, `histogram`, ...), conversions (`convert_to_tensor`,
//! `saturate_cast`, `view`), splitting (`array_split`, `unstack`, ...), segment reductions,
//! signal helpers (`correlate`, `extract_sequences`, `cdist`, `psnr`), image layout ops
//! (`depth_to_space`, `unfold`, `fold`, `rearrange`), adaptive pooling, CTC and
//! dot-product attention.
//!
//! ```
//! use keras_ops::{ops, Tensor};
//! let x = Tensor::from_vec(vec![1.0f32, f32::NAN, 3.0], [3]).unwrap();
//! let y = Tensor::from_vec(vec![2.0f32, 2.0, f32::NAN], [3]).unwrap();
//! assert_eq!(ops::fmax(&x, &y).unwrap().to_vec::<f32>().unwrap(), vec![2.0, 2.0, 3.0]);
//! let parts = ops::array_split(&ops::arange(0.0, 5.0, 1.0, None).unwrap(), 2usize, 0).unwrap();
//! assert_eq!(parts[0].to_vec::<i32>().unwrap(), vec![0, 1, 2]);
//! ```

mod adaptive_pool;
mod attention;
mod binary;
mod convert;
mod counting;
mod ctc;
mod elementwise;
mod host;
mod patches;
mod rearrange;
mod segment;
mod signal;
mod space_depth;
mod splits;
mod stats;
mod windows;

pub use adaptive_pool::*;
pub use attention::*;
pub use binary::*;
pub use convert::*;
pub use counting::*;
pub use ctc::*;
pub use elementwise::*;
pub use patches::*;
pub use rearrange::*;
pub use segment::*;
pub use signal::*;
pub use space_depth::*;
pub use splits::*;
pub use stats::*;
pub use windows::*;
