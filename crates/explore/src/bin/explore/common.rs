//! What the evaluating commands share: where the points come from (`--data` or `--point`), and
//! the device, precision, output format and plot flags.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;
use candle_core::{DType, Device};
use explore::cli::{finite, non_negative, positive, say, usage, Use};
use explore::data::{self, Dataset, Load};
use explore::device::{self, DTypeChoice, DeviceChoice};
use explore::io::{stdout_error, Stdout};
use explore::optim::{Algorithm, Hyper, Settings};
use explore::plot::{self, Figure, Page, PlotPath};
use explore::progress::Progress;
use explore::report::{Format, Report, RunInfo, Sink};
use loss::AnyLoss;

/// Where the points come from: a data file or `--point` flags, exactly one of them.
#[derive(clap::Args, Clone, Default)]
pub struct DataArgs {
    /// The data, by extension: a CSV whose header names the x and y columns (fields separated
    /// by commas, tabs for .tsv, or semicolons; `-` reads standard input); a NumPy .npy of
    /// shape (N, 2), column 0 x and column 1 y; a .npz with arrays named by --x and --y; a
    /// .parquet file with columns named by --x and --y. Several features (--x a,b) and labels
    /// are read from CSV or TSV.
    #[arg(
        long,
        value_name = "FILE|-",
        conflicts_with = "points",
        required_unless_present = "points"
    )]
    pub data: Option<PathBuf>,
    /// A point X,Y; repeat for more points (e.g. --point -3,3 --point 1,2).
    #[arg(long = "point", value_name = "X,Y", allow_hyphen_values = true, value_parser = explore::cli::point)]
    pub points: Vec<(f64, f64)>,
    /// The name of the x column (or .npz array) in --data, any case; several, comma separated,
    /// for the plane or a classifier (--x a,b,c).
    #[arg(
        long = "x",
        value_name = "NAME",
        default_value = "x",
        allow_hyphen_values = true
    )]
    pub x_column: String,
    /// The name of the y column (or .npz array) in --data, any case; a classifier's labels
    /// default to `label`.
    #[arg(
        long = "y",
        value_name = "NAME",
        default_value = "y",
        allow_hyphen_values = true
    )]
    pub y_column: String,
    /// The field separator of --data: `,` `;` `|` or `tab`. Default: tab for .tsv, else
    /// whichever of comma, tab and semicolon the header has most of.
    #[arg(long, value_name = "C", allow_hyphen_values = true, value_parser = parse_delimiter)]
    pub delimiter: Option<u8>,
}

pub fn parse_delimiter(text: &str) -> Result<u8, String> {
    match text {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        "comma" => Ok(b','),
        "semicolon" => Ok(b';'),
        // Punctuation that no number contains (not `-`, `+`, `.`), or a space.
        t if t.len() == 1
            && (t == " " || t.as_bytes()[0].is_ascii_punctuation())
            && !matches!(t, "\"" | "-" | "+" | ".") =>
        {
            Ok(t.as_bytes()[0])
        }
        _ => Err(format!(
            "`{}`: give one punctuation character such as , ; | (not one that numbers use: \
             - + .) or the word tab",
            text.escape_default()
        )),
    }
}

impl DataArgs {
    /// `--x`, `--y` and `--delimiter` read a data file: unused with `--point`.
    pub fn uses(&self) -> [Use<'static>; 3] {
        let why = "it reads --data FILE; the points come from --point";
        let file = self.data.is_some();
        [
            ("x_column", "--x", file, why),
            ("y_column", "--y", file, why),
            ("delimiter", "--delimiter", file, why),
        ]
    }

