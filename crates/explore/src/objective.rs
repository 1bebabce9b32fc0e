//! The loss of the line `y = A·x + b` as a function of `(A, b)`, exactly, under any loss: by a
//! closed formula from the data's moments under MSE, by the loss's kernel over the points
//! otherwise; with the exact optimum and the curvature bound where the loss has them, and a
//! plain statement where it does not — never MSE's numbers in another loss's place.

use candle_core::{DType, Device, Tensor};
use loss::{AnyLoss, LossName};
use model::{BiasFit, Moments, Optimum};

use crate::data::Dataset;
use crate::Result;

/// The loss of the line on one data set.
#[derive(Debug, Clone)]
pub struct Objective {
    pub loss: AnyLoss,
    /// The data's statistics: MSE's exact loss, optimum and curvature.
    pub moments: Moments,
    /// `x` and `y` as f64 on the CPU, kept under a loss other than MSE.
    points: Option<(Tensor, Tensor)>,
}

impl Objective {
    /// The loss `loss` on `data`; under a loss other than MSE the data's points must be kept.
    pub fn new(loss: AnyLoss, data: &Dataset) -> Result<Self> {
        let points = match loss.which() {
            LossName::Mse => None,
            _ => Some(data.tensors(DType::F64, &Device::Cpu)?),
        };
        if let (LossName::BceLogits | LossName::Bce, Some((_, y))) = (loss.which(), &points) {
            // Cross-entropy compares with a label or a probability: any other y is a mistake
            // (PyTorch would return a number all the same).
            let ys: Vec<f64> = y.to_vec1()?;
            if let Some(i) = ys.iter().position(|y| !(0.0..=1.0).contains(y)) {
                return Err(crate::Error::Data {
                    at: data.source.clone(),
                    msg: format!(
                        "{} needs y in [0, 1] (a label or a probability), but point {} has y = {}",
                        loss.name(),
                        i + 1,
                        ys[i]
                    ),
                });
            }
        }
        Ok(Self {
            loss,
            moments: data.moments(),
            points,
        })
    }

    /// MSE on data known by its moments only.
    pub fn mse(moments: Moments) -> Self {
        Self {
            loss: AnyLoss::default(),
            moments,
            points: None,
        }
    }

    /// The loss at every `(w, b)` of `weights × biases`, weight-major, in f64.
    pub fn grid(&self, weights: &[f64], biases: &[f64]) -> Result<Vec<f64>> {
        match &self.points {
            None => Ok(weights
                .iter()
                .flat_map(|&w| biases.iter().map(move |&b| self.moments.loss(w, b)))
                .collect()),
            Some((x, y)) => Ok(self
                .loss
                .line_sweep(x, y, weights, biases)?
                .flatten_all()?
                .to_vec1::<f64>()?),
        }
    }

    /// The loss at `(w, b)`.
    pub fn at(&self, w: f64, b: f64) -> Result<f64> {
        Ok(self.grid(&[w], &[b])?[0])
    }

    /// The exact best line, where this loss has one: MSE's closed forms (the bias learnt or
    /// pinned), L1's weighted median (the bias pinned). Otherwise why not, in words.
    pub fn optimum(&self, fit: BiasFit) -> std::result::Result<Optimum, String> {
        if self.loss.which() == LossName::Mse {
            return self.moments.least_squares(fit).map_err(|e| e.to_string());
        }
        let none = || match fit {
            BiasFit::Learn => format!(
                "no closed form for {} with a learnt bias",
                self.loss.label()
            ),
            BiasFit::Fixed(_) => format!("no closed form for {}", self.loss.label()),
        };
        let (BiasFit::Fixed(bias), Some((x, y))) = (fit, &self.points) else {
            return Err(none());
        };
        let values = |t: &Tensor| t.to_vec1::<f64>().map_err(|e| e.to_string());
        let weight = self
            .loss
            .pinned_optimum(&values(x)?, &values(y)?, bias)
            .ok_or_else(none)?;
        let loss = self.at(weight, bias).map_err(|e| e.to_string())?;
        Ok(Optimum { weight, bias, loss })
    }

    /// How [`Objective::optimum`] is found, for the summary: `closed-form`, or `exact
    /// (weighted median)`.
    pub fn how(&self) -> &'static str {
        match self.loss.which() {
            LossName::Mse => "closed-form",
            _ => "exact (weighted median)",
        }
    }

    /// The largest curvature `λmax` of the loss in the units the line trains in, where it is
    /// bounded: MSE's ([`crate::train::curvature`]), scaled by the loss's largest second derivative over MSE's 2.
    /// `None` for a loss without a bound (L1's kink).
    pub fn curvature(&self, learn_bias: bool, standardized: bool) -> Option<f64> {
        let mse = crate::train::curvature(&self.moments, learn_bias, standardized);
        Some(mse * self.loss.curvature()? / 2.0)
    }
}
