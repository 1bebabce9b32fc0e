//! The reports of a sweep and a surface: the table with its minimum, beside the exact optimum.

use super::{describe_exact, no_minimum, Report};
use crate::grid::{argmin, grid};
use crate::number::human;
use crate::sweep::{formula, Surface, Sweep};

impl Sweep {
    /// Rows `weight, loss`, the table's minimum marked, and the exact optimum beside it.
    pub fn report(&self) -> Report {
        let minimum = argmin(&self.losses);
        let found = match minimum {
            Some(i) => format!(
                "minimum at A = {} (loss {})",
                human(self.weights[i]),
                human(self.losses[i])
            ),
            None => no_minimum(&self.losses, self.dtype),
        };
        let title = format!(
            "sweep of {}: {} of {} (bias fixed), method {}, {}",
            self.source,
            self.loss.label(),
            formula(self.bias),
            self.method.name(),
            self.dtype.as_str()
        );
        #[derive(serde::Serialize)]
        struct Details {
            bias: f64,
        }
        Report::new(
            vec!["weight", "loss"],
            vec![self.weights.clone(), self.losses.clone()],
            self.dtype,
        )
        .title(title)
        .loss(&self.loss)
        .optimum(self.optimum.clone().ok())
        .summary(format!(
            "{found}; {}",
            describe_exact(&self.optimum, self.how, false, Some("the table's"))
        ))
        .details(&Details { bias: self.bias })
    }
}

impl Surface {
    /// Rows `weight, bias, loss` in weight-major order, the grid's minimum and the optimum.
    pub fn report(&self) -> Report {
        let (weights, biases) = grid(&self.weights, &self.biases);
        let minimum = argmin(&self.losses);
        let found = match minimum {
            Some(i) => format!(
                "minimum at A = {}, b = {} (loss {})",
                human(weights[i]),
                human(biases[i]),
                human(self.losses[i])
            ),
            None => no_minimum(&self.losses, self.dtype),
        };
        let title = format!(
            "surface of {}: {} of y = A·x + b over {} × {} (A, b), method {}, {}",
            self.source,
            self.loss.label(),
            self.weights.len(),
            self.biases.len(),
            self.method.name(),
            self.dtype.as_str()
        );
        Report::new(
            vec!["weight", "bias", "loss"],
            vec![weights, biases, self.losses.clone()],
            self.dtype,
        )
        .title(title)
        .loss(&self.loss)
        .optimum(self.optimum.clone().ok())
        .summary(format!(
            "{found}; {}",
            describe_exact(&self.optimum, self.how, true, Some("the grid's"))
        ))
    }
}