    pub fn load(&self, load: Load) -> Result<Dataset> {
        Ok(match &self.data {
            Some(path) => {
                if data::same_name(&self.x_column, &self.y_column) {
                    return Err(usage(format!(
                        "--x and --y both name the column `{}`: fitting a column against itself \
                         says nothing; give two different columns",
                        self.y_column
                    )));
                }
                let form = data::Form::of(path);
                if form != data::Form::Csv && self.delimiter.is_some() {
                    return Err(usage(format!(
                        "--delimiter is for CSV files; {} is read by its own format",
                        path.display()
                    )));
                }
                let named = explore::cli::given("x_column") || explore::cli::given("y_column");
                if form == data::Form::Npy && named {
                    return Err(usage(
                        "--x and --y name the columns of a CSV or Parquet file or the arrays of \
                         a .npz; a .npy is (N, 2): column 0 is x, column 1 is y",
                    ));
                }
                let columns = data::Columns {
                    x: self.x_column.clone(),
                    y: self.y_column.clone(),
                    delimiter: self.delimiter,
                };
                data::read(path, &columns, load)?
            }
            None => Dataset::from_points_as(&self.points, load)?,
        })
    }
}

/// Options every evaluating command shares.
#[derive(clap::Args, Clone, Default)]
pub struct Common {
    /// Where to compute: auto picks CUDA when built with `--features cuda` and a GPU answers.
    #[arg(long, value_enum, default_value_t)]
    pub device: DeviceChoice,
    /// Floating-point type of the tensors (statistics are always accumulated in f64).
    #[arg(long, value_enum, default_value_t)]
    pub dtype: DTypeChoice,
    /// Output on stdout: an aligned table, or CSV / JSON for other programs.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Also draw a plot to this file: .png or .svg, or .html for an interactive page (a 3-D
    /// surface and a heat map, the path with an epoch slider, the data with the current line;
    /// for a classifier the map and its boundary by epoch; one self-contained file that works
    /// offline).
    #[arg(long, value_name = "FILE.png|FILE.svg|FILE.html")]
    pub plot: Option<PlotPath>,
    /// No progress bar and no notes on stderr; errors are still printed.
    #[arg(long, short)]
    pub quiet: bool,
}

/// A command's data and device, opened once its flags are known to be good.
pub struct Run {
    pub data: Dataset,
    pub device: Device,
    pub dtype: DType,
    common: Common,
    /// The rows of a table of several columns read by the command itself ([`Run::for_table`]),
    /// where `data` holds no points.
    table_rows: Option<usize>,
}

/// Checks that `--plot` and `outputs` can be written and replace none of `inputs`, before any
/// long computation.
pub fn check_outputs(
    common: &Common,
    outputs: &[(&str, &Path)],
    inputs: &[(&str, &Path)],
) -> Result<()> {
    let plot = common.plot.as_ref().map(|p| ("--plot", p.as_path()));
    let outputs: Vec<(&str, &Path)> = plot.into_iter().chain(outputs.iter().copied()).collect();
    explore::io::check_outputs(&outputs, inputs)?;
    for (_, path) in &outputs {
        explore::io::check_writable(path)?;
    }
    Ok(())
}

/// The device the run asked for, said on stderr (and why another, if it fell back).
pub fn open_device(common: &Common) -> Result<Device> {
    let (device, fallback) = device::select_why(common.device)?;
    if !common.quiet {
        if let Some(why) = fallback {
            say(&format!("device: {why}"));
        }
        say(&format!("device: {}", device::name(&device)));
    }
    Ok(device)
}

/// `report` with its data (`source`, `n` points), device and precision (and `method`) for the
/// JSON, and where a table's left-out rows are.
pub fn annotate(
    report: Report,
    (source, n): (&str, usize),
    device: &Device,
    dtype: DType,
    method: Option<&'static str>,
) -> Report {
    report
        .run(RunInfo {
            data: source.to_string(),
            n,
            device: device::name(device),
            dtype: dtype.as_str(),
            method,
        })
        .elsewhere("--format csv or --format json has every one")
}

