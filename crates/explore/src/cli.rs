//! What every program of the project does with its command line and its errors (the `cli`
//! feature, on by default): a usage error is one line and exit code 2, before any work; any
//! other error one line and exit code 1; never a panic trace. The value parsers here are the one
//! place a flag's number is checked, for the `explore` binary and the examples alike.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::OnceLock;

use crate::number::parse_finite;
use loss::{AnyLoss, LossName, Param, Params};

/// Runs a program: parses `T` from the command line, calls `main` with it, and turns the
/// outcome into an exit code, printing any error as one line on stderr. `--help` and
/// `--version` print as usual and exit 0.
pub fn run<T: clap::Parser>(main: impl FnOnce(T) -> anyhow::Result<()>) -> ExitCode {
    // Errors are one line even with RUST_BACKTRACE=1: candle attaches a backtrace to its errors
    // whenever the standard library would capture one, and RUST_LIB_BACKTRACE=0 turns that off
    // for library code while panics still follow RUST_BACKTRACE. Set before any thread starts.
    if std::env::var_os("RUST_LIB_BACKTRACE").is_none() {
        std::env::set_var("RUST_LIB_BACKTRACE", "0");
    }
    crate::io::clean_up_on_interrupt();
    // clap prints a value's escape sequences raw (and a terminal eats them): name such an
    // argument escaped instead. A tab is a value (`--delimiter` takes it).
    let control = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .find(|a| a.chars().any(|c| c.is_control() && c != '\t'));
    if let Some(arg) = control {
        say(&format!(
            "error: the argument `{}` holds a control character; no flag takes one",
            arg.escape_default()
        ));
        return ExitCode::from(2);
    }
    let matches = match T::command().try_get_matches() {
        Ok(matches) => matches,
        Err(e) => return clap_exit(e),
    };
    let mut given = Vec::new();
    collect_given(&matches, &mut given);
    let _ = GIVEN.set(given);
    let args = match T::from_arg_matches(&matches) {
        Ok(args) => args,
        Err(e) => return clap_exit(e),
    };
    match main(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let usage = e
                .downcast_ref::<crate::Error>()
                .is_some_and(crate::Error::is_usage);
            say(&format!("error: {}", one_line(&explain(&e))));
            ExitCode::from(if usage { 2 } else { 1 })
        }
    }
}

/// An error's whole chain of causes on one line, as anyhow's `{:#}` prints it, with each
/// remedy the library names said as the flags that apply it.
pub fn explain(e: &anyhow::Error) -> String {
    e.chain()
        .map(|cause| match cause.downcast_ref::<crate::Error>() {
            Some(error) => error.explain(&remedy),
            None => cause.to_string(),
        })
        .collect::<Vec<_>>()
        .join(": ")
}

/// A remedy as the flags that apply it.
pub fn remedy(r: crate::Remedy) -> String {
    use crate::Remedy;
    match r {
        Remedy::RescaleOrStandardize => {
            "rescale x (divide it by a power of ten), or use --standardize"
        }
        Remedy::F64 => "use --dtype f64",
        Remedy::SmallerStepsOrLargerBatches => "lower --lr or enlarge --batch-size",
        Remedy::LaneRateOrLargerBatches => {
            "lower its rate in --optimizers (NAME=LR) or enlarge --batch-size"
        }
        Remedy::NameColumns => "pick them with --x NAME --y NAME",
        Remedy::SavedModel => "give the --model, --hidden and --activation it was saved with",
        Remedy::RandomOrPca => "use --directions random or pca",
        Remedy::AxesOrPcaOrKeep1d => {
            "use --directions axes (the line's default) or pca, or add --keep-1d"
        }
        Remedy::PcaOrKeep1d => "try --directions pca, or --keep-1d",
        Remedy::TwoEpochs => "give --epochs 2 or more",
        Remedy::SmallerHidden => "give smaller --hidden layers",
        Remedy::SmallerGrid => "give fewer --weights or --biases",
        Remedy::Classify => "to tell classes apart, give --loss bce-logits or cross-entropy",
    }
    .to_string()
}

/// The arguments given on the command line (their ids, such as `batch_size`), as opposed to
/// left at their defaults: what [`unused`] checks.
static GIVEN: OnceLock<Vec<String>> = OnceLock::new();

fn collect_given(matches: &clap::ArgMatches, given: &mut Vec<String>) {
    for id in matches.ids() {
        if matches.value_source(id.as_str()) == Some(clap::parser::ValueSource::CommandLine) {
            given.push(id.as_str().to_string());
        }
    }
    if let Some((_, sub)) = matches.subcommand() {
        collect_given(sub, given);
    }
}

/// Whether the argument `id` (a field's name, such as `batch_size`) was given on the command
/// line.
pub fn given(id: &str) -> bool {
    GIVEN.get().is_some_and(|g| g.iter().any(|i| i == id))
}

/// One flag a run may not use: its argument id, the flag as typed, whether this run uses it,
/// and why not when it does not (what it would need).
pub type Use<'a> = (&'a str, &'a str, bool, &'a str);

