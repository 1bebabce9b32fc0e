//! Optimizers, one file each, with PyTorch's update rules and defaults (`torch.optim`). Each is
//! a [`Rule`]: the per-parameter buffers and the update, written once over [`Values`] (a number
//! on the host, or a tensor on a device); wrapped
//! as [`Optim`], each is a `candle_nn::Optimizer` that the training loop
//! ([`crate::train::train`]) or any candle code can drive: `Optim::<Adam>::new(vars, settings)`.
//! [`AnyOptimizer`] is the one chosen at run time by its [`Algorithm`] (`--optimizer`).
//!
//! A new optimizer is a file here with a type that implements [`Rule`], plus one line in the
//! `register!` list below.

mod adagrad;
mod adam;
mod adamw;
mod momentum;
mod nesterov;
mod rmsprop;
mod sgd;

pub use adagrad::Adagrad;
pub use adam::Adam;
pub use adamw::AdamW;
pub use candle_nn::optim::Optimizer;
pub use momentum::Momentum;
pub use nesterov::Nesterov;
pub use rmsprop::RmsProp;
pub use sgd::Sgd;

use candle_core::backprop::GradStore;
use candle_core::{DType, Result, Tensor, Var};
use num_traits::Float;

/// The settings an optimizer is built from, whichever it is: each takes what it uses
/// ([`Algorithm::uses`]).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Settings {
    pub kind: Algorithm,
    /// The learning rate.
    pub lr: f64,
    /// The momentum μ of `momentum` and `nesterov` (PyTorch's SGD `momentum`, dampening 0).
    pub momentum: f64,
    /// Adam's running-average factors (β1, β2).
    pub betas: (f64, f64),
    /// The ε added to denominators; `None`: the optimizer's PyTorch default.
    pub eps: Option<f64>,
    /// The weight decay; `None`: the optimizer's PyTorch default (0, or 0.01 for AdamW).
    pub weight_decay: Option<f64>,
}

impl Settings {
    /// `kind` at learning rate `lr`, every other setting at its PyTorch default.
    pub fn new(kind: Algorithm, lr: f64) -> Self {
        Self {
            kind,
            lr,
            momentum: 0.9,
            betas: (0.9, 0.999),
            eps: None,
            weight_decay: None,
        }
    }

    /// ε, or the optimizer's default.
    pub fn eps(&self) -> f64 {
        self.eps.unwrap_or(self.kind.default_eps())
    }

    /// The weight decay, or the optimizer's default.
    pub fn weight_decay(&self) -> f64 {
        self.weight_decay
            .unwrap_or(self.kind.default_weight_decay())
    }
}

/// A setting some optimizers take and others do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hyper {
    Momentum,
    Betas,
    Eps,
    WeightDecay,
}

/// The numbers an update is computed in on the host: the parameter's own dtype, as PyTorch
/// does.
pub trait Real: Float + Send + Sync + std::fmt::Debug + 'static {
    /// `v` in this type.
    fn of(v: f64) -> Self;
}

impl Real for f32 {
    fn of(v: f64) -> Self {
        v as f32
    }
}

impl Real for f64 {
    fn of(v: f64) -> Self {
        v
    }
}

/// What an update rule computes with: one value of a parameter on the host, or a whole
/// parameter as a tensor where it lives. A rule is written once over `Values`; the CPU runs it
/// value by value (fastest for small models), any other device in tensor ops (no copy to the
/// host and back). Constants are rounded to the values' dtype first, as PyTorch does.
pub trait Values: Sized + Clone {
    fn add(&self, other: &Self) -> Result<Self>;
    fn sub(&self, other: &Self) -> Result<Self>;
    fn mul(&self, other: &Self) -> Result<Self>;
    fn div(&self, other: &Self) -> Result<Self>;
    fn sqrt(&self) -> Result<Self>;
    /// `self · c`.
    fn scale(&self, c: f64) -> Result<Self>;
    /// `self + c`.
    fn shift(&self, c: f64) -> Result<Self>;
    /// `self / c`.
    fn over(&self, c: f64) -> Result<Self>;
}

