//! The loss of the plane `y = w·x + b` on several features along one or two of its parameters
//! (`sweep --vary w.b`, `surface --vary w.a,bias`), every other held at the least-squares
//! plane: the lesson's sweep and surface, cut through a space of more dimensions.

use candle_core::{DType, Device, Tensor};
use loss::{AnyLoss, Reduction};

use crate::Result;

/// A slice of the plane's loss: the values of the varied parameters, the loss over them, and
/// where the others were held.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Slice {
    /// The varied parameters' names, `w.NAME` or `bias`: one (a sweep) or two (a surface).
    pub names: Vec<String>,
    /// Each varied parameter's values.
    pub axes: Vec<Vec<f64>>,
    /// The loss at every point of the axes' grid, the first axis major.
    pub losses: Vec<f64>,
    /// The parameters held, at the least-squares plane's values.
    pub held: Vec<(String, f64)>,
    /// The least-squares plane's values of the varied parameters, and its loss under `loss`.
    pub centre: Vec<f64>,
    pub centre_loss: f64,
    pub loss: AnyLoss,
    /// "data/houses.csv (200 points)".
    pub source: String,
    #[serde(serialize_with = "crate::dtype_name")]
    pub dtype: DType,
}

/// Grid points of a default axis: a sweep's and a surface's.
pub const SWEEP_POINTS: usize = 21;
pub const SURFACE_POINTS: usize = 41;

impl Slice {
    /// The loss of the plane on `x` (`n × d`, row-major) and `y`, features named `features`,
    /// along the parameters `vary` (`w.NAME` or `bias`, one or two), each over its `values` or
    /// (`None`) round values around the least-squares plane, every other parameter held there.
    #[allow(clippy::too_many_arguments)]
    pub fn run(
        (x, y): (&[f64], &[f64]),
        features: &[String],
        vary: &[String],
        values: Vec<Option<Vec<f64>>>,
        loss: &AnyLoss,
        source: String,
        dtype: DType,
        device: &Device,
    ) -> Result<Self> {
        let d = features.len();
        let n = y.len();
        let names: Vec<String> = features
            .iter()
            .map(|f| format!("w.{f}"))
            .chain(["bias".to_string()])
            .collect();
        let index = |name: &str| -> Result<usize> {
            // `w:b` names `w.b` too.
            let dotted = match name.strip_prefix("w:") {
                Some(rest) => format!("w.{rest}"),
                None => name.to_string(),
            };
            names
                .iter()
                .position(|p| crate::data::same_name(p, &dotted))
                .ok_or_else(|| {
                    crate::Error::Usage(format!(
                        "`{name}` is not a parameter of this plane: one of {}",
                        names.join(", ")
                    ))
                })
        };
        let at: Vec<usize> = vary.iter().map(|v| index(v)).collect::<Result<_>>()?;
        if at.len() == 2 && at[0] == at[1] {
            return Err(crate::Error::Usage(format!(
                "`{}` is varied twice: give two parameters",
                names[at[0]]
            )));
        }
        let ls = model::least_squares(x, y, d);
        let optimum: Vec<f64> = ls.weights.iter().copied().chain([ls.bias]).collect();
        // The column each parameter multiplies: a feature, or 1 for the bias.
        let column = |k: usize| -> Vec<f64> {
            match k < d {
                true => x.iter().skip(k).step_by(d).copied().collect(),
                false => vec![1.0; n],
            }
        };
        let rms = |v: &[f64]| (v.iter().map(|v| v * v).sum::<f64>() / n.max(1) as f64).sqrt();
        // The residuals' size: moving a parameter by it over its column's size costs about the
        // optimum's own loss (a thousandth of y's size where the fit is exact).
        let scale = ls.loss.max(0.0).sqrt().max(1e-3 * rms(y));
        // Each axis reaches as far as moves the predictions by the same amount, `reach`: twice
        // the larger of the optimum's own contribution and the residuals' size. Over two axes
        // the bowl then reads as a bowl, not as stripes.
        let size = |k: usize| rms(&column(k));
        let reach = at
            .iter()
            .map(|&k| 2.0 * (optimum[k].abs() * size(k)).max(scale))
            .fold(0.0f64, f64::max);
        let count = if at.len() == 1 {
            SWEEP_POINTS
        } else {
            SURFACE_POINTS
        };
        let axes: Vec<Vec<f64>> = at
            .iter()
            .zip(values)
            .map(|(&k, given)| {
                given.unwrap_or_else(|| {
                    let radius = match size(k) {
                        s if s > 0.0 => reach / s,
                        _ => reach,
                    };
                    crate::grid::nice_range(optimum[k], radius, count)
                })
            })
            .collect();
        let points: Vec<Vec<f64>> = match axes.len() {
            1 => axes[0].iter().map(|&v| vec![v]).collect(),
            _ => axes[0]
                .iter()
                .flat_map(|&a| axes[1].iter().map(move |&b| vec![a, b]))
                .collect(),
        };
        crate::grid::check_grid_size(points.len(), 1)?;
        // Each point's predictions: the optimum's, moved along the varied parameters' columns.
        let base: Vec<f64> = (0..n)
            .map(|i| (0..d).map(|j| optimum[j] * x[i * d + j]).sum::<f64>() + optimum[d])
            .collect();
        let columns: Vec<f64> = at.iter().flat_map(|&k| column(k)).collect();
        let on = |v: Vec<f64>, shape: (usize, usize)| -> candle_core::Result<Tensor> {
            Tensor::from_vec(v, shape, device)?.to_dtype(dtype)
        };
        let base = on(base, (1, n))?;
        let columns = on(columns, (at.len(), n))?;
        let target = on(y.to_vec(), (1, n))?;
        // A few million predictions at a time.
        let chunk = (4_000_000 / n.max(1)).max(1);
        let mut losses = Vec::with_capacity(points.len());
        for part in points.chunks(chunk) {
            let deltas: Vec<f64> = part
                .iter()
                .flat_map(|p| p.iter().zip(&at).map(|(v, &k)| v - optimum[k]))
                .collect();
            let deltas = on(deltas, (part.len(), at.len()))?;
            let pred = deltas.matmul(&columns)?.broadcast_add(&base)?;
            let target = target.broadcast_as(pred.shape())?.contiguous()?;
            let each = loss.forward(&pred, &target, Reduction::None)?.mean(1)?;
            losses.extend(each.to_dtype(DType::F64)?.to_vec1::<f64>()?);
        }
        let centre_pred = on(vec![0.0; at.len()], (1, at.len()))?
            .matmul(&columns)?
            .broadcast_add(&base)?;
        let centre_loss = model::scalar(&loss.forward(&centre_pred, &target, Reduction::Mean)?)?;
        Ok(Self {
            names: at.iter().map(|&k| names[k].clone()).collect(),
            axes,
            losses,
            held: (0..=d)
                .filter(|k| !at.contains(k))
                .map(|k| (names[k].clone(), optimum[k]))
                .collect(),
            centre: at.iter().map(|&k| optimum[k]).collect(),
            centre_loss,
            loss: *loss,
            source,
            dtype,
        })
    }
}