/// Refuses, as a usage error before any work, the first flag given on the command line that
/// the run will not use: a flag silently ignored is a question silently unanswered.
pub fn refuse_unused(uses: &[Use<'_>]) -> anyhow::Result<()> {
    match uses.iter().find(|(id, _, used, _)| !used && given(id)) {
        Some((_, flag, _, why)) => Err(usage(format!("{flag} is not used here: {why}"))),
        None => Ok(()),
    }
}

/// A usage error found after parsing (flags that contradict each other): exit code 2.
pub fn usage(message: impl Into<String>) -> anyhow::Error {
    crate::Error::Usage(message.into()).into()
}

/// clap's own outcome: help and version on stdout (exit 0), a usage error as one line (exit 2).
fn clap_exit(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = e.print();
        return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
    }
    say(&one_line(&usage_text(&e.render().to_string())));
    ExitCode::from(2)
}

/// clap's error message up to its usage block.
fn usage_text(rendered: &str) -> String {
    rendered
        .lines()
        .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A message folded onto one line: its lines trimmed and joined with `; `, or with a space
/// after a line that ends in a colon (clap's "were not provided:" and its list).
fn one_line(text: &str) -> String {
    let mut line = String::new();
    for part in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if !line.is_empty() {
            line.push_str(if line.ends_with(':') { " " } else { "; " });
        }
        line.push_str(part);
    }
    line
}

/// Writes a line to stderr. A closed stderr (`2>&1 | head -1`) drops it quietly, as a closed
/// stdout does, instead of panicking as `eprintln!` would.
pub fn say(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{}", printable(line));
}

/// `text` with its control characters escaped (`\u{0}`, `\u{1b}`): a NUL or an escape
/// sequence quoted from a data file or a flag must not reach the terminal raw.
fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    // Controls, and the marks that reorder text on screen (a right-to-left override).
    let hidden = |c: char| {
        c.is_control()
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(hidden) {
        return text.into();
    }
    text.chars()
        .map(|c| match c {
            c if hidden(c) => c.escape_unicode().to_string(),
            c => c.to_string(),
        })
        .collect::<String>()
        .into()
}

/// A flag's value that must be a finite number.
pub fn finite(text: &str) -> Result<f64, String> {
    parse_finite(text).map_err(|e| e.to_string())
}

/// `X,Y` of a `--point`.
pub fn point(text: &str) -> Result<(f64, f64), String> {
    let expected = "expected X,Y (e.g. --point -3,3)";
    let Some((xs, ys)) = text.split_once(',') else {
        return Err(expected.into());
    };
    let number =
        |s: &str, name: &str| parse_finite(s).map_err(|e| format!("{name} {e}; {expected}"));
    Ok((number(xs, "X")?, number(ys, "Y")?))
}

/// A flag's value that must be a finite number > 0 (a learning rate, a distance).
pub fn positive(text: &str) -> Result<f64, String> {
    match finite(text)? {
        v if v > 0.0 => Ok(v),
        v => Err(format!("{v} is not > 0")),
    }
}

/// A flag's value that must be a whole number in `min..=max` (a count, a size, a seed), as a
/// value parser: digits or a whole number in exponent form (`1e6`), and a negative or
/// fractional value explained rather than misread.
pub fn whole(min: u64, max: u64) -> impl Fn(&str) -> Result<u64, String> + Clone + Send + Sync {
    move |text: &str| {
        let t = text.trim();
        let out_of_range = || match max {
            u64::MAX => format!("{t} is not ≥ {min}"),
            _ => format!("{t} is not in {min}..={max}"),
        };
        let v = match t.parse::<u64>() {
            Ok(v) => v,
            // Digits, past what a u64 holds.
            Err(_) if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) => {
                return Err(format!("{t} is more than {max}"))
            }
            Err(_) => {
                let v = finite(t)?;
                if v.fract() != 0.0 {
                    return Err(format!("{t} is not a whole number"));
                }
                // Past 2⁵³ an exponent form may stand for a neighbour of the number typed.
                if v.abs() >= 9_007_199_254_740_992.0 {
                    return Err(format!(
                        "{t} is too large to read exactly in exponent form: give its digits"
                    ));
                }
                // 2⁶⁴ and beyond, or below 0: out of any range a u64 holds.
                if !(0.0..18_446_744_073_709_551_616.0).contains(&v) {
                    return Err(out_of_range());
                }
                v as u64
            }
        };
        if v < min || v > max {
            return Err(out_of_range());
        }
        Ok(v)
    }
}

/// Refuses a flag's number that `dtype` cannot hold, as a usage error: in f32 a weight decay
/// of 1e40 is infinite and a rate of 1e-50 is zero (or subnormal), so no step or bound is true.
pub fn held(flag: &str, value: f64, dtype: candle_core::DType) -> anyhow::Result<()> {
    if dtype == candle_core::DType::F32 && !crate::number::f32_holds(value) {
        return Err(usage(format!(
            "{flag} {} is beyond what f32 holds (normal numbers from 1.2e-38 to 3.4e38): use \
             --dtype f64",
            crate::number::human(value)
        )));
    }
    Ok(())
}

/// Momentum μ, in [0, 1): at μ ≥ 1 the velocity never decays, so no learning rate converges.
pub fn momentum(text: &str) -> Result<f64, String> {
    match non_negative(text)? {
        v if v < 1.0 => Ok(v),
        v => Err(format!(
            "{v} is not below 1: with μ ≥ 1 the velocity never decays, so no learning rate \
             is stable; give μ in [0, 1), e.g. 0.9"
        )),
    }
}

