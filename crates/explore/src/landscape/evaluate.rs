//! The loss at many points of parameter space on one model: along a line, over a plane, and at
//! the recorded points of a training run, each evaluated by writing the parameters into the
//! model's `Var`s in place and calling the caller's loss closure.

use candle_core::{DType, Result};
use candle_nn::VarMap;

use super::{LossFn, Params};

pub(crate) fn loss_value(varmap: &VarMap, loss: &LossFn<'_>) -> Result<f64> {
    loss(varmap)?
        .to_dtype(DType::F64)?
        .flatten_all()?
        .get(0)?
        .to_scalar::<f64>()
}

/// The loss at `center + a·d1 (+ b·d2)` for each given point, evaluated on the one model in
/// `varmap`, whose parameters are restored to `center` afterwards.
fn evaluate(
    varmap: &VarMap,
    loss: &LossFn<'_>,
    center: &Params,
    points: impl Iterator<Item = Result<Params>>,
    progress: &dyn Fn(usize),
) -> Result<Vec<f64>> {
    let mut out = Vec::new();
    let result = (|| {
        for p in points {
            p?.set_into(varmap)?;
            out.push(loss_value(varmap, loss)?);
            progress(out.len());
        }
        Ok(())
    })();
    center.set_into(varmap)?;
    result.map(|()| out)
}

/// The loss along `from + α·(to − from)` for each `α` (0 is `from`, 1 is `to`): between a
/// start and a trained model, or from a point along a direction `d` with
/// `to = from.add_scaled(&d, 1.0)` (e.g. `d` from [`random_direction`](super::random_direction)).
pub fn line(
    varmap: &VarMap,
    loss: &LossFn<'_>,
    from: &Params,
    to: &Params,
    alphas: &[f64],
) -> Result<Vec<f64>> {
    let d = to.sub(from)?;
    let current = Params::of(varmap)?;
    // The ends are the models themselves: `from + 1·(to − from)` rounds away from `to`.
    let points = alphas.iter().map(|&a| match a {
        0.0 => Ok(from.clone()),
        1.0 => Ok(to.clone()),
        _ => from.add_scaled(&d, a),
    });
    evaluate(varmap, loss, &current, points, &|_| {})
}

/// The loss over the plane `center + α·d1 + β·d2` for every `(α, β)` of `alphas × betas`,
/// α-major (the layout of `explore surface`).
pub fn plane(
    varmap: &VarMap,
    loss: &LossFn<'_>,
    center: &Params,
    (d1, d2): (&Params, &Params),
    alphas: &[f64],
    betas: &[f64],
    progress: &dyn Fn(usize, usize),
) -> Result<Vec<f64>> {
    let total = alphas.len() * betas.len();
    let points = alphas.iter().flat_map(|&a| {
        betas
            .iter()
            .map(move |&b| center.add_scaled(d1, a)?.add_scaled(d2, b))
    });
    evaluate(varmap, loss, center, points, &|done| progress(done, total))
}

/// The coordinates `(α, β)` of each point on the plane through `center` spanned by `d1`, `d2`:
/// the least-squares projection, exact when the directions are orthogonal or the point lies on
/// the plane.
pub fn project(
    points: &[Params],
    center: &Params,
    (d1, d2): (&Params, &Params),
) -> crate::Result<Vec<(f64, f64)>> {
    let (g11, g12, g22) = (d1.dot(d1)?, d1.dot(d2)?, d2.dot(d2)?);
    let det = g11 * g22 - g12 * g12;
    if det.abs() <= 1e-300 || det.is_nan() {
        return Err(crate::Error::Usage(
            "the two directions of the plane are parallel or zero (random directions leave \
             biases at zero)"
                .into(),
        )
        .mend(crate::Remedy::PcaOrKeep1d));
    }
    let coordinates = |p: &Params| -> Result<(f64, f64)> {
        let v = p.sub(center)?;
        let (r1, r2) = (d1.dot(&v)?, d2.dot(&v)?);
        Ok(((g22 * r1 - g12 * r2) / det, (g11 * r2 - g12 * r1) / det))
    };
    Ok(points.iter().map(coordinates).collect::<Result<_>>()?)
}

/// The true loss at each recorded point (not a value read off an interpolated surface).
pub fn path_losses(varmap: &VarMap, loss: &LossFn<'_>, points: &[Params]) -> Result<Vec<f64>> {
    let current = Params::of(varmap)?;
    evaluate(
        varmap,
        loss,
        &current,
        points.iter().cloned().map(Ok),
        &|_| {},
    )
}