impl<F: Real> Values for F {
    fn add(&self, other: &Self) -> Result<Self> {
        Ok(*self + *other)
    }
    fn sub(&self, other: &Self) -> Result<Self> {
        Ok(*self - *other)
    }
    fn mul(&self, other: &Self) -> Result<Self> {
        Ok(*self * *other)
    }
    fn div(&self, other: &Self) -> Result<Self> {
        Ok(*self / *other)
    }
    fn sqrt(&self) -> Result<Self> {
        Ok(Float::sqrt(*self))
    }
    fn scale(&self, c: f64) -> Result<Self> {
        Ok(*self * F::of(c))
    }
    fn shift(&self, c: f64) -> Result<Self> {
        Ok(*self + F::of(c))
    }
    fn over(&self, c: f64) -> Result<Self> {
        Ok(*self / F::of(c))
    }
}

impl Values for Tensor {
    fn add(&self, other: &Self) -> Result<Self> {
        Tensor::add(self, other)
    }
    fn sub(&self, other: &Self) -> Result<Self> {
        Tensor::sub(self, other)
    }
    fn mul(&self, other: &Self) -> Result<Self> {
        Tensor::mul(self, other)
    }
    fn div(&self, other: &Self) -> Result<Self> {
        Tensor::div(self, other)
    }
    fn sqrt(&self) -> Result<Self> {
        Tensor::sqrt(self)
    }
    // `affine` rounds its factors to the tensor's dtype and computes `v·mul + add`; adding −0
    // keeps every value as the multiplication left it (+0 would turn −0 into +0).
    fn scale(&self, c: f64) -> Result<Self> {
        self.affine(c, -0.0)
    }
    fn shift(&self, c: f64) -> Result<Self> {
        self.affine(1.0, c)
    }
    // A true division (candle's `/ f64` multiplies by the reciprocal, which rounds otherwise).
    fn over(&self, c: f64) -> Result<Self> {
        let c = Tensor::new(c, self.device())?.to_dtype(self.dtype())?;
        self.broadcast_div(&c)
    }
}

/// `g + wd·θ`: weight decay added to the gradient (none when `wd` is 0).
pub(crate) fn decayed<V: Values>(grad: &V, theta: &V, wd: f64) -> Result<Option<V>> {
    if wd == 0.0 {
        Ok(None)
    } else {
        Ok(Some(grad.add(&theta.scale(wd)?)?))
    }
}

/// An optimizer's update rule: the buffers it keeps for each parameter, and one step.
pub trait Rule: Sized + 'static {
    /// The settings this optimizer takes besides the learning rate.
    const USES: &'static [Hyper];
    /// ε when not given (PyTorch's default), for those that use one.
    const EPS: f64 = 0.0;
    /// The weight decay when not given (PyTorch's default).
    const WEIGHT_DECAY: f64 = 0.0;

    /// ε as given in `s`, or this optimizer's default.
    fn eps(s: &Settings) -> f64 {
        s.eps.unwrap_or(Self::EPS)
    }

    /// The weight decay as given in `s`, or this optimizer's default.
    fn weight_decay(s: &Settings) -> f64 {
        s.weight_decay.unwrap_or(Self::WEIGHT_DECAY)
    }

    /// How many buffers the size of the parameter it keeps, each starting at zero (a velocity,
    /// two running averages; none for plain SGD): what a saved run needs to continue exactly.
    fn buffers(s: &Settings) -> usize;

    /// Step `t` (counted from 1): `theta` moved given its gradient `grad`, the buffers updated
    /// in place.
    fn step<V: Values>(theta: &V, grad: &V, buffers: &mut [V], t: u64, s: &Settings) -> Result<V>;

    /// The largest learning rate at which this method is stable on a quadratic whose largest
    /// curvature is `lambda`, where that is known (0 when no rate is); `None` for adaptive
    /// methods.
    fn stable_lr(_lambda: f64, _s: &Settings) -> Option<f64> {
        None
    }

    /// The learning rate when none is given: PyTorch's default where it has one; for the plain
    /// methods (PyTorch has none), a quarter of the stable bound for SGD, `1/(2·λmax)`.
    fn default_lr(lambda: f64, s: &Settings) -> f64;
}

/// The most buffers a rule keeps (Adam's two).
const MAX_BUFFERS: usize = 2;

/// A parameter and its buffers: on the CPU as host values in the parameter's dtype, elsewhere
/// as tensors where the parameter lives.
#[derive(Debug)]
enum Param {
    F32(Var, Vec<Vec<f32>>),
    F64(Var, Vec<Vec<f64>>),
    Tensors(Var, Vec<Tensor>),
}

impl Param {
    fn var(&self) -> &Var {
        match self {
            Param::F32(var, _) | Param::F64(var, _) | Param::Tensors(var, _) => var,
        }
    }
}

