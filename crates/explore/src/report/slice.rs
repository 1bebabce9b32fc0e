//! The report of a slice of the plane's loss: the table with its minimum, beside the
//! least-squares plane it is cut through.

use super::{no_minimum, Report};
use crate::grid::{argmin, grid};
use crate::number::human;
use crate::slice::Slice;

impl Slice {
    /// Rows of the varied parameters' values (the first major) and the loss; the minimum, and
    /// where the other parameters were held.
    pub fn report(&self) -> Report {
        let columns: Vec<Vec<f64>> = match self.axes.len() {
            1 => vec![self.axes[0].clone()],
            _ => {
                let (a, b) = grid(&self.axes[0], &self.axes[1]);
                vec![a, b]
            }
        };
        let at = |i: usize| -> String {
            let values: Vec<String> = self
                .names
                .iter()
                .zip(&columns)
                .map(|(n, c)| format!("{n} = {}", human(c[i])))
                .collect();
            values.join(", ")
        };
        let found = match argmin(&self.losses) {
            Some(i) => format!("minimum at {} (loss {})", at(i), human(self.losses[i])),
            None => no_minimum(&self.losses, self.dtype),
        };
        let held: Vec<String> = self
            .held
            .iter()
            .map(|(n, v)| format!("{n} = {}", human(*v)))
            .collect();
        let centre: Vec<String> = self
            .names
            .iter()
            .zip(&self.centre)
            .map(|(n, v)| format!("{n} = {}", human(*v)))
            .collect();
        let what = if self.axes.len() == 1 {
            "sweep"
        } else {
            "surface"
        };
        let mut names: Vec<String> = self.names.clone();
        names.push("loss".into());
        let mut values = columns;
        values.push(self.losses.clone());
        #[derive(serde::Serialize)]
        struct Details<'a> {
            varied: &'a [String],
            held: std::collections::BTreeMap<&'a str, f64>,
        }
        Report::new(names, values, self.dtype)
            .title(format!(
                "{what} of {}: {} of the plane along {}, the rest at the least-squares plane, {}",
                self.source,
                self.loss.label(),
                self.names.join(" × "),
                self.dtype.as_str()
            ))
            .loss(&self.loss)
            .summary(found)
            .summary(format!(
                "the least-squares {}: {} (loss {}), held at {}",
                match self.held.len() + self.names.len() {
                    2 => "line",
                    _ => "plane",
                },
                centre.join(", "),
                human(self.centre_loss),
                match held.is_empty() {
                    true => "nothing else".to_string(),
                    false => held.join(", "),
                }
            ))
            .details(&Details {
                varied: &self.names,
                held: self.held.iter().map(|(n, v)| (n.as_str(), *v)).collect(),
            })
    }
}
