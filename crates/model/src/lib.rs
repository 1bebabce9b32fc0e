//! The model of the lesson: a line `y = A·x + b` on candle tensors ([`Linear`]), the same line
//! evaluated for a whole table of weights at once ([`predict_table`]), a small neural network for
//! the landscapes ([`Mlp`]), and the closed-form least-squares optimum every sweep and every
//! training run is checked against ([`Moments`]).
//!
//! The lesson in five lines: the point (-3, 3), the bias pinned at zero, the loss `(3 + 3A)²`.
//!
//! ```
//! use candle_core::{DType, Device, Tensor};
//! use model::{Bias, Linear};
//!
//! let (x, y) = (Tensor::new(&[-3f32], &Device::Cpu)?, Tensor::new(&[3f32], &Device::Cpu)?);
//! for (a, expected) in [(-2.0, 9.0), (-1.0, 0.0), (0.0, 9.0), (1.0, 36.0)] {
//!     let line = Linear::line(a, Bias::Zero, DType::F32, &Device::Cpu)?;
//!     let loss = (line.forward(&x)? - &y)?.sqr()?.mean_all()?;
//!     assert_eq!(model::scalar(&loss)?, expected); // (3 + 3A)²
//! }
//! # Ok::<(), candle_core::Error>(())
//! ```

mod least_squares;
mod linear;
mod mlp;
pub mod mlp_pass;
mod moments;
mod pca;
mod table;
mod tanh;

use candle_core::{DType, Result, Tensor};

pub use least_squares::{least_squares, max_curvature, LeastSquares};
pub use linear::{Bias, Linear};
pub use mlp::{mlp_sizes, Activation, Mlp};
pub use moments::{Accumulator, BiasFit, Moments, NoOptimum, Optimum, GROUP};
pub use pca::{principal_components, Components};
pub use table::predict_table;
pub use tanh::{tanh, tanh32, tanh64};

/// The value of a one-element tensor (a loss, a gradient, the line's weight) as `f64`, whatever
/// its dtype, shape or device.
pub fn scalar(t: &Tensor) -> Result<f64> {
    if t.elem_count() != 1 {
        candle_core::bail!("expected one value, got a tensor of shape {:?}", t.dims());
    }
    t.flatten_all()?
        .to_dtype(DType::F64)?
        .get(0)?
        .to_scalar::<f64>()
}