/// The `candle_nn::Optimizer` of a [`Rule`]: at each step every parameter with a gradient is
/// updated in its own dtype, value by value on the host for a parameter on the CPU, in tensor
/// ops on the parameter's device otherwise.
#[derive(Debug)]
pub struct Optim<R: Rule> {
    params: Vec<Param>,
    settings: Settings,
    t: u64,
    rule: std::marker::PhantomData<R>,
}

/// One step of `R` value by value on the host: each value with its buffers' values.
fn update_host<R: Rule, F: Real + candle_core::WithDType>(
    var: &Var,
    buffers: &mut [Vec<F>],
    grad: &Tensor,
    t: u64,
    s: &Settings,
) -> Result<()> {
    let mut theta: Vec<F> = var.as_tensor().flatten_all()?.to_vec1()?;
    let grad: Vec<F> = grad.flatten_all()?.to_vec1()?;
    let mut held = [F::zero(); MAX_BUFFERS];
    let held = &mut held[..buffers.len()];
    for (i, (p, g)) in theta.iter_mut().zip(&grad).enumerate() {
        for (h, b) in held.iter_mut().zip(buffers.iter()) {
            *h = b[i];
        }
        *p = R::step(p, g, held, t, s)?;
        for (h, b) in held.iter().zip(buffers.iter_mut()) {
            b[i] = *h;
        }
    }
    let new = Tensor::from_vec(theta, var.shape(), var.device())?;
    var.set(&new)
}

/// One step of `R` in tensor ops where the parameter lives.
fn update_tensors<R: Rule>(
    var: &Var,
    buffers: &mut [Tensor],
    grad: &Tensor,
    t: u64,
    s: &Settings,
) -> Result<()> {
    let theta = var.as_tensor().detach();
    let new = R::step(&theta, &grad.detach(), buffers, t, s)?;
    var.set(&new)
}

impl<R: Rule> Optim<R> {
    /// The optimizer over `vars` at learning rate `lr`, its other settings PyTorch's defaults.
    pub fn with_lr(vars: Vec<Var>, lr: f64) -> Result<Self> {
        Self::new(vars, Settings::new(Algorithm::default(), lr))
    }

    /// The optimizer over `vars` updating every parameter in tensor ops where it lives, as it
    /// does on devices other than the CPU: on the CPU it gives the host path's numbers.
    pub fn on_tensors(vars: Vec<Var>, settings: Settings) -> Result<Self> {
        Self::build(vars, settings, true)
    }

    fn build(vars: Vec<Var>, settings: Settings, tensors: bool) -> Result<Self> {
        let count = R::buffers(&settings);
        if count > MAX_BUFFERS {
            candle_core::bail!("an optimizer keeps at most {MAX_BUFFERS} buffers, not {count}");
        }
        let mut params = Vec::with_capacity(vars.len());
        for var in vars {
            let host = !tensors && var.device().is_cpu();
            let len = var.elem_count();
            params.push(match var.dtype() {
                DType::F32 if host => Param::F32(var, vec![vec![0.0; len]; count]),
                DType::F64 if host => Param::F64(var, vec![vec![0.0; len]; count]),
                DType::F32 | DType::F64 => {
                    let zeros = (0..count)
                        .map(|_| var.zeros_like())
                        .collect::<Result<Vec<_>>>()?;
                    Param::Tensors(var, zeros)
                }
                _ => continue,
            });
        }
        Ok(Self {
            params,
            settings,
            t: 0,
            rule: std::marker::PhantomData,
        })
    }

    /// The settings it updates with (the learning rate a schedule set last among them).
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Sets the momentum μ, or Adam's β1, of the next updates — whichever the optimizer takes
    /// (a one-cycle schedule cycles it, as PyTorch's `OneCycleLR` does); `false` when it takes
    /// neither.
    pub fn set_momentum(&mut self, momentum: f64) -> bool {
        let uses = self.settings.kind.uses();
        if uses.contains(&Hyper::Momentum) {
            self.settings.momentum = momentum;
        } else if uses.contains(&Hyper::Betas) {
            self.settings.betas.0 = momentum;
        } else {
            return false;
        }
        true
    }