impl Run {
    /// Checks the outputs (the plot and `outputs`) can be written and replace no input (the data
    /// and `inputs`), before any long computation; then loads the data (its points only if
    /// `points`, else the moments alone) and opens the device.
    pub fn open(
        data: &DataArgs,
        common: &Common,
        outputs: &[(&str, &Path)],
        inputs: &[(&str, &Path)],
        points: bool,
    ) -> Result<Self> {
        let file = data.data.as_deref().map(|d| ("--data", d));
        let inputs: Vec<(&str, &Path)> = file.into_iter().chain(inputs.iter().copied()).collect();
        check_outputs(common, outputs, &inputs)?;
        let dtype = common.dtype.dtype();
        let data = data.load(if points {
            Load::Points(dtype)
        } else {
            Load::Moments(dtype)
        })?;
        Self::with(data, None, common)
    }

    /// [`Run::open`] for a command that reads a table of several columns itself: the outputs
    /// checked against `data`, the device opened; the table, once read, is named by
    /// [`Run::table`].
    pub fn for_table(data: &Path, common: &Common, outputs: &[(&str, &Path)]) -> Result<Self> {
        check_outputs(common, outputs, &[("--data", data)])?;
        Self::with(Dataset::from_points(&[]), Some(0), common)
    }

    /// The table read, `source` as "data/moons.csv (200 points)" names it, of `rows` rows.
    pub fn table(&mut self, source: &str, rows: usize) {
        self.data.source = source.to_string();
        self.table_rows = Some(rows);
    }

    fn with(data: Dataset, table_rows: Option<usize>, common: &Common) -> Result<Self> {
        Ok(Self {
            data,
            device: open_device(common)?,
            dtype: common.dtype.dtype(),
            common: common.clone(),
            table_rows,
        })
    }

    /// A note on stderr for people, silent with `--quiet`.
    pub fn note(&self, line: &str) {
        if !self.common.quiet {
            say(line);
        }
    }

    /// A progress bar for the work called `label`.
    pub fn progress(&self, label: &'static str) -> Progress {
        Progress::new(label, self.common.quiet)
    }

    /// `report` with the run's data, device and precision (and `method`) for the JSON, and
    /// where a table's left-out rows are.
    pub fn annotate(&self, report: Report, method: Option<&'static str>) -> Report {
        self.annotate_in(report, method, self.dtype)
    }

    /// [`Run::annotate`] for work done in `dtype` rather than the run's (the sharpness, always
    /// in f64).
    pub fn annotate_in(
        &self,
        report: Report,
        method: Option<&'static str>,
        dtype: DType,
    ) -> Report {
        let n = self.table_rows.unwrap_or(self.data.len());
        annotate(report, (&self.data.source, n), &self.device, dtype, method)
    }

    /// Prints `report` on stdout in the chosen format and, if a plot was asked for, draws
    /// `figure` (PNG, SVG) or `page` (HTML).
    pub fn finish<F: Figure>(
        &self,
        report: Report,
        figure: impl FnOnce() -> F,
        page: impl FnOnce() -> Page,
    ) -> Result<()> {
        let mut out = Stdout::new();
        report
            .write(&mut out, self.common.format)
            .and_then(|()| out.flush())
            .map_err(stdout_error)?;
        if report.beyond_f32() {
            say("warning: some values are beyond f32's range (±3.4e38) and show as inf; use --dtype f64");
        }
        self.draw(figure, page)
    }

    /// A sink for rows made one at a time (a training run), on `out`.
    pub fn sink<'a>(&self, out: &'a mut Stdout, columns: &[&'static str]) -> Result<Sink<'a>> {
        self.sink_labelled(out, None, columns)
    }

    /// As [`Run::sink`], with a first column `label` of texts (a race's optimizers).
    pub fn sink_labelled<'a>(
        &self,
        out: &'a mut Stdout,
        label: Option<&'static str>,
        columns: &[&'static str],
    ) -> Result<Sink<'a>> {
        Ok(Sink::labelled(
            out,
            self.common.format,
            label,
            columns.to_vec(),
            self.dtype,
        )?)
    }

    /// The output format on stdout.
    pub fn format(&self) -> Format {
        self.common.format
    }

