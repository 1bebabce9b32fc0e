//! What the playground shows of an MLP, as plain data: a [`View`] of `model: mlp` is trained and
//! drawn exactly as `explore landscape` trains and draws it ([`LossPlane::run`]: full batch from
//! the seeded start, the loss over a plane of two random directions around where training
//! ended, the path projected onto it), with the trained network's curve over the data.

use candle_core::{DType, Device, Tensor};

use super::view::{hold, Refused, Scene, Tick, View, Watch};
use crate::data::Dataset;
use crate::landscape::{Config, LossPlane, Model, ModelKind};
use crate::train::Course;

/// The most multiply-adds one MLP view may take (its training's passes and the plane's), about
/// two seconds here: what keeps a recomputation interactive.
pub const MAX_WORK: f64 = 2e10;

/// Points of the trained network's curve drawn over the data.
const CURVE: usize = 200;

/// Refuses a view of a model of `parameters` on `points` points that would take more than
/// [`MAX_WORK`]: its training's forward and backward passes and a forward pass a grid point
/// (about two seconds in a release build here at the most; a debug build is many times slower).
pub fn check_work(view: &View, points: usize, parameters: usize) -> crate::Result<()> {
    // A grid point also moves every parameter along the two directions.
    let (n, grid) = (points as f64, (view.grid * view.grid) as f64);
    let work = (3.0 * view.epochs as f64 * n + grid * (n + 8.0)) * parameters as f64;
    if work > MAX_WORK {
        let model = if view.is_mlp() { "MLP" } else { "model" };
        return Err(crate::Error::Usage(format!(
            "this {model} on {points} points for {} epochs over a {}² grid is {work:.1e} \
             multiply-adds: at most {MAX_WORK:.0e} here; use fewer epochs, points, units or \
             grid points",
            view.epochs, view.grid
        )));
    }
    Ok(())
}

/// What `explore landscape` does for `view`: its model, training and plane.
pub fn config(view: &View) -> Result<Config, Refused> {
    let (mut settings, loss, schedule) = view.check()?;
    let defaults = Config::default();
    settings.lr = view.lr.unwrap_or(defaults.optimizer.lr);
    Ok(Config {
        model: ModelKind::Mlp,
        hidden: view.hidden.clone(),
        activation: view.mlp_activation()?,
        loss,
        optimizer: settings,
        course: Course {
            schedule,
            early_stop: None,
        },
        epochs: view.epochs,
        steps: view.grid,
        seed: view.seed,
        val_split: view.val_split,
        ..defaults
    })
}

/// Trains the MLP of `view` on `data`, with the plane around where it ended; `Ok(None)` when
/// `watch` says a newer request superseded this one; its epochs' losses are streamed to `watch`
/// as it trains.
pub fn mlp_plane(
    view: &View,
    data: &Dataset,
    watch: Watch<'_>,
) -> crate::Result<Option<(Config, LossPlane)>> {
    let config = config(view).map_err(|e| crate::Error::Usage(e.0))?;
    check_work(view, data.len(), config.parameters())?;
    config.check(DType::F32)?;
    let heard = |epoch, loss, val_loss| {
        let tick = Tick {
            val_loss,
            ..Tick::loss(epoch, loss)
        };
        watch.hear(view.epochs, tick);
    };
    let plane = LossPlane::run_until(
        data,
        &config,
        DType::F32,
        &Device::Cpu,
        &|_, _| {},
        watch.stale,
        &heard,
    );
    match plane {
        Ok(plane) => Ok(Some((config, plane))),
        Err(_) if (watch.stale)() => Ok(None),
        // The epoch that broke the rule is streamed too, whatever its number: the evidence.
        Err(crate::Error::Diverged(d)) if d.diverged.loss.is_finite() => {
            (watch.tick)(Tick::loss(d.diverged.epoch, d.diverged.loss));
            Err(crate::Error::Diverged(d))
        }
        Err(e) => Err(e),
    }
}

/// The scene of the MLP of `view` trained on `data`: the plane with the path, the loss per
/// recorded epoch, and the trained network's curve over the data.
pub fn mlp_scene(view: &View, data: &Dataset, watch: Watch<'_>) -> crate::Result<Option<Scene>> {
    let Some((config, plane)) = mlp_plane(view, data, watch)? else {
        return Ok(None);
    };
    // The points it trained on, as the line's scene shows them.
    let (data, val) = view.split(data)?;
    let data = &data;
    let points = data.plot_points();
    let mut page = plane.page();
    page.show_data(&points);
    let (grid_id, data_id) = hold(&mut page, &points, view.held.as_ref());
    let d = plane.distance;
    let last = plane
        .epochs
        .last()
        .zip(plane.path.last())
        .zip(plane.path_losses.last())
        .map(|((&epoch, &(a, b)), &loss)| [epoch as f64, a, b, loss]);
    Ok(Some(Scene {
        page,
        lr: config.optimizer.lr,
        bound: None,
        last,
        diverged: None,
        extent: [-d, d, -d, d],
        grid_id,
        data_id,
        points: data.len(),
        fit: Some(curve(&config, &plane, &points)?),
        held_out: super::view::held_out(val.as_ref()),
        classes: None,
        command: String::new(),
    }))
}

/// The trained network's output at `CURVE` points across the x of `points`.
fn curve(
    config: &Config,
    plane: &LossPlane,
    points: &[(f64, f64)],
) -> crate::Result<[Vec<f64>; 2]> {
    let (lo, hi) = points
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
            (lo.min(p.0), hi.max(p.0))
        });
    let xs = crate::grid::linspace(lo, hi, if hi > lo { CURVE } else { 1 });
    let net = Model::new(
        ModelKind::Mlp,
        &config.hidden,
        config.activation,
        config.seed,
        DType::F32,
        &Device::Cpu,
    )?;
    plane.trained.set_into(net.varmap())?;
    let x = Tensor::new(xs.as_slice(), &Device::Cpu)?
        .to_dtype(DType::F32)?
        .unsqueeze(1)?;
    let y = net
        .forward(&x)?
        .squeeze(1)?
        .to_dtype(DType::F64)?
        .to_vec1()?;
    Ok([xs, y])
}

/// The trained network's parameters, as `explore landscape --save FILE.safetensors` writes them.
pub fn mlp_params(view: &View, data: &Dataset) -> crate::Result<Vec<u8>> {
    let (_, plane) = mlp_plane(view, data, Watch::quiet())?.ok_or_else(stopped)?;
    plane.trained.safetensors(&plane.model)
}

/// The error of an export that was stopped, which only a stale request is.
fn stopped() -> crate::Error {
    candle_core::Error::Msg(crate::landscape::STOPPED.into()).into()
}

/// The run as `explore landscape --animate FILE.gif` draws it.
pub fn mlp_gif(view: &View, data: &Dataset) -> crate::Result<Vec<u8>> {
    let (_, plane) = mlp_plane(view, data, Watch::quiet())?.ok_or_else(stopped)?;
    let figure = plane.train_figure();
    let count = crate::plot::FRAMES as usize;
    crate::plot::gif_bytes(count, crate::plot::FPS as u32, |k| {
        crate::plot::Frame::of(&figure, None, k, count)
    })
}