/// A flag's value that must be a finite number ≥ 0 (a noise level, a spread).
pub fn non_negative(text: &str) -> Result<f64, String> {
    match finite(text)? {
        v if v >= 0.0 => Ok(v),
        v => Err(format!("{v} is negative; give a number ≥ 0")),
    }
}

/// A share, in [0, 1].
pub fn fraction(text: &str) -> Result<f64, String> {
    match finite(text)? {
        v if (0.0..=1.0).contains(&v) => Ok(v),
        v => Err(format!("{v} is not a share; give a number from 0 to 1")),
    }
}

/// An animation of a training run, for the commands that train.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct AnimateArgs {
    /// Also write an animation of the run to this GIF: the path growing over the landscape,
    /// the loss per epoch, and the data with the current line (a classifier: its boundary
    /// moving over the data, the loss and the accuracy).
    #[arg(long, value_name = "FILE.gif")]
    pub animate: Option<crate::plot::GifPath>,
    /// Frames of the animation, the path thinned evenly between them (first and last kept); a
    /// classifier's: epochs spread evenly, at most one an epoch.
    #[arg(long, default_value_t = crate::plot::FRAMES, allow_hyphen_values = true, value_parser = whole(2, 1000))]
    pub frames: u64,
    /// Frames a second; the last frame is held a second longer.
    #[arg(long, default_value_t = crate::plot::FPS, allow_hyphen_values = true, value_parser = whole(1, 50))]
    pub fps: u64,
}

impl AnimateArgs {
    /// `--frames` and `--fps` shape the animation: unused without `--animate`.
    pub fn uses(&self) -> [Use<'static>; 2] {
        let why = "it shapes the animation; give --animate FILE.gif";
        let on = self.animate.is_some();
        [("frames", "--frames", on, why), ("fps", "--fps", on, why)]
    }

    /// The animation as an output, to check before any work.
    pub fn output(&self) -> Option<(&'static str, &Path)> {
        self.animate.as_ref().map(|g| ("--animate", g.as_path()))
    }

    /// The frames to keep of a run: `--frames` when animating, else none.
    pub fn frames(&self) -> usize {
        match self.animate {
            Some(_) => self.frames as usize,
            None => 0,
        }
    }

    /// Writes the animation of `figure` (the whole run), beside the data `points` for the
    /// line, if one was asked for, and returns where. The figure is made only then: under a
    /// loss without moments its landscape is many passes over the data.
    pub fn write(
        &self,
        figure: impl FnOnce() -> crate::plot::TrainFigure,
        points: Option<&[(f64, f64)]>,
    ) -> crate::Result<Option<&Path>> {
        if self.animate.is_none() {
            return Ok(None);
        }
        let figure = &figure();
        let count = self.frames as usize;
        self.write_frames(count, |k| crate::plot::Frame::of(figure, points, k, count))
    }

    /// Writes the `count` frames `frame(k)` as the animation, if one was asked for, and returns
    /// where.
    pub fn write_frames<F: crate::plot::Figure + Send>(
        &self,
        count: usize,
        frame: impl Fn(usize) -> F + Sync,
    ) -> crate::Result<Option<&Path>> {
        let Some(path) = &self.animate else {
            return Ok(None);
        };
        crate::plot::save_gif(count, self.fps as u32, frame, path.as_path())?;
        Ok(Some(path.as_path()))
    }
}

/// `--loss` and the parameters of the losses, for the commands and examples that fit the line.
#[derive(clap::Args, Clone, Default)]
pub struct LossArgs {
    /// The loss: mse (the lesson's), l1, huber, smooth-l1, or bce-logits (y holds labels or
    /// probabilities in [0, 1]). See docs/losses.md.
    #[arg(long, value_name = "NAME", default_value = "mse", value_parser = loss_name)]
    pub loss: LossName,
    /// huber: where the square turns into a line, δ > 0 (PyTorch's default 1).
    #[arg(long, value_name = "D", allow_hyphen_values = true, value_parser = finite)]
    pub delta: Option<f64>,
    /// smooth-l1: the width of the square's zone, β ≥ 0 (default 1; 0 is l1).
    #[arg(long, value_name = "B", allow_hyphen_values = true, value_parser = finite)]
    pub beta: Option<f64>,
    /// bce-logits: the weight of positive examples, ≥ 0 (default 1).
    #[arg(long, value_name = "P", allow_hyphen_values = true, value_parser = finite)]
    pub pos_weight: Option<f64>,
}

/// A loss's name as typed, any of the registered ones (a line refuses those it cannot take in
/// [`LossArgs::loss`], with the reason).
fn loss_name(text: &str) -> std::result::Result<LossName, String> {
    LossName::parse(text).ok_or_else(|| {
        let names: Vec<&str> = LossName::ALL.iter().map(|l| l.name()).collect();
        format!("unknown loss '{text}': one of {}", names.join(", "))
    })
}

/// An activation's name as typed.
pub fn activation(text: &str) -> std::result::Result<model::Activation, String> {
    model::Activation::ALL
        .into_iter()
        .find(|a| a.name() == text)
        .ok_or_else(|| format!("unknown activation '{text}': one of tanh, relu, sigmoid"))
}