    /// Draws `figure` (PNG, SVG) or `page` (HTML) if a plot was asked for.
    pub fn draw<F: Figure>(
        &self,
        figure: impl FnOnce() -> F,
        page: impl FnOnce() -> Page,
    ) -> Result<()> {
        if let Some(path) = &self.common.plot {
            plot::save_plot(path, figure, page)?;
            self.note(&format!("wrote plot: {}", path.as_path().display()));
        }
        Ok(())
    }
}

/// The optimizer and its settings, for `train` and `landscape`.
#[derive(clap::Args, Clone, Default)]
pub struct OptimArgs {
    /// The optimizer, with PyTorch's update rule and defaults [default: sgd for train, adam for
    /// landscape].
    #[arg(long, value_enum)]
    pub optimizer: Option<Algorithm>,
    /// Learning rate. Default for sgd, momentum and nesterov: 1/(2·λmax(H)), a quarter of plain
    /// gradient descent's largest stable rate for this data: each step halves the error along
    /// the stiffest direction, so the descent shows a few visible steps (1/λmax would land in
    /// one), while flatter directions creep, and it converges on any data. (A fixed rate such
    /// as the classic 0.01 sits at the edge of stability on data/linear.csv, λmax ≈ 194, and
    /// diverges on data with larger x.) For rmsprop and adagrad 0.01, for adam and adamw 0.001,
    /// as in PyTorch; `landscape` uses 0.01.
    #[arg(long, allow_hyphen_values = true, value_parser = positive)]
    pub lr: Option<f64>,
    #[command(flatten)]
    pub hyper: HyperArgs,
}

/// The optimizers' settings besides the learning rate, each used by those that have it.
#[derive(clap::Args, Clone, Default)]
pub struct HyperArgs {
    /// Momentum μ of momentum and nesterov [default: 0.9].
    #[arg(long, allow_hyphen_values = true, value_parser = explore::cli::momentum)]
    pub momentum: Option<f64>,
    /// Adam's and AdamW's running-average factors B1,B2, each in [0, 1) [default: 0.9,0.999].
    #[arg(long, value_name = "B1,B2", allow_hyphen_values = true, value_parser = parse_betas)]
    pub betas: Option<(f64, f64)>,
    /// The ε of rmsprop (default 1e-8), adagrad (1e-10), adam and adamw (1e-8).
    #[arg(long, allow_hyphen_values = true, value_parser = positive)]
    pub eps: Option<f64>,
    /// Weight decay: added to the gradient as wd·θ, or for adamw taken off θ directly
    /// [default: 0; adamw 0.01].
    #[arg(long, allow_hyphen_values = true, value_parser = non_negative)]
    pub weight_decay: Option<f64>,
}

fn parse_betas(text: &str) -> Result<(f64, f64), String> {
    let (b1, b2) = text
        .split_once(',')
        .ok_or_else(|| format!("`{text}`: expected B1,B2 (e.g. 0.9,0.999)"))?;
    let beta = |t: &str| match finite(t)? {
        b if (0.0..1.0).contains(&b) => Ok(b),
        b => Err(format!("{b} is not in [0, 1)")),
    };
    Ok((beta(b1)?, beta(b2)?))
}

impl HyperArgs {
    /// Refuses a setting (and `lr`) that the precision cannot hold, before any work: in f32 a
    /// weight decay of 1e40 is infinite and 1e-50 is zero, so no bound or step would be true.
    pub fn fit(&self, lr: Option<f64>, dtype: DType) -> Result<()> {
        let given = [
            ("--lr", lr),
            ("--eps", self.eps),
            ("--weight-decay", self.weight_decay),
        ];
        for (flag, value) in given {
            if let Some(v) = value {
                explore::cli::held(flag, v, dtype)?;
            }
        }
        Ok(())
    }

