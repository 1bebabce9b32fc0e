//! The line evaluated for a whole table of weights at once: the batched forward behind the
//! lesson's table of `A` values.

use candle_core::{Result, Tensor};

/// Predictions of the line for a whole table of weights at once: `weights` `(K,)` and
/// `biases` `(K,)` (or `None` for a bias of zero) against inputs `x` `(N,)` give `(K, N)`, where
/// row `k` is `weights[k]·x + biases[k]`. One broadcast, no loop over the table.
pub fn predict_table(weights: &Tensor, biases: Option<&Tensor>, x: &Tensor) -> Result<Tensor> {
    let k = weights.dims1()?;
    x.dims1()?;
    let pred = weights.unsqueeze(1)?.broadcast_mul(&x.unsqueeze(0)?)?;
    match biases {
        Some(b) => {
            if b.dims1()? != k {
                candle_core::bail!(
                    "predict_table: {} biases for {k} weights; give one bias per weight",
                    b.dims1()?
                );
            }
            pred.broadcast_add(&b.unsqueeze(1)?)
        }
        None => Ok(pred),
    }
}
