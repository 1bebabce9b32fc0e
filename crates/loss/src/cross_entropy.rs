//! Softmax cross-entropy (PyTorch's `nn.CrossEntropyLoss`) on class logits `(N, C)` with class
//! indices `(N,)` as targets: `−Σ_c q_c·log softmax(x)_c`, `q` the one-hot target smoothed by
//! ε. Targets equal to −100 are ignored, and the mean is over the rest, as in PyTorch.

use candle_core::{DType, Result, Tensor, D};

use crate::elementwise::with_grad;
use crate::{check, Loss, Param, ParamError, Params, Reduction};

/// The target PyTorch's `ignore_index` ignores by default.
pub const IGNORE_INDEX: i64 = -100;

/// `−Σ_c q_c·log softmax(x)_c`, `q = (1 − ε)·onehot(target) + ε/C`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct CrossEntropy {
    /// ε, the share of each target spread evenly over all classes (PyTorch's
    /// `label_smoothing`, default 0).
    pub label_smoothing: f64,
}

impl Loss for CrossEntropy {
    const NAME: &'static str = "cross-entropy";
    const TORCH: &'static str = "nn.CrossEntropyLoss";
    const TITLE: &'static str = "cross-entropy";
    const USES: &'static [Param] = &[Param::LabelSmoothing];

    fn new(p: &Params) -> std::result::Result<Self, ParamError> {
        let e = p.label_smoothing.unwrap_or(0.0);
        let label_smoothing = check(
            Self::NAME,
            Param::LabelSmoothing,
            e,
            (0.0..=1.0).contains(&e),
            "in [0, 1]",
        )?;
        Ok(CrossEntropy { label_smoothing })
    }

    fn settings(&self) -> String {
        if self.label_smoothing == 0.0 {
            String::new()
        } else {
            format!("ε = {}", crate::short(self.label_smoothing))
        }
    }

    fn formula(&self) -> &'static str {
        "−Σ_c q_c·log softmax(x)_c"
    }

    /// `pred` is `(N, C)` logits, `target` `(N,)` class indices (any integer dtype): each in
    /// `0..C`, or −100 to be ignored. `None` gives 0 for an ignored row.
    fn forward(&self, pred: &Tensor, target: &Tensor, reduction: Reduction) -> Result<Tensor> {
        let (n, c) = pred.dims2().map_err(|_| {
            candle_core::Error::Msg(format!(
                "cross-entropy: logits must be (N, C), got shape {:?}",
                pred.dims()
            ))
        })?;
        if target.dims() != [n] {
            candle_core::bail!(
                "cross-entropy: {n} rows of logits need {n} class indices, got shape {:?}",
                target.dims()
            );
        }
        if n == 0 || c == 0 {
            candle_core::bail!(
                "cross-entropy: empty input (shape {:?}): there is nothing to average",
                pred.dims()
            );
        }
        if !target.dtype().is_int() {
            candle_core::bail!(
                "cross-entropy: targets are class indices, an integer dtype, not {:?}",
                target.dtype()
            );
        }
        let labels: Vec<i64> = target.to_dtype(DType::I64)?.to_vec1()?;
        if let Some((i, &t)) = labels
            .iter()
            .enumerate()
            .find(|(_, &t)| t != IGNORE_INDEX && !(0..c as i64).contains(&t))
        {
            candle_core::bail!(
                "cross-entropy: target {t} at row {i} is not a class of 0..{c} (or {IGNORE_INDEX}, ignored)"
            );
        }
        let kept = labels.iter().filter(|&&t| t != IGNORE_INDEX).count();
        if kept == 0 {
            candle_core::bail!(
                "cross-entropy: every target is ignored: there is nothing to average"
            );
        }
        let (device, dtype) = (pred.device(), pred.dtype());
        let keep: Vec<f64> = labels
            .iter()
            .map(|&t| f64::from(u8::from(t != IGNORE_INDEX)))
            .collect();
        let keep = Tensor::new(keep, device)?.to_dtype(dtype)?.unsqueeze(1)?;
        let index: Vec<u32> = labels.iter().map(|&t| t.max(0) as u32).collect();
        let classes = Tensor::arange(0u32, c as u32, device)?.unsqueeze(0)?;
        let onehot = Tensor::new(index, device)?
            .unsqueeze(1)?
            .broadcast_eq(&classes)?
            .to_dtype(dtype)?;
        let e = self.label_smoothing;
        let q = onehot.affine(1.0 - e, e / c as f64)?;
        let x = pred.detach();
        let log_p = candle_nn::ops::log_softmax(&x, D::Minus1)?;
        let value = q.mul(&log_p)?.neg()?.broadcast_mul(&keep)?;
        let grad = (log_p.exp()? - q)?.broadcast_mul(&keep)?;
        let per_row = with_grad(&value, pred, &grad)?.sum(1)?;
        match reduction {
            Reduction::Mean => per_row.sum_all()? / kept as f64,
            Reduction::Sum => per_row.sum_all(),
            Reduction::None => Ok(per_row),
        }
    }
}