    /// Its state: the steps taken and every parameter's buffers (as f64, which holds an f32
    /// exactly), so that [`Optim::restore`] continues exactly where this one is.
    pub fn state(&self) -> Result<OptimState> {
        let buffers = self
            .params
            .iter()
            .map(|param| match param {
                Param::F32(_, b) => Ok(b
                    .iter()
                    .map(|b| b.iter().map(|&v| f64::from(v)).collect())
                    .collect()),
                Param::F64(_, b) => Ok(b.clone()),
                Param::Tensors(_, b) => b
                    .iter()
                    .map(|t| t.flatten_all()?.to_dtype(DType::F64)?.to_vec1::<f64>())
                    .collect(),
            })
            .collect::<Result<_>>()?;
        Ok(OptimState {
            steps: self.t,
            buffers,
        })
    }

    /// Continues from `state`, taken by [`Optim::state`] of the same optimizer over parameters
    /// of the same sizes.
    pub fn restore(&mut self, state: &OptimState) -> Result<()> {
        if state.buffers.len() != self.params.len() {
            candle_core::bail!(
                "optimizer state for {} parameters, not {}",
                state.buffers.len(),
                self.params.len()
            );
        }
        for (param, saved) in self.params.iter_mut().zip(&state.buffers) {
            let len = param.var().elem_count();
            check_saved(saved, R::buffers(&self.settings), len)?;
            match param {
                Param::F32(_, b) => {
                    *b = saved
                        .iter()
                        .map(|v| v.iter().map(|&v| v as f32).collect())
                        .collect()
                }
                Param::F64(_, b) => b.clone_from(saved),
                Param::Tensors(var, b) => {
                    *b = saved
                        .iter()
                        .map(|v| {
                            Tensor::from_slice(v, var.shape(), var.device())?.to_dtype(var.dtype())
                        })
                        .collect::<Result<_>>()?
                }
            }
        }
        self.t = state.steps;
        Ok(())
    }
}

/// An optimizer's state in plain numbers: [`Optim::state`], for [`Optim::restore`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OptimState {
    /// Updates taken (Adam's bias correction and momentum's first step count them).
    pub steps: u64,
    /// For each parameter, its buffers (a momentum's velocity, Adam's two averages).
    pub buffers: Vec<Vec<Vec<f64>>>,
}

fn check_saved(saved: &[Vec<f64>], buffers: usize, len: usize) -> Result<()> {
    if saved.len() != buffers {
        candle_core::bail!(
            "optimizer state with {} buffers a parameter, not {buffers}",
            saved.len()
        );
    }
    if let Some(values) = saved.iter().find(|v| v.len() != len) {
        candle_core::bail!("optimizer state of {} values, not {len}", values.len());
    }
    Ok(())
}

impl<R: Rule> Optimizer for Optim<R> {
    type Config = Settings;

    fn new(vars: Vec<Var>, settings: Settings) -> Result<Self> {
        Self::build(vars, settings, false)
    }

    fn step(&mut self, grads: &GradStore) -> Result<()> {
        self.t = self.t.saturating_add(1);
        let (t, s) = (self.t, &self.settings);
        for param in &mut self.params {
            let Some(g) = grads.get(param.var()) else {
                continue;
            };
            match param {
                Param::F32(var, b) => update_host::<R, f32>(var, b, g, t, s)?,
                Param::F64(var, b) => update_host::<R, f64>(var, b, g, t, s)?,
                Param::Tensors(var, b) => update_tensors::<R>(var, b, g, t, s)?,
            }
        }
        Ok(())
    }

    fn learning_rate(&self) -> f64 {
        self.settings.lr
    }

    fn set_learning_rate(&mut self, lr: f64) {
        self.settings.lr = lr;
    }
}