impl LossArgs {
    /// The loss `name` for a classifier (bce-logits, bce, cross-entropy), checked before any
    /// work as [`LossArgs::loss`] checks the line's.
    pub fn for_classes(
        &self,
        name: LossName,
        dtype: candle_core::DType,
    ) -> anyhow::Result<AnyLoss> {
        let why = "it is a regression loss's";
        refuse_unused(&[
            ("delta", "--delta", false, why),
            ("beta", "--beta", false, why),
            (
                "pos_weight",
                "--pos-weight",
                name == LossName::BceLogits,
                "it is bce-logits' weight of positives (--loss bce-logits)",
            ),
        ])?;
        let params = Params {
            pos_weight: self.pos_weight,
            ..Params::default()
        };
        loss_with(name, &params, dtype)
    }

    /// The loss for the line, checked before any work: its parameters in range, none given
    /// that it does not take, and a loss that fits one output.
    pub fn loss(&self, dtype: candle_core::DType) -> anyhow::Result<AnyLoss> {
        let name = self.loss;
        match name {
            LossName::Bce => {
                return Err(usage(
                    "--loss bce takes probabilities, and the model's output (the line's, the \
                     MLP's) is not one: use --loss bce-logits, which reads it as a logit",
                ))
            }
            LossName::CrossEntropy => {
                return Err(usage(
                    "--loss cross-entropy takes one logit per class, and the models here have \
                     one output: use --loss bce-logits for two classes",
                ))
            }
            _ => {}
        }
        let flags = [
            ("delta", Param::Delta),
            ("beta", Param::Beta),
            ("pos_weight", Param::PosWeight),
        ];
        let uses: Vec<Use<'static>> = flags
            .iter()
            .map(|&(id, param)| {
                (
                    id,
                    param_flag(param),
                    name.uses().contains(&param),
                    match param {
                        Param::Delta => "it is huber's δ (--loss huber)",
                        Param::Beta => "it is smooth-l1's β (--loss smooth-l1)",
                        _ => "it is bce-logits' weight of positives (--loss bce-logits)",
                    },
                )
            })
            .collect();
        refuse_unused(&uses)?;
        let params = Params {
            delta: self.delta,
            beta: self.beta,
            pos_weight: self.pos_weight,
            label_smoothing: None,
        };
        loss_with(name, &params, dtype)
    }
}

/// The loss `name` with `params`, a parameter out of range worded as its flag, and one that the
/// run's `dtype` cannot hold (or, for β, whose reciprocal it cannot) refused as such.
pub fn loss_with(
    name: LossName,
    params: &Params,
    dtype: candle_core::DType,
) -> anyhow::Result<AnyLoss> {
    let normal = |v: f64| match dtype {
        candle_core::DType::F32 => (v as f32).is_normal(),
        _ => v.is_normal(),
    };
    for (param, value) in [
        (Param::Delta, params.delta),
        (Param::Beta, params.beta),
        (Param::PosWeight, params.pos_weight),
    ] {
        let flag = param_flag(param);
        if let Some(v) = value.filter(|v| *v > 0.0 && v.is_finite()) {
            held(flag, v, dtype)?;
            let reciprocal = param == Param::Beta && !normal(1.0 / v);
            if !normal(v) || reciprocal {
                return Err(usage(format!(
                    "{flag} {} is beyond what {} holds{}: give a value nearer 1",
                    crate::number::human(v),
                    dtype.as_str(),
                    if reciprocal { " as 1/β" } else { "" }
                )));
            }
        }
    }
    name.with(params).map_err(|e| {
        usage(format!(
            "{} must be {}, got {}",
            param_flag(e.param),
            e.range,
            e.value
        ))
    })
}

/// The flag that sets an optimizer's setting.
pub fn hyper_flag(hyper: crate::optim::Hyper) -> &'static str {
    use crate::optim::Hyper;
    match hyper {
        Hyper::Momentum => "--momentum",
        Hyper::Betas => "--betas",
        Hyper::Eps => "--eps",
        Hyper::WeightDecay => "--weight-decay",
    }
}

/// The flag that sets a loss's parameter: the library names it as PyTorch does (`pos_weight`),
/// the command line as a flag.
fn param_flag(param: Param) -> &'static str {
    match param {
        Param::Delta => "--delta",
        Param::Beta => "--beta",
        Param::PosWeight => "--pos-weight",
        Param::LabelSmoothing => "--label-smoothing",
    }
}

