//! Learning-rate schedules, one file each, with PyTorch's definitions and defaults
//! (`torch.optim.lr_scheduler`): each is a [`Rule`] that gives the rate at a step from the rate
//! before (PyTorch's recursive forms, so that the rates are its own to the last bit); a
//! [`Scheduler`] runs one, with an optional linear warm-up in front as PyTorch's
//! `SequentialLR([LinearLR(start_factor, total_iters=N), S], milestones=[N])` puts it.
//!
//! A new schedule is a file here with a type that implements [`Rule`], plus one line in the
//! `register!` list below.

mod constant;
mod cosine;
mod exponential;
mod linear;
mod multistep;
mod onecycle;
mod plateau;
mod step;

pub use constant::Constant;
pub use cosine::Cosine;
pub use exponential::Exponential;
pub use linear::Linear;
pub use multistep::MultiStep;
pub use onecycle::OneCycle;
pub use plateau::Plateau;
pub use step::Step;

/// Every schedule's parameters, named after PyTorch's arguments, with its defaults; each
/// schedule reads those it [takes](Rule::TAKES).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Params {
    pub step_size: u64,
    pub gamma: f64,
    pub milestones: Vec<u64>,
    /// `None`: the run's length (after any warm-up).
    pub t_max: Option<u64>,
    pub eta_min: f64,
    pub start_factor: f64,
    pub end_factor: f64,
    pub total_iters: u64,
    pub pct_start: f64,
    pub div_factor: f64,
    pub final_div_factor: f64,
    pub factor: f64,
    pub patience: u64,
    pub threshold: f64,
    pub cooldown: u64,
    pub min_lr: f64,
}

impl Default for Params {
    /// PyTorch's defaults (StepLR's and ExponentialLR's γ 0.1 where it has one).
    fn default() -> Self {
        Params {
            step_size: 10,
            gamma: 0.1,
            milestones: Vec::new(),
            t_max: None,
            eta_min: 0.0,
            start_factor: 1.0 / 3.0,
            end_factor: 1.0,
            total_iters: 5,
            pct_start: 0.3,
            div_factor: 25.0,
            final_div_factor: 1e4,
            factor: 0.1,
            patience: 10,
            threshold: 1e-4,
            cooldown: 0,
            min_lr: 0.0,
        }
    }
}

/// A schedule's rule: the rate at each step.
pub trait Rule {
    /// The parameters it reads ([`Params`]' field names).
    const TAKES: &'static [&'static str];

    /// The rule for a run of `steps` scheduler steps at the base rate `base`.
    fn new(params: &Params, steps: u64, base: f64) -> Self;

    /// The rate at step 0.
    fn first(&self, base: f64) -> f64 {
        base
    }

    /// The rate at step `t` ≥ 1, from the rate at `t − 1` (`lr`) and the base rate; `loss` is
    /// the loss the step saw, for the rules that read it.
    fn step(&mut self, t: u64, lr: f64, base: f64, loss: Option<f64>) -> f64;

    /// The momentum (or Adam's β1) at step `t`, for the rules that cycle it.
    fn momentum(&self, _t: u64) -> Option<f64> {
        None
    }
}

