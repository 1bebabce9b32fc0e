//! Optimizers, one file each, with PyTorch's update rules and defaults (`torch.optim`). Each is
//! a [`Rule`]: the per-parameter state and the update, written once over plain numbers; wrapped
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

/// The numbers an update is computed in: the parameter's own dtype, as PyTorch does.
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

/// An optimizer's update rule: the state it keeps for each parameter, and one step.
pub trait Rule: Sized + 'static {
    /// The state of one parameter of `F` values (a momentum buffer, running averages).
    type State<F: Real>: Send + std::fmt::Debug;
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

    /// Fresh state for a parameter of `len` values.
    fn state<F: Real>(len: usize, s: &Settings) -> Self::State<F>;

    /// The state's buffers, each as long as the parameter (none for plain SGD): what a saved run
    /// needs to continue exactly.
    fn buffers<F: Real>(state: &mut Self::State<F>) -> Vec<&mut Vec<F>>;

    /// Step `t` (counted from 1): moves `theta` given its gradient `grad`.
    fn step<F: Real>(state: &mut Self::State<F>, theta: &mut [F], grad: &[F], t: u64, s: &Settings);

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

/// A parameter and its state, in the parameter's dtype.
#[derive(Debug)]
enum Param<R: Rule> {
    F32(Var, R::State<f32>),
    F64(Var, R::State<f64>),
}

/// The `candle_nn::Optimizer` of a [`Rule`]: at each step every parameter with a gradient is
/// read out, updated in its own dtype, and written back.
#[derive(Debug)]
pub struct Optim<R: Rule> {
    params: Vec<Param<R>>,
    settings: Settings,
    t: u64,
}

fn update<R: Rule, F: Real + candle_core::WithDType>(
    var: &Var,
    state: &mut R::State<F>,
    grad: &Tensor,
    t: u64,
    s: &Settings,
) -> Result<()> {
    let mut theta: Vec<F> = var.as_tensor().flatten_all()?.to_vec1()?;
    let grad: Vec<F> = grad.flatten_all()?.to_vec1()?;
    R::step(state, &mut theta, &grad, t, s);
    let new = Tensor::from_vec(theta, var.shape(), var.device())?;
    var.set(&new)
}

impl<R: Rule> Optim<R> {
    /// The optimizer over `vars` at learning rate `lr`, its other settings PyTorch's defaults.
    pub fn with_lr(vars: Vec<Var>, lr: f64) -> Result<Self> {
        Self::new(vars, Settings::new(Algorithm::default(), lr))
    }

    /// Its state: the steps taken and every parameter's buffers (as f64, which holds an f32
    /// exactly), so that [`Optim::restore`] continues exactly where this one is.
    pub fn state(&mut self) -> OptimState {
        let buffers = self
            .params
            .iter_mut()
            .map(|param| match param {
                Param::F32(_, state) => R::buffers(state)
                    .into_iter()
                    .map(|b| b.iter().map(|&v| f64::from(v)).collect())
                    .collect(),
                Param::F64(_, state) => R::buffers(state).into_iter().map(|b| b.clone()).collect(),
            })
            .collect();
        OptimState {
            steps: self.t,
            buffers,
        }
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
            match param {
                Param::F32(_, s) => restore_into(R::buffers(s), saved, |v| v as f32)?,
                Param::F64(_, s) => restore_into(R::buffers(s), saved, |v| v)?,
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

fn restore_into<F: Real>(
    buffers: Vec<&mut Vec<F>>,
    saved: &[Vec<f64>],
    of: impl Fn(f64) -> F,
) -> Result<()> {
    if buffers.len() != saved.len() {
        candle_core::bail!(
            "optimizer state with {} buffers a parameter, not {}",
            saved.len(),
            buffers.len()
        );
    }
    for (buffer, values) in buffers.into_iter().zip(saved) {
        if buffer.len() != values.len() {
            candle_core::bail!(
                "optimizer state of {} values, not {}",
                values.len(),
                buffer.len()
            );
        }
        for (b, &v) in buffer.iter_mut().zip(values) {
            *b = of(v);
        }
    }
    Ok(())
}

impl<R: Rule> Optimizer for Optim<R> {
    type Config = Settings;

    fn new(vars: Vec<Var>, settings: Settings) -> Result<Self> {
        let params = vars
            .into_iter()
            .filter_map(|var| match var.dtype() {
                DType::F32 => Some(Param::F32(
                    var.clone(),
                    R::state(var.elem_count(), &settings),
                )),
                DType::F64 => Some(Param::F64(
                    var.clone(),
                    R::state(var.elem_count(), &settings),
                )),
                _ => None,
            })
            .collect();
        Ok(Self {
            params,
            settings,
            t: 0,
        })
    }

    fn step(&mut self, grads: &GradStore) -> Result<()> {
        self.t = self.t.saturating_add(1);
        for param in &mut self.params {
            match param {
                Param::F32(var, state) => {
                    if let Some(g) = grads.get(var) {
                        update::<R, f32>(var, state, g, self.t, &self.settings)?;
                    }
                }
                Param::F64(var, state) => {
                    if let Some(g) = grads.get(var) {
                        update::<R, f64>(var, state, g, self.t, &self.settings)?;
                    }
                }
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

        /// The state of whichever rule [`Settings::kind`] names.
        #[derive(Debug)]
        pub enum AnyState<F: Real> {
            $($variant(<$rule as Rule>::State<F>),)*
        }

        /// The rule that [`Settings::kind`] names, chosen at run time: [`AnyOptimizer`] is
        /// `Optim<Any>`.
        #[derive(Debug, Clone, Copy)]
        pub struct Any;

        impl Rule for Any {
            type State<F: Real> = AnyState<F>;
            const USES: &'static [Hyper] = &[];

            fn state<F: Real>(len: usize, s: &Settings) -> Self::State<F> {
                match s.kind {
                    $(Algorithm::$variant => AnyState::$variant(<$rule as Rule>::state::<F>(len, s)),)*
                }
            }

            fn buffers<F: Real>(state: &mut Self::State<F>) -> Vec<&mut Vec<F>> {
                match state {
                    $(AnyState::$variant(inner) => <$rule as Rule>::buffers(inner),)*
                }
            }

            fn step<F: Real>(state: &mut Self::State<F>, theta: &mut [F], grad: &[F], t: u64, s: &Settings) {
                match state {
                    $(AnyState::$variant(inner) => <$rule as Rule>::step(inner, theta, grad, t, s),)*
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