/// A learning-rate schedule, for the commands that train: PyTorch's `lr_scheduler`s, each
/// argument a flag in kebab-case with PyTorch's default.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ScheduleArgs {
    /// The learning rate's schedule (PyTorch's lr_scheduler), from --lr: step (StepLR),
    /// multistep, exponential, cosine (CosineAnnealingLR), linear (LinearLR), onecycle
    /// (OneCycleLR, --lr its max_lr; it cycles momentum or β1 0.95→0.85→0.95), plateau
    /// (ReduceLROnPlateau, on each epoch's loss: train's validation loss when it has one).
    /// Each steps once an epoch, onecycle every update (--schedule-per). Default: constant.
    #[arg(long, value_enum, value_name = "NAME")]
    pub schedule: Option<crate::schedule::Kind>,
    /// step: multiply the rate by --gamma every this many epochs (StepLR's step_size).
    #[arg(long, default_value_t = 10, allow_hyphen_values = true, value_parser = whole(1, u64::MAX))]
    pub step_size: u64,
    /// step, multistep, exponential: the factor the rate is multiplied by (> 0; exponential
    /// has no default, as PyTorch's ExponentialLR).
    #[arg(long, default_value_t = 0.1, allow_hyphen_values = true, value_parser = positive)]
    pub gamma: f64,
    /// multistep: the epochs at which the rate is multiplied by --gamma, increasing (e.g.
    /// 30,80).
    #[arg(long, value_name = "E1,E2,…", allow_hyphen_values = true, value_parser = milestones)]
    pub milestones: Option<Milestones>,
    /// cosine: the steps of the half cosine. Default: the run's (after any --warmup).
    #[arg(long, allow_hyphen_values = true, value_parser = whole(1, u64::MAX))]
    pub t_max: Option<u64>,
    /// cosine: the rate at the bottom of the cosine.
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true, value_parser = non_negative)]
    pub eta_min: f64,
    /// linear, and --warmup (both read it): the rate's first factor, in (0, 1].
    #[arg(long, default_value_t = 1.0 / 3.0, allow_hyphen_values = true, value_parser = start_factor)]
    pub start_factor: f64,
    /// linear: the rate's last factor, in [0, 1].
    #[arg(long, default_value_t = 1.0, allow_hyphen_values = true, value_parser = fraction)]
    pub end_factor: f64,
    /// linear: the steps from --start-factor to --end-factor.
    #[arg(long, default_value_t = 5, allow_hyphen_values = true, value_parser = whole(1, u64::MAX))]
    pub total_iters: u64,
    /// onecycle: the share of the run spent rising to --lr, in (0, 1).
    #[arg(long, default_value_t = 0.3, allow_hyphen_values = true, value_parser = open_fraction)]
    pub pct_start: f64,
    /// onecycle: the first rate is --lr divided by this.
    #[arg(long, default_value_t = 25.0, allow_hyphen_values = true, value_parser = positive)]
    pub div_factor: f64,
    /// onecycle: the last rate is the first divided by this.
    #[arg(long, default_value_t = 1e4, allow_hyphen_values = true, value_parser = positive)]
    pub final_div_factor: f64,
    /// plateau: the factor the rate is multiplied by when the loss stalls, in (0, 1).
    #[arg(long, default_value_t = 0.1, allow_hyphen_values = true, value_parser = open_fraction)]
    pub factor: f64,
    /// plateau: epochs without improvement before the rate falls.
    #[arg(long, default_value_t = 10, allow_hyphen_values = true, value_parser = whole(0, u64::MAX))]
    pub patience: u64,
    /// plateau: the relative fall that counts as an improvement.
    #[arg(long, default_value_t = 1e-4, allow_hyphen_values = true, value_parser = non_negative)]
    pub threshold: f64,
    /// plateau: epochs to wait after a fall before watching again.
    #[arg(long, default_value_t = 0, allow_hyphen_values = true, value_parser = whole(0, u64::MAX))]
    pub cooldown: u64,
    /// plateau: the rate never falls below this.
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true, value_parser = non_negative)]
    pub min_lr: f64,
    /// A linear warm-up of this many steps in front of the schedule, from --start-factor × --lr
    /// (PyTorch's SequentialLR of LinearLR then the schedule).
    #[arg(long, default_value_t = 0, allow_hyphen_values = true, value_parser = whole(0, u64::MAX))]
    pub warmup: u64,
    /// When the schedule steps: every epoch (the default, but for onecycle), or every update
    /// (a mini-batch's; onecycle's default).
    #[arg(long, value_enum)]
    pub schedule_per: Option<crate::schedule::Per>,
}

/// `--milestones`: increasing epochs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Milestones(pub Vec<u64>);

fn milestones(text: &str) -> Result<Milestones, String> {
    let parse = whole(1, u64::MAX);
    let values = text
        .split(',')
        .map(parse)
        .collect::<Result<Vec<u64>, String>>()?;
    if let Some(w) = values.windows(2).find(|w| w[1] <= w[0]) {
        return Err(format!(
            "{} does not come after {}: give the milestones in increasing order",
            w[1], w[0]
        ));
    }
    Ok(Milestones(values))
}

/// A share strictly between 0 and 1.
pub fn open_fraction(text: &str) -> Result<f64, String> {
    match finite(text)? {
        v if v > 0.0 && v < 1.0 => Ok(v),
        v => Err(format!(
            "{v} is not in (0, 1); give a number between 0 and 1"
        )),
    }
}

fn start_factor(text: &str) -> Result<f64, String> {
    match finite(text)? {
        v if v > 0.0 && v <= 1.0 => Ok(v),
        v => Err(format!(
            "{v} is not in (0, 1]; give a factor above 0, at most 1"
        )),
    }
}