/// Defines [`Kind`] (the names a user picks from) and [`AnyRule`] (the rule chosen at run time)
/// from one list, so that registering a schedule is one line.
macro_rules! register {
    ($($(#[$doc:meta])* $variant:ident => $rule:ident, $name:literal;)*) => {
        /// Which schedule the learning rate follows.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
        #[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
        pub enum Kind {
            $($(#[$doc])* $variant,)*
        }

        impl Kind {
            /// Every schedule, in the order of the list.
            pub const ALL: &'static [Kind] = &[$(Kind::$variant,)*];

            /// The name a user types, e.g. `cosine`.
            pub fn name(self) -> &'static str {
                match self {
                    $(Kind::$variant => $name,)*
                }
            }

            /// The parameters it reads.
            pub fn takes(self) -> &'static [&'static str] {
                match self {
                    $(Kind::$variant => <$rule as Rule>::TAKES,)*
                }
            }
        }

        /// The rule a [`Kind`] names, built at run time.
        #[derive(Debug, Clone)]
        pub enum AnyRule {
            $($variant($rule),)*
        }

        impl AnyRule {
            /// The rule of `kind` for a run of `steps` steps at the base rate `base`.
            pub fn new(kind: Kind, params: &Params, steps: u64, base: f64) -> Self {
                match kind {
                    $(Kind::$variant => AnyRule::$variant(<$rule as Rule>::new(params, steps, base)),)*
                }
            }

            fn first(&self, base: f64) -> f64 {
                match self {
                    $(AnyRule::$variant(r) => r.first(base),)*
                }
            }

            fn step(&mut self, t: u64, lr: f64, base: f64, loss: Option<f64>) -> f64 {
                match self {
                    $(AnyRule::$variant(r) => r.step(t, lr, base, loss),)*
                }
            }

            fn momentum(&self, t: u64) -> Option<f64> {
                match self {
                    $(AnyRule::$variant(r) => r.momentum(t),)*
                }
            }
        }
    };
}

register! {
    /// The same rate every step.
    #[default]
    Constant => Constant, "constant";
    /// × gamma every step-size steps (StepLR).
    Step => Step, "step";
    /// × gamma at each milestone (MultiStepLR).
    Multistep => MultiStep, "multistep";
    /// × gamma every step (ExponentialLR).
    Exponential => Exponential, "exponential";
    /// Half a cosine down to eta-min over t-max steps (CosineAnnealingLR).
    Cosine => Cosine, "cosine";
    /// A linear ramp of the rate's factor (LinearLR).
    Linear => Linear, "linear";
    /// Up to the rate and down again, the momentum the other way; every update (OneCycleLR).
    Onecycle => OneCycle, "onecycle";
    /// × factor when the loss stops falling (ReduceLROnPlateau).
    Plateau => Plateau, "plateau";
}

/// When a schedule steps: after every epoch, or after every update (a mini-batch's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum Per {
    Epoch,
    Batch,
}

/// A run's schedule as chosen: which, its parameters, the warm-up in front and when it steps
/// (`None`: PyTorch's usual use, every update for `onecycle`, every epoch for the others).
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct Plan {
    pub kind: Kind,
    pub params: Params,
    /// Steps of linear warm-up (0: none).
    pub warmup: u64,
    pub per: Option<Per>,
}

impl Plan {
    /// When it steps.
    pub fn per(&self) -> Per {
        self.per.unwrap_or(match self.kind {
            Kind::Onecycle => Per::Batch,
            _ => Per::Epoch,
        })
    }

    /// Whether the rate never changes: the constant schedule, no warm-up.
    pub fn is_constant(&self) -> bool {
        self.kind == Kind::Constant && self.warmup == 0
    }

    /// The scheduler for a run of `epochs` epochs of `batches` updates each at the base rate
    /// `base`: its steps are the epochs, or the updates when it steps per batch.
    pub fn scheduler(&self, epochs: usize, batches: usize, base: f64) -> crate::Result<Scheduler> {
        self.check()?;
        let steps = match self.per() {
            Per::Epoch => epochs,
            Per::Batch => epochs.saturating_mul(batches),
        };
        Scheduler::new(self.kind, &self.params, (steps as u64, self.warmup), base)
    }

    /// Refuses what cannot run: a warm-up before `onecycle` or `plateau`, or `plateau` every
    /// update.
    pub fn check(&self) -> crate::Result<()> {
        refuse_warmup(self.kind, self.warmup)?;
        if self.kind == Kind::Plateau && self.per() == Per::Batch {
            return Err(crate::Error::Usage(
                "the plateau schedule steps once an epoch, on the epoch's loss".into(),
            ));
        }
        Ok(())
    }

    /// A short description for titles and reports: `cosine`, `step (step size 10, γ 0.1)`,
    /// `5 epochs of warm-up, then cosine`.
    pub fn describe(&self) -> String {
        let unit = match self.per() {
            Per::Epoch => "epoch",
            Per::Batch => "update",
        };
        let name = self.kind.name();
        match self.warmup {
            0 => name.to_string(),
            n => format!("{}-{unit} warm-up, then {name}", n),
        }
    }
}

/// `onecycle` and `plateau` take no warm-up: the first has its own, the second follows the
/// loss.
fn refuse_warmup(kind: Kind, warmup: u64) -> crate::Result<()> {
    if warmup > 0 && matches!(kind, Kind::Onecycle | Kind::Plateau) {
        return Err(crate::Error::Usage(format!(
            "the {} schedule takes no warm-up{}",
            kind.name(),
            match kind {
                Kind::Onecycle => ": it rises to the rate by itself",
                _ => ": it follows the loss",
            }
        )));
    }
    Ok(())
}

/// A schedule running: the rate (and momentum) for the next update, stepped after each.
#[derive(Debug, Clone)]
pub struct Scheduler {
    rule: AnyRule,
    base: f64,
    lr: f64,
    /// Steps taken, warm-up included.
    t: u64,
    /// The warm-up: its length and the ramp.
    warmup: Option<(u64, Linear)>,
}

impl Scheduler {
    /// `kind` over a run of `steps` scheduler steps at the base rate `base`, after a linear
    /// warm-up of `warmup` steps from `params.start_factor`·base when given (the schedule then
    /// starts at its own step 0 and, for `cosine`, its `T_max` defaults to the steps after the
    /// warm-up). `onecycle` and `plateau` take no warm-up: the first has its own, the second
    /// follows the loss.
    pub fn new(
        kind: Kind,
        params: &Params,
        (steps, warmup): (u64, u64),
        base: f64,
    ) -> crate::Result<Self> {
        refuse_warmup(kind, warmup)?;
        let rule = AnyRule::new(kind, params, steps.saturating_sub(warmup), base);
        let (lr, warmup) = match warmup {
            0 => (rule.first(base), None),
            n => {
                let ramp = Linear::ramp(params.start_factor, 1.0, n);
                (ramp.first(base), Some((n, ramp)))
            }
        };
        Ok(Scheduler {
            rule,
            base,
            lr,
            t: 0,
            warmup,
        })
    }

    /// The rate of the next update.
    pub fn lr(&self) -> f64 {
        self.lr
    }

    /// The momentum (or β1) of the next update, for a schedule that cycles it.
    pub fn momentum(&self) -> Option<f64> {
        match self.warmup {
            Some((n, _)) if self.t < n => None,
            Some((n, _)) => self.rule.momentum(self.t - n),
            None => self.rule.momentum(self.t),
        }
    }

    /// One step: after an update (an epoch's or a batch's), with the `loss` it saw.
    pub fn step(&mut self, loss: Option<f64>) {
        self.t += 1;
        self.lr = match &mut self.warmup {
            Some((n, ramp)) if self.t < *n => ramp.step(self.t, self.lr, self.base, None),
            // The schedule starts at its own step 0 where the warm-up ends.
            Some((n, _)) if self.t == *n => self.rule.first(self.base),
            Some((n, _)) => {
                let own = self.t - *n;
                self.rule.step(own, self.lr, self.base, loss)
            }
            None => self.rule.step(self.t, self.lr, self.base, loss),
        };
    }
}