    /// Each setting is used when one of `kinds` takes it and `trains`; with `--epochs 0` only
    /// where a reported stable bound has it (momentum, weight decay of the bounded methods).
    pub fn uses(&self, kinds: &[Algorithm], trains: bool) -> Vec<Use<'static>> {
        let settings = [
            ("momentum", Hyper::Momentum),
            ("betas", Hyper::Betas),
            ("eps", Hyper::Eps),
            ("weight_decay", Hyper::WeightDecay),
        ];
        settings
            .into_iter()
            .map(|(id, hyper)| {
                let mut taking = kinds.iter().filter(|k| k.uses().contains(&hyper));
                let taken = taking.clone().next().is_some();
                let in_bound = matches!(hyper, Hyper::Momentum | Hyper::WeightDecay)
                    && taking.any(|&k| Settings::new(k, 1.0).stable_lr(1.0).is_some());
                let why = if !taken && kinds.len() > 1 {
                    "none of the optimizers given takes it"
                } else if !taken {
                    "the optimizer does not take it (see --help)"
                } else {
                    "--epochs 0 trains nothing, and no bound reported has it"
                };
                (
                    id,
                    explore::cli::hyper_flag(hyper),
                    taken && (trains || in_bound),
                    why,
                )
            })
            .collect()
    }

    /// `kind`'s settings at `lr` with the settings given here; with `strict`, a setting `kind`
    /// does not take is a usage error (for one optimizer; a race passes each what it takes).
    pub fn settings(&self, kind: Algorithm, lr: f64, strict: bool) -> Result<Settings> {
        let given = [
            (Hyper::Momentum, self.momentum.is_some()),
            (Hyper::Betas, self.betas.is_some()),
            (Hyper::Eps, self.eps.is_some()),
            (Hyper::WeightDecay, self.weight_decay.is_some()),
        ];
        let unused = given
            .iter()
            .find(|(h, given)| *given && !kind.uses().contains(h));
        if let (true, Some((hyper, _))) = (strict, unused) {
            let takes: Vec<&str> = kind
                .uses()
                .iter()
                .map(|h| explore::cli::hyper_flag(*h))
                .collect();
            return Err(usage(format!(
                "{} is not a setting of --optimizer {} (it takes --lr {})",
                explore::cli::hyper_flag(*hyper),
                kind.name(),
                takes.join(" ")
            )));
        }
        let uses = |h: Hyper| kind.uses().contains(&h);
        let mut settings = Settings::new(kind, lr);
        if uses(Hyper::Momentum) {
            settings.momentum = self.momentum.unwrap_or(settings.momentum);
        }
        if uses(Hyper::Betas) {
            settings.betas = self.betas.unwrap_or(settings.betas);
        }
        settings.eps = self.eps.filter(|_| uses(Hyper::Eps));
        settings.weight_decay = self.weight_decay.filter(|_| uses(Hyper::WeightDecay));
        Ok(settings)
    }
}

impl OptimArgs {
    /// The optimizer's flags are unused when nothing trains (`--epochs 0`).
    pub fn uses(&self, trains: bool) -> Vec<Use<'static>> {
        let why = "--epochs 0 trains nothing";
        let mut uses = vec![
            ("optimizer", "--optimizer", trains, why),
            ("lr", "--lr", trains, why),
        ];
        if !trains {
            uses.extend(self.hyper.uses(&[], false));
        }
        uses
    }

    /// The settings of the chosen optimizer (`default` if none was), refusing a setting it
    /// does not take; the learning rate, when not given, is left for the caller.
    pub fn settings(&self, default: Algorithm) -> Result<Settings> {
        let kind = self.optimizer.unwrap_or(default);
        self.hyper.settings(kind, self.lr.unwrap_or(0.0), true)
    }
}

/// How a grid of losses is drawn, for `surface` and `landscape`.
#[derive(clap::Args, Clone, Default)]
pub struct ViewArgs {
    /// The plot: a heat map with contours, a shaded 3-D surface (with the path on it), or for
    /// `landscape` the 1-D view along a line.
    #[arg(long, value_enum, default_value_t)]
    pub view: ViewKind,
    /// The 3-D view's AZIMUTH,ELEVATION in degrees.
    #[arg(long, value_name = "AZIMUTH,ELEVATION", default_value = "35,25", allow_hyphen_values = true, value_parser = parse_angle)]
    pub angle: (f64, f64),
}