impl ScheduleArgs {
    /// The schedule's flags for a run of the schedules `kinds` (a race's lanes may each have
    /// their own): each used by the schedules that take it (`--start-factor` by a warm-up too);
    /// `--schedule-per` by any schedule but the constant one.
    pub fn uses(&self, kinds: &[crate::schedule::Kind]) -> Vec<Use<'static>> {
        let kind = kinds.first().copied().unwrap_or_default();
        let takes = |id: &str| kinds.iter().any(|k| k.takes().contains(&id));
        let flags: [(&str, &str); 16] = [
            ("step_size", "--step-size"),
            ("gamma", "--gamma"),
            ("milestones", "--milestones"),
            ("t_max", "--t-max"),
            ("eta_min", "--eta-min"),
            ("start_factor", "--start-factor"),
            ("end_factor", "--end-factor"),
            ("total_iters", "--total-iters"),
            ("pct_start", "--pct-start"),
            ("div_factor", "--div-factor"),
            ("final_div_factor", "--final-div-factor"),
            ("factor", "--factor"),
            ("patience", "--patience"),
            ("threshold", "--threshold"),
            ("cooldown", "--cooldown"),
            ("min_lr", "--min-lr"),
        ];
        let why = SCHEDULE_FLAGS
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or("", |(_, why)| why);
        let mut uses: Vec<Use<'static>> = flags
            .into_iter()
            .map(|(id, flag)| {
                let used = takes(id) || (id == "start_factor" && self.warmup > 0);
                (id, flag, used, why)
            })
            .collect();
        let constant = "the rate is constant; give --schedule";
        uses.push(("warmup", "--warmup", true, constant));
        uses.push((
            "schedule_per",
            "--schedule-per",
            kinds.iter().any(|&k| k != crate::schedule::Kind::Constant) || self.warmup > 0,
            constant,
        ));
        uses
    }

    /// The schedule asked for over a run of `epochs` epochs, its warm-up and steps checked (a
    /// usage error before any work).
    pub fn plan(&self, epochs: u64) -> anyhow::Result<crate::schedule::Plan> {
        let kind = self.schedule.unwrap_or_default();
        Ok(self.plans(&[kind], epochs)?.remove(0))
    }

    /// The schedule of each of `kinds` with these flags (a race's lanes), checked as
    /// [`ScheduleArgs::plan`].
    pub fn plans(
        &self,
        kinds: &[crate::schedule::Kind],
        epochs: u64,
    ) -> anyhow::Result<Vec<crate::schedule::Plan>> {
        refuse_unused(&self.uses(kinds))?;
        kinds
            .iter()
            .map(|&kind| self.plan_of(kind, epochs))
            .collect()
    }

    fn plan_of(
        &self,
        kind: crate::schedule::Kind,
        epochs: u64,
    ) -> anyhow::Result<crate::schedule::Plan> {
        use crate::schedule::{Kind, Per};
        let params = crate::schedule::Params {
            step_size: self.step_size,
            gamma: self.gamma,
            milestones: self.milestones.clone().map(|m| m.0).unwrap_or_default(),
            t_max: self.t_max,
            eta_min: self.eta_min,
            start_factor: self.start_factor,
            end_factor: self.end_factor,
            total_iters: self.total_iters,
            pct_start: self.pct_start,
            div_factor: self.div_factor,
            final_div_factor: self.final_div_factor,
            factor: self.factor,
            patience: self.patience,
            threshold: self.threshold,
            cooldown: self.cooldown,
            min_lr: self.min_lr,
        };
        let plan = crate::schedule::Plan {
            kind,
            params,
            warmup: self.warmup,
            per: self.schedule_per,
        };
        if plan.kind == Kind::Multistep && self.milestones.is_none() {
            return Err(usage(
                "--schedule multistep needs --milestones E1,E2,… (the epochs where the rate falls)",
            ));
        }
        if plan.kind == Kind::Exponential && !given("gamma") {
            return Err(usage(
                "--schedule exponential needs --gamma, the factor an epoch (PyTorch's \
                 ExponentialLR has no default), e.g. --gamma 0.95",
            ));
        }
        // Steps a run never reaches, counted in epochs (a schedule stepped every update
        // counts updates, known once the data is read).
        if plan.per() == Per::Epoch && epochs > 0 {
            if plan.warmup >= epochs {
                return Err(usage(format!(
                    "--warmup {} is as long as the run (--epochs {epochs}): the schedule would \
                     never start",
                    plan.warmup
                )));
            }
            let milestones = &plan.params.milestones;
            if let Some(m) = milestones
                .iter()
                .find(|&&m| m > epochs && kind == Kind::Multistep)
            {
                return Err(usage(format!(
                    "--milestones: {m} is past the run's last epoch ({epochs}): the rate would \
                     never fall there"
                )));
            }
        }
        plan.check()?;
        Ok(plan)
    }
}

/// Why a schedule does not take a flag: what it takes.
const SCHEDULE_FLAGS: &[(crate::schedule::Kind, &str)] = &[
    (
        crate::schedule::Kind::Constant,
        "the rate is constant; give --schedule",
    ),
    (
        crate::schedule::Kind::Step,
        "the step schedule takes --step-size and --gamma",
    ),
    (
        crate::schedule::Kind::Multistep,
        "the multistep schedule takes --milestones and --gamma",
    ),
    (
        crate::schedule::Kind::Exponential,
        "the exponential schedule takes --gamma",
    ),
    (
        crate::schedule::Kind::Cosine,
        "the cosine schedule takes --t-max and --eta-min",
    ),
    (
        crate::schedule::Kind::Linear,
        "the linear schedule takes --start-factor, --end-factor and --total-iters",
    ),
    (
        crate::schedule::Kind::Onecycle,
        "the onecycle schedule takes --pct-start, --div-factor and --final-div-factor",
    ),
    (
        crate::schedule::Kind::Plateau,
        "the plateau schedule takes --factor, --patience, --threshold, --cooldown and --min-lr",
    ),
];

