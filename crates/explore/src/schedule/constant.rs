//! The rate of today's runs, the same at every step (`torch.optim.lr_scheduler.ConstantLR` with
//! factor 1).

use super::{Params, Rule};

/// No schedule: every step at the base rate.
#[derive(Debug, Clone)]
pub struct Constant;

impl Rule for Constant {
    const TAKES: &'static [&'static str] = &[];

    fn new(_: &Params, _: u64, _: f64) -> Self {
        Constant
    }

    fn step(&mut self, _t: u64, lr: f64, _base: f64, _loss: Option<f64>) -> f64 {
        lr
    }
}