/// Defines [`Algorithm`] (the names a user picks from) and [`Any`] (the rule chosen at run time)
/// from one list, so that registering an optimizer is one line.
macro_rules! register {
    ($($(#[$doc:meta])* $variant:ident => $rule:ty, $name:literal;)*) => {
        /// Which optimizer to train with.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
        #[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
        pub enum Algorithm {
            $($(#[$doc])* $variant,)*
        }

        impl Algorithm {
            /// Every optimizer, in the order of the list.
            pub const ALL: &'static [Algorithm] = &[$(Algorithm::$variant,)*];

            /// The name a user types, e.g. `adam`.
            pub fn name(self) -> &'static str {
                match self {
                    $(Algorithm::$variant => $name,)*
                }
            }

            /// The settings it takes besides the learning rate.
            pub fn uses(self) -> &'static [Hyper] {
                match self {
                    $(Algorithm::$variant => <$rule as Rule>::USES,)*
                }
            }

            fn default_eps(self) -> f64 {
                match self {
                    $(Algorithm::$variant => <$rule as Rule>::EPS,)*
                }
            }

            fn default_weight_decay(self) -> f64 {
                match self {
                    $(Algorithm::$variant => <$rule as Rule>::WEIGHT_DECAY,)*
                }
            }

        }

        /// The rule that [`Settings::kind`] names, chosen at run time: [`AnyOptimizer`] is
        /// `Optim<Any>`.
        #[derive(Debug, Clone, Copy)]
        pub struct Any;

        impl Rule for Any {
            const USES: &'static [Hyper] = &[];

            fn buffers(s: &Settings) -> usize {
                match s.kind {
                    $(Algorithm::$variant => <$rule as Rule>::buffers(s),)*
                }
            }

            fn step<V: Values>(
                theta: &V,
                grad: &V,
                buffers: &mut [V],
                t: u64,
                s: &Settings,
            ) -> Result<V> {
                match s.kind {
                    $(Algorithm::$variant => <$rule as Rule>::step(theta, grad, buffers, t, s),)*
                }
            }

            fn stable_lr(lambda: f64, s: &Settings) -> Option<f64> {
                match s.kind {
                    $(Algorithm::$variant => <$rule as Rule>::stable_lr(lambda, s),)*
                }
            }

            fn default_lr(lambda: f64, s: &Settings) -> f64 {
                match s.kind {
                    $(Algorithm::$variant => <$rule as Rule>::default_lr(lambda, s),)*
                }
            }
        }
    };
}

register! {
    /// Plain gradient descent: θ ← θ − lr·∇L (torch.optim.SGD).
    #[default]
    Sgd => Sgd, "sgd";
    /// Heavy-ball momentum: v ← μ·v + ∇L, θ ← θ − lr·v (SGD with momentum, dampening 0).
    Momentum => Momentum, "momentum";
    /// Nesterov momentum: θ ← θ − lr·(∇L + μ·v) (SGD with nesterov=True).
    Nesterov => Nesterov, "nesterov";
    /// RMSprop: divides by the root of a running mean square (alpha 0.99, eps 1e-8).
    Rmsprop => RmsProp, "rmsprop";
    /// Adagrad: divides by the root of the summed squared gradients (eps 1e-10).
    Adagrad => Adagrad, "adagrad";
    /// Adam: bias-corrected running mean over root running mean square (betas 0.9, 0.999).
    Adam => Adam, "adam";
    /// AdamW: Adam with decoupled weight decay (default 0.01).
    Adamw => AdamW, "adamw";
}

/// The optimizer chosen at run time by [`Settings::kind`].
pub type AnyOptimizer = Optim<Any>;

impl Settings {
    /// The largest stable learning rate of this optimizer on a quadratic whose largest
    /// curvature is `lambda`, where one is known: `2/λ` for SGD, `2(1 + μ)/λ` for heavy-ball
    /// momentum, `2(1 + μ)/((1 + 2μ)·λ)` for Nesterov; `None` for the adaptive methods.
    pub fn stable_lr(&self, lambda: f64) -> Option<f64> {
        Any::stable_lr(lambda, self)
    }

    /// The largest curvature on which this optimizer is stable at its learning rate, where a
    /// bound is known: `2/lr` for SGD (less the weight decay, which adds to every curvature),
    /// `2(1 + μ)/lr` for heavy ball, …; 0 when no curvature is (μ ≥ 1); `None` for the
    /// adaptive methods.
    pub fn stable_curvature(&self) -> Option<f64> {
        // The bound falls as the curvature grows: the largest curvature whose bound is still
        // above lr, by bisection in a bracket doubled until it holds the edge.
        let stable = |lambda: f64| self.stable_lr(lambda).map(|b| b > self.lr);
        if !stable(0.0)? {
            return Some(0.0);
        }
        let (mut lo, mut hi) = (0.0f64, 1.0f64);
        while stable(hi)? {
            (lo, hi) = (hi, 2.0 * hi);
            if !hi.is_finite() {
                return Some(f64::INFINITY);
            }
        }
        loop {
            let mid = 0.5 * (lo + hi);
            if mid <= lo || mid >= hi {
                return Some(lo);
            }
            if stable(mid)? {
                lo = mid;
            } else {
                hi = mid;
            }
        }
    }

    /// The learning rate this optimizer uses when none is given (see [`Rule::default_lr`]).
    pub fn default_lr(&self, lambda: f64) -> f64 {
        Any::default_lr(lambda, self)
    }
}