/// Validation and early stopping, for `train`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ValidationArgs {
    /// Hold out this share of the points, drawn from --seed (stratified by class when
    /// classifying), and report the loss on them every epoch: a column val_loss (and
    /// val_accuracy) and a second line on the figure, the best epoch marked.
    #[arg(long, value_name = "F", allow_hyphen_values = true, value_parser = open_fraction, conflicts_with = "val")]
    pub val_split: Option<f64>,
    /// Validate on the points of this file instead (the same columns as --data).
    #[arg(long, value_name = "FILE")]
    pub val: Option<PathBuf>,
    /// Stop when the validation loss has not improved for this many epochs; the best epoch's
    /// parameters are the ones reported and saved.
    #[arg(long, value_name = "PATIENCE", allow_hyphen_values = true, value_parser = whole(1, u64::MAX))]
    pub early_stop: Option<u64>,
    /// The least fall of the validation loss that counts as an improvement (--early-stop).
    #[arg(long, value_name = "D", allow_hyphen_values = true, value_parser = non_negative)]
    pub min_delta: Option<f64>,
    /// Draw each line of the figure's loss panel smoothed over its faded raw self:
    /// TensorBoard's debiased exponential moving average of this weight, in [0, 1) (0.6 is
    /// TensorBoard's default), for noisy mini-batch runs.
    #[arg(long, value_name = "W", allow_hyphen_values = true, value_parser = smoothing)]
    pub smooth: Option<f64>,
}

fn smoothing(text: &str) -> Result<f64, String> {
    match finite(text)? {
        v if (0.0..1.0).contains(&v) => Ok(v),
        v => Err(format!("{v} is not in [0, 1); give a weight such as 0.6")),
    }
}

impl ValidationArgs {
    /// The file `--val` reads, as an input no output may replace.
    pub fn input(&self) -> Option<(&'static str, &Path)> {
        self.val.as_deref().map(|p| ("--val", p))
    }

    /// Whether any validation data is asked for.
    pub fn validates(&self) -> bool {
        self.val_split.is_some() || self.val.is_some()
    }

    /// The course of a run: `schedule`, and early stopping when asked for (refused without
    /// validation data, `--min-delta` without `--early-stop`, and `--smooth` unless the run
    /// `draws` a figure).
    pub fn course(
        &self,
        schedule: crate::schedule::Plan,
        draws: bool,
    ) -> anyhow::Result<crate::train::Course> {
        if self.early_stop.is_some() && !self.validates() {
            return Err(usage(
                "--early-stop watches the validation loss: give --val-split F or --val FILE",
            ));
        }
        refuse_unused(&[
            (
                "min_delta",
                "--min-delta",
                self.early_stop.is_some(),
                "it tunes --early-stop",
            ),
            (
                "smooth",
                "--smooth",
                draws,
                "it smooths the lines of a .png or .svg figure; give --plot FILE.png",
            ),
        ])?;
        Ok(crate::train::Course {
            schedule,
            early_stop: self.early_stop.map(|p| crate::train::EarlyStop {
                patience: p as usize,
                min_delta: self.min_delta.unwrap_or(0.0),
            }),
        })
    }
}

/// How an `explore` command names the playground's data: `--data FILE` (or `--point -3,3`), and
/// the command that writes the file first (`explore gen …`) for a generated set.
#[cfg(feature = "serve")]
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DataFlags {
    pub flags: String,
    pub made_by: Option<String>,
}

#[cfg(feature = "serve")]
impl DataFlags {
    /// The lesson's one point.
    pub fn lesson() -> Self {
        DataFlags {
            flags: "--point -3,3".into(),
            made_by: None,
        }
    }

    /// A file named `name`, its columns `x` and `y` (named only when not the defaults).
    pub fn file(name: &str, x: &str, y: &str) -> Self {
        let mut flags = format!("--data {name}");
        if x != "x" {
            flags.push_str(&format!(" --x {x}"));
        }
        if y != "y" {
            flags.push_str(&format!(" --y {y}"));
        }
        DataFlags {
            flags,
            made_by: None,
        }
    }

    /// The generated set `gen`, written first by `explore gen`.
    pub fn generated(g: &crate::serve::view::GenView) -> Self {
        if crate::serve::classes::kind(&g.kind).is_some() {
            let mut made = format!(
                "explore gen --kind {} --n {} --seed {}",
                g.kind, g.n, g.seed
            );
            if let Some(noise) = g.noise {
                made.push_str(&format!(" --noise {}", number(noise)));
            }
            if let Some(c) = g.classes {
                made.push_str(&format!(" --classes {c}"));
            }
            made.push_str(" --out gen.csv");
            return DataFlags {
                flags: "--data gen.csv --x x1,x2 --y label".into(),
                made_by: Some(made),
            };
        }
        let kind = match g.kind.as_str() {
            "line" => String::new(),
            kind => format!("--kind {kind} "),
        };
        let mut made = format!(
            "explore gen {kind}--n {} --seed {} --slope {} --intercept {}",
            g.n,
            g.seed,
            number(g.slope),
            number(g.intercept)
        );
        if let Some(noise) = g.noise {
            made.push_str(&format!(" --noise {}", number(noise)));
        }
        if g.outliers > 0.0 {
            made.push_str(&format!(
                " --outliers {} --outlier-shift {}",
                number(g.outliers),
                crate::serve::view::OUTLIER_SHIFT
            ));
        }
        made.push_str(" --out gen.csv");
        DataFlags {
            flags: "--data gen.csv".into(),
            made_by: Some(made),
        }
    }
}