/// A heat map or a 3-D surface.
#[derive(clap::ValueEnum, Clone, Copy, Default, Debug, PartialEq, Eq)]
pub enum ViewKind {
    /// A heat map with contour lines.
    #[default]
    Map,
    /// A shaded 3-D surface.
    #[value(name = "3d")]
    Solid,
    /// `landscape` only: the loss along the straight line from the initial to the trained
    /// parameters, t from −0.5 to 1.5, beside a random direction through the trained ones.
    Line,
}

impl ViewArgs {
    /// `--angle` turns the 3-D view: unused by the others.
    /// `--view` picks the plot (landscape's `line` is a computation of its own) and `--angle`
    /// turns the 3-D one: unused without `--plot`, `--angle` without `--view 3d`.
    pub fn uses(&self, plot: bool) -> [Use<'static>; 2] {
        let line = self.view == ViewKind::Line;
        [
            (
                "view",
                "--view",
                plot || line,
                "it picks how the plot is drawn; give --plot FILE",
            ),
            (
                "angle",
                "--angle",
                plot && self.view == ViewKind::Solid,
                if plot {
                    "it turns the 3-D view; give --view 3d"
                } else {
                    "it turns the 3-D plot; give --plot FILE and --view 3d"
                },
            ),
        ]
    }
}

fn parse_angle(text: &str) -> Result<(f64, f64), String> {
    let (a, e) = text
        .split_once(',')
        .ok_or_else(|| format!("`{text}`: expected AZIMUTH,ELEVATION in degrees (e.g. 35,25)"))?;
    let elevation = finite(e)?;
    if !(-90.0..=90.0).contains(&elevation) {
        return Err(format!("elevation {elevation} is not in [-90, 90]"));
    }
    Ok((finite(a)?, elevation))
}

/// The sweep method `method` resolves to under `loss`, refusing `--method moments` under a
/// loss other than MSE before any work.
pub fn method_for(
    method: explore::sweep::Method,
    loss: &AnyLoss,
) -> Result<explore::sweep::Method> {
    method.check(loss.which()).map_err(|_| {
        usage(format!(
            "--method moments gives MSE's loss only: with --loss {} use --method direct (or auto)",
            loss.name()
        ))
    })?;
    Ok(method.resolve(loss.which()))
}

/// The shape of an MLP, for the commands that build one.
#[derive(clap::Args, Clone)]
pub struct MlpArgs {
    /// Hidden layer sizes of the MLP, comma separated, each ≥ 1.
    #[arg(
        long,
        value_name = "SIZES",
        default_value = "16,16",
        value_delimiter = ',',
        allow_hyphen_values = true,
        value_parser = explore::cli::whole(1, u64::from(u32::MAX))
    )]
    pub hidden: Vec<u64>,
    /// The MLP's activation between layers: tanh, relu or sigmoid.
    #[arg(long, value_name = "NAME", default_value = "tanh", value_parser = explore::cli::activation)]
    pub activation: model::Activation,
}

impl MlpArgs {
    /// The hidden layers' sizes.
    pub fn sizes(&self) -> Vec<usize> {
        self.hidden.iter().map(|&h| h as usize).collect()
    }
}

/// The rows of `n` that train and those held out by `--val-split share`, at random from
/// `seed` (stratified by `labels` when classifying), said unless `quiet`; a split that would
/// leave either side empty is refused (the data at `at` has too few points).
pub fn split_rows(
    n: usize,
    share: f64,
    seed: u64,
    labels: Option<&[u32]>,
    (at, quiet): (&str, bool),
) -> Result<(Vec<usize>, Vec<usize>)> {
    let (train, val) =
        explore::train::split_both(n, share, seed, labels).map_err(|e| explore::Error::Data {
            at: at.to_string(),
            msg: e.to_string(),
        })?;
    if !quiet {
        say(&format!(
            "validating on {} of the {n} points, held out at random{} (--seed {seed})",
            val.len(),
            if labels.is_some() {
                " from each class"
            } else {
                ""
            }
        ));
    }
    Ok((train, val))
}