/// A number as the shortest text that reads back as it: `1e-30` rather than thirty zeros.
fn number(v: f64) -> String {
    match v.to_string() {
        text if text.len() > 12 => format!("{v:e}"),
        text => text,
    }
}

#[cfg(feature = "serve")]
/// The `explore` command that trains `view` at rate `lr` on `data` and draws it as a page
/// (`explore train` for the line, `explore landscape` for the MLP): the data's flags (`--data
/// FILE`), after the command that makes the file when there is one. What the playground
/// exports.
pub fn view_command(view: &crate::serve::view::View, lr: f64, data: &DataFlags) -> String {
    let (mlp, classifier) = (view.is_mlp(), view.classifies());
    let settings = crate::optim::Settings::new(
        crate::optim::Algorithm::ALL
            .iter()
            .copied()
            .find(|a| a.name() == view.optimizer)
            .unwrap_or(crate::optim::Algorithm::Sgd),
        lr,
    );
    // The MLP's regression is the landscape's; a classifier (an MLP too) is trained.
    let command = if mlp && !classifier {
        "landscape"
    } else {
        "train"
    };
    let mut cmd = match &data.made_by {
        Some(made) => format!("{made} && explore {command} {}", data.flags),
        None => format!("explore {command} {}", data.flags),
    };
    let mut flag = |text: String| {
        cmd.push(' ');
        cmd.push_str(&text);
    };
    if classifier && mlp {
        flag("--model mlp".into());
    }
    if mlp {
        let sizes: Vec<String> = view.hidden.iter().map(usize::to_string).collect();
        flag(format!("--hidden {}", sizes.join(",")));
        flag(format!("--activation {}", view.activation));
    }
    // A landscape of no epochs trains nothing, and refuses an optimizer's flags.
    let trains = !(mlp && !classifier && view.epochs == 0);
    // The landscape's default optimizer is Adam, the line's SGD: the MLP's is always said.
    if trains && (view.optimizer != "sgd" || (mlp && !classifier)) {
        flag(format!("--optimizer {}", view.optimizer));
    }
    let uses = settings.kind.uses();
    let default = crate::optim::Settings::new(settings.kind, lr);
    if trains {
        flag(format!("--lr {}", number(settings.lr)));
        if uses.contains(&crate::optim::Hyper::Momentum) && view.momentum != default.momentum {
            flag(format!("--momentum {}", number(view.momentum)));
        }
        if uses.contains(&crate::optim::Hyper::Betas) && (view.beta1, view.beta2) != default.betas {
            flag(format!(
                "--betas {},{}",
                number(view.beta1),
                number(view.beta2)
            ));
        }
        if let Some(wd) = view.weight_decay {
            flag(format!("--weight-decay {}", number(wd)));
        }
    }
    if view.loss != "mse" {
        flag(format!("--loss {}", view.loss));
    }
    if let Some(share) = view.val_split {
        flag(format!("--val-split {}", number(share)));
    }
    if let Some(d) = view.delta {
        flag(format!("--delta {}", number(d)));
    }
    if let Some(b) = view.beta {
        flag(format!("--beta {}", number(b)));
    }
    if let Some(b) = view.batch_size {
        flag(format!("--batch-size {b}"));
        if !view.shuffle {
            flag("--no-shuffle".into());
        }
    }
    flag(format!("--epochs {}", view.epochs));
    if mlp && !classifier {
        flag(format!("--steps {}", view.grid));
    }
    // The seed draws an MLP's start, the shuffle of mini-batches and the validation points.
    let seeded = mlp || (view.batch_size.is_some() && view.shuffle) || view.val_split.is_some();
    if seeded && view.seed != crate::train::SEED {
        flag(format!("--seed {}", view.seed));
    }
    if view.weight != 0.0 {
        flag(format!("--init-weight {}", number(view.weight)));
    }
    if view.pinned() && !mlp {
        flag("--no-bias".into());
    } else if view.bias != 0.0 {
        flag(format!("--init-bias {}", number(view.bias)));
    }
    if view.standardize {
        flag("--standardize".into());
    }
    if view.schedule != "constant" {
        flag(format!("--schedule {}", view.schedule));
        match view.schedule.as_str() {
            "step" => flag(format!(
                "--step-size {} --gamma {}",
                view.step_size,
                number(view.gamma)
            )),
            "exponential" => flag(format!("--gamma {}", number(view.gamma))),
            "multistep" => {
                let at: Vec<String> = view.milestones.iter().map(u64::to_string).collect();
                flag(format!(
                    "--milestones {} --gamma {}",
                    at.join(","),
                    number(view.gamma)
                ));
            }
            "plateau" => flag(format!(
                "--factor {} --patience {}",
                number(view.factor),
                view.patience
            )),
            "cosine" => {
                if let Some(t) = view.t_max {
                    flag(format!("--t-max {t}"));
                }
            }
            _ => {}
        }
    }
    // A warm-up goes before any schedule, the constant rate's too.
    if view.warmup > 0 {
        flag(format!("--warmup {}", view.warmup));
    }
    flag("--plot run.html".into());
    cmd
}
