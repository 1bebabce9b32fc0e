//! Plots that do not mislead: what a figure draws is where the numbers are. Each test renders a
//! figure (or runs a command that writes one) and checks its pixels or its data.

mod common;

use explore::plot::{render, Figure, Heatmap, LossHistory, Series, Track};

use common::ok;

/// An RGB image: its size and pixels.
struct Image {
    width: usize,
    height: usize,
    rgb: Vec<u8>,
}

impl Image {
    fn of(figure: &impl Figure) -> Self {
        let (w, h) = figure.size();
        Image {
            width: w as usize,
            height: h as usize,
            rgb: render(figure).expect("the figure draws"),
        }
    }

    fn read(path: &std::path::Path) -> Self {
        let decoder = png::Decoder::new(std::io::BufReader::new(
            std::fs::File::open(path).expect("the PNG opens"),
        ));
        let mut reader = decoder.read_info().expect("a PNG");
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).expect("a frame");
        assert_eq!(info.color_type, png::ColorType::Rgb);
        buf.truncate(info.buffer_size());
        Image {
            width: info.width as usize,
            height: info.height as usize,
            rgb: buf,
        }
    }

    fn at(&self, x: usize, y: usize) -> [u8; 3] {
        let i = 3 * (y * self.width + x);
        [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]
    }

    /// The pixels of exactly `colour` in the columns `xs` and rows `ys`.
    fn find(
        &self,
        colour: [u8; 3],
        xs: std::ops::Range<usize>,
        ys: std::ops::Range<usize>,
    ) -> Vec<(usize, usize)> {
        let mut found = Vec::new();
        for y in ys {
            for x in xs.clone() {
                if self.at(x, y) == colour {
                    found.push((x, y));
                }
            }
        }
        found
    }
}

/// The colours figures draw with (see `plot/mod.rs`).
const ORANGE: [u8; 3] = [255, 127, 14];
const RED: [u8; 3] = [227, 26, 28];
const MAGENTA: [u8; 3] = [255, 0, 255];
const GREEN: [u8; 3] = [44, 160, 44];

/// The race of the README and docs/optimizers.md: every loss is at least the closed-form optimum's, so no curve may be drawn
/// below its dashed line (beyond the half-width of the stroke). Plotters joined the thick loss
/// line with mitres at the sharp turns where a spike of Adam's loss fell back: the turn check
/// missed them when two points a few epochs apart fell on one pixel, and the mitre drew the
/// line 6 to 30 pixels past the point, below the optimum.
#[test]
fn the_race_draws_no_loss_below_the_optimum() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("race.png");
    ok(&[
        "race",
        "--data",
        "data/houses.csv",
        "--epochs",
        "20000",
        "--dtype",
        "f64",
        "--momentum",
        "0.9995",
        "--optimizers",
        "sgd,momentum=4.75e-7,adam=100",
        "--plot",
        png.to_str().unwrap(),
        "--quiet",
    ]);
    let image = Image::read(&png);
    // The loss panel: the right 600 pixels.
    let right = image.width - 600..image.width;
    let dashes = image.find(GREEN, right.clone(), 0..image.height);
    // The legend's sample of the dashed line is high up; the line itself is the lowest green.
    let optimum_row = dashes
        .iter()
        .map(|p| p.1)
        .max()
        .expect("the optimum is drawn");
    for (name, colour) in [("sgd", ORANGE), ("momentum", RED), ("adam", MAGENTA)] {
        let lowest = image
            .find(colour, right.clone(), 0..image.height)
            .iter()
            .map(|p| p.1)
            .max()
            .unwrap_or_else(|| panic!("{name}'s loss is drawn"));
        assert!(
            lowest <= optimum_row + 5,
            "{name}'s loss is drawn at row {lowest}, below the optimum's line at row {optimum_row}"
        );
    }
}

/// Three descents along the same points: each drawn wider than the next, so all three show.
#[test]
fn coinciding_tracks_and_losses_all_show() {
    let axis: Vec<f64> = (0..21).map(|i| -1.0 + 0.1 * i as f64).collect();
    let losses = axis
        .iter()
        .flat_map(|&w| axis.iter().map(move |&b| w * w + b * b))
        .collect();
    let path: Vec<(f64, f64)> = (0..50).map(|k| (-0.8 + 0.03 * k as f64, 0.0)).collect();
    let map = Heatmap {
        title: "three at once".into(),
        x_label: "A".into(),
        y_label: "b".into(),
        weights: axis.clone(),
        biases: axis,
        losses,
        tracks: ["one", "two", "three"]
            .iter()
            .map(|&l| Track::new(l, path.clone()))
            .collect(),
        ..Heatmap::default()
    };
    let image = Image::of(&map);
    // The middle third of the rows: the path, away from the legend.
    let rows = image.height / 3..2 * image.height / 3;
    for (name, colour) in [("one", ORANGE), ("two", RED), ("three", MAGENTA)] {
        let seen = image.find(colour, 0..image.width, rows.clone()).len();
        assert!(seen > 300, "track {name} shows in {seen} pixels");
    }
    // The losses of two runs that agree: both show.
    let run: Vec<(f64, f64)> = (0..100)
        .map(|e| (e as f64, 1.0 / (1.0 + e as f64)))
        .collect();
    let history = LossHistory {
        title: "two at once".into(),
        series: vec![
            Series {
                label: "a".into(),
                losses: run.clone(),
            },
            Series {
                label: "b".into(),
                losses: run,
            },
        ],
        ..LossHistory::default()
    };
    let image = Image::of(&history);
    let rows = image.height / 3..image.height;
    for (name, colour) in [("a", ORANGE), ("b", RED)] {
        let seen = image.find(colour, 0..image.width, rows.clone()).len();
        assert!(seen > 300, "loss {name} shows in {seen} pixels");
    }
}

/// The surface of `data/linear.csv` over `weights × biases` as the library computes it, read
/// back from the command's CSV with its optimum.
fn linear_map(weights: &[f64], biases: &[f64]) -> Heatmap {
    let losses = weights
        .iter()
        .flat_map(|&w| {
            biases
                .iter()
                .map(move |&b| (w - 1.08794) * (w - 1.08794) * 10.0 + (b + 0.07) * (b + 0.07))
        })
        .collect();
    Heatmap {
        title: "off the grid".into(),
        x_label: "weight A".into(),
        y_label: "bias b".into(),
        weights: weights.to_vec(),
        biases: biases.to_vec(),
        losses,
        optimum: Some((1.08794, -0.0701473, 9.2073)),
        ..Heatmap::default()
    }
}

/// The legend's box, `(x0, x1, y0, y1)`: where its grey border's long straight runs are (text
/// may have a stray pixel of the same grey).
fn any_legend_box(image: &Image) -> Option<(usize, usize, usize, usize)> {
    let grey = [180, 180, 180];
    let rows: Vec<usize> = (0..image.height)
        .filter(|&y| (0..image.width).filter(|&x| image.at(x, y) == grey).count() > 80)
        .collect();
    let columns: Vec<usize> = (0..image.width)
        .filter(|&x| {
            (0..image.height)
                .filter(|&y| image.at(x, y) == grey)
                .count()
                > 30
        })
        .collect();
    (!rows.is_empty() && !columns.is_empty()).then(|| {
        (
            columns[0],
            columns[columns.len() - 1],
            rows[0],
            rows[rows.len() - 1],
        )
    })
}

/// The legend's box, which must be there.
fn legend_box(image: &Image) -> (usize, usize, usize, usize) {
    any_legend_box(image).expect("a legend is drawn")
}

/// The pixels where two renderings differ.
fn differences(a: &Image, b: &Image) -> Vec<(usize, usize)> {
    assert_eq!((a.width, a.height), (b.width, b.height));
    let mut found = Vec::new();
    for y in 0..a.height {
        for x in 0..a.width {
            if a.at(x, y) != b.at(x, y) {
                found.push((x, y));
            }
        }
    }
    found
}

/// An optimum outside the drawn grid (`surface --weights 5:6:11 --biases 5:6:11`) is said to be
/// off the plot, in which direction, and is drawn nowhere as if it were on it: the heat map
/// points at it from its edge, the 3-D surface leaves it out (it was drawn above the title).
#[test]
fn an_optimum_off_the_grid_is_said_to_be_off_and_not_drawn_on_it() {
    let grid: Vec<f64> = (0..11).map(|i| 5.0 + 0.1 * i as f64).collect();
    let map = linear_map(&grid, &grid);
    assert_eq!(map.optimum_off_plot().as_deref(), Some("to the lower left"));
    let around: Vec<f64> = (0..11).map(|i| -1.0 + 0.4 * i as f64).collect();
    assert_eq!(linear_map(&around, &around).optimum_off_plot(), None);
    let right: Vec<f64> = (0..11).map(|i| -3.0 + 0.3 * i as f64).collect();
    assert_eq!(
        linear_map(&right, &around).optimum_off_plot().as_deref(),
        Some("to the right")
    );

    let surface = explore::plot::Surface3d::of(&map, (30.0, 30.0), &|_, _| f64::NAN);
    let off = surface.optimum_off_plot().expect("off the grid");
    assert!(off.contains("weight A 5 to 6"), "{off}");
    // With and without the optimum the 3-D figure differs only in its legend (top right),
    // never where the optimum would be projected.
    let without = explore::plot::Surface3d {
        optimum: None,
        ..surface.clone()
    };
    let (a, b) = (Image::of(&surface), Image::of(&without));
    let boxes: Vec<_> = [any_legend_box(&a), any_legend_box(&b)]
        .into_iter()
        .flatten()
        .collect();
    for (x, y) in differences(&a, &b) {
        assert!(
            boxes
                .iter()
                .any(|&(x0, x1, y0, y1)| (x0..=x1).contains(&x) && (y0..=y1).contains(&y)),
            "the off-grid optimum changed pixel ({x}, {y}) outside the legends"
        );
    }
    // On the grid, the 3-D box reaches down to the optimum's loss.
    let on = linear_map(&around, &around);
    let surface = explore::plot::Surface3d::of(&on, (30.0, 30.0), &|_, _| f64::NAN);
    assert_eq!(surface.optimum_off_plot(), None);
}

/// The legend goes where it covers no mark: the only point of a one-weight sweep sat under it,
/// at the top of the middle, where the legend of a sweep goes.
#[test]
fn the_legend_does_not_cover_the_only_point() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("one.png");
    ok(&[
        "sweep",
        "--point",
        "-3,3",
        "--weights",
        "2",
        "--plot",
        png.to_str().unwrap(),
        "--quiet",
    ]);
    let image = Image::read(&png);
    let (x0, x1, y0, y1) = legend_box(&image);
    // The grid's minimum, a red disc of radius 8, drawn in full.
    let red = image.find([214, 39, 40], 0..image.width, 0..image.height);
    let (mx, my) = (
        red.iter().map(|p| p.0).sum::<usize>() / red.len().max(1),
        red.iter().map(|p| p.1).sum::<usize>() / red.len().max(1),
    );
    let outside: Vec<_> = red
        .iter()
        .filter(|p| !((x0..=x1).contains(&p.0) && (y0..=y1).contains(&p.1)))
        .collect();
    assert!(
        outside.len() > 150,
        "the minimum shows in {} pixels outside the legend",
        outside.len()
    );
    assert!(
        !((x0..=x1).contains(&mx) && (y0..=y1).contains(&my)),
        "the legend ({x0}..{x1}, {y0}..{y1}) covers the minimum at ({mx}, {my})"
    );
    // The exact loss the legend names is drawn through the point, across the plot.
    let curve = image.find([31, 119, 180], 0..image.width, 0..image.height);
    let across: Vec<usize> = curve
        .iter()
        .filter(|p| !((x0..=x1).contains(&p.0) && (y0..=y1).contains(&p.1)))
        .map(|p| p.0)
        .collect();
    let span = across.iter().max().unwrap_or(&0) - across.iter().min().unwrap_or(&0);
    assert!(span > image.width / 2, "the loss curve spans {span} pixels");
}

/// Whether any pixel in columns `xs` of rows `ys` is dark (text).
fn dark_in(image: &Image, xs: std::ops::Range<usize>, ys: std::ops::Range<usize>) -> bool {
    ys.into_iter()
        .any(|y| xs.clone().any(|x| image.at(x, y).iter().all(|&c| c < 128)))
}

/// A title naming a data file with a 200-character path fits its figure: it is made smaller,
/// then its middle elided, keeping the file's own name and point count; nothing of it is cut at
/// the figure's edges, in any figure that shows the file's name.
#[test]
fn a_long_file_name_does_not_clip_the_title() {
    let source = format!(
        "/tmp/{}/{}.csv (100 points)",
        "a_very_long_directory_name_".repeat(4),
        "x".repeat(80)
    );
    let title = format!("MSE of y = A·x + b on {source}");
    let (fitted, size) = explore::plot::fit_text(&title, 24, 936);
    assert!(fitted.ends_with("xxx.csv (100 points)"), "{fitted}");
    assert!(
        fitted.starts_with("MSE of y = A·x + b on /tmp/"),
        "{fitted}"
    );
    assert!(fitted.contains('…') && size >= 16, "{fitted} at {size}");
    // A short title is left alone.
    assert_eq!(
        explore::plot::fit_text("MSE on data/linear.csv", 24, 936),
        ("MSE on data/linear.csv".to_string(), 24)
    );

    let axis: Vec<f64> = (0..11).map(|i| -1.0 + 0.2 * i as f64).collect();
    let map = Heatmap {
        title: title.clone(),
        ..linear_map(&axis, &axis)
    };
    let curve = explore::plot::LossCurve {
        title: title.clone(),
        x_label: "weight A".into(),
        curve: axis.iter().map(|&w| (w, w * w)).collect(),
        ..Default::default()
    };
    let surface = explore::plot::Surface3d::of(&map, (30.0, 30.0), &|_, _| f64::NAN);
    let train = explore::plot::TrainFigure {
        landscape: explore::plot::Landscape::Map(map.clone()),
        history: LossHistory {
            title: "loss per epoch".into(),
            series: vec![Series {
                label: "descent".into(),
                losses: vec![(0.0, 2.0), (1.0, 1.0)],
            }],
            ..LossHistory::default()
        },
    };
    let frame = explore::plot::Frame {
        title: title.clone(),
        train: train.clone(),
        data: None,
    };
    let check = |name: &str, image: Image, panel: usize| {
        // The title's band: the top 40 rows; its edges: the first and last 4 columns of the
        // panel it is centred over.
        assert!(
            !dark_in(&image, 0..4, 0..40) && !dark_in(&image, panel - 4..panel, 0..40),
            "the {name}'s title is cut at its edges"
        );
    };
    check("heat map", Image::of(&map), 960);
    check("curve", Image::of(&curve), 960);
    check("3-D surface", Image::of(&surface), 960);
    check("training figure", Image::of(&train), 960);
    let image = Image::of(&frame);
    let width = image.width;
    check("animation frame", image, width);
}

/// At a steep angle the loss axis is seen end-on: its nine tick labels were drawn on top of each
/// other, and the axes' names were left where the default angle puts them, far from their
/// axes. Now an axis gets only the tick labels its length on the screen has room for (none
/// end-on, its range said in the legend instead), and each name lies beside its own axis.
#[test]
fn steep_3d_angles_do_not_pile_up_the_axis_labels() {
    let weights: Vec<f64> = (0..41).map(|i| -1.0 + 0.1 * i as f64).collect();
    let biases: Vec<f64> = (0..41).map(|i| -20.0 + i as f64).collect();
    let map = linear_map(&weights, &biases);
    let axes_at = |angle: (f64, f64)| {
        explore::plot::Surface3d::of(&map, angle, &|_, _| f64::NAN)
            .axis_labels()
            .expect("the surface draws")
    };
    let plain = axes_at((30.0, 30.0));
    for axis in &plain {
        assert!(axis.labels >= 3, "{axis:?}");
    }
    for angle in [(35.0, 85.0), (0.0, 90.0), (-60.0, 80.0), (90.0, -80.0)] {
        let axes = axes_at(angle);
        for axis in &axes {
            // Room for every label: each takes at least 16 pixels (its height) along the axis.
            assert!(
                axis.labels <= 1 || axis.length / (axis.labels - 1) as f64 >= 16.0,
                "at {angle:?}: {axis:?}"
            );
            assert!(
                (0..960).contains(&axis.at.0) && (0..640).contains(&axis.at.1),
                "at {angle:?} the name is off the figure: {axis:?}"
            );
        }
        // The loss axis is short on the screen: a few labels at most.
        assert!(axes[1].labels <= 3, "at {angle:?}: {:?}", axes[1]);
        // The names lie apart.
        for (i, a) in axes.iter().enumerate() {
            for b in &axes[i + 1..] {
                if a.labels > 0 && b.labels > 0 {
                    let d = f64::from(a.at.0 - b.at.0).hypot(f64::from(a.at.1 - b.at.1));
                    assert!(d > 40.0, "at {angle:?}: {a:?} and {b:?}");
                }
            }
        }
    }
    // The legend covers no axis's name, nor the middle of its ticks.
    for angle in [
        (30.0, 30.0),
        (35.0, 85.0),
        (-60.0, 80.0),
        (90.0, -80.0),
        (30.0, -30.0),
    ] {
        let surface = explore::plot::Surface3d::of(&map, angle, &|_, _| f64::NAN);
        let image = Image::of(&surface);
        let (x0, x1, y0, y1) = legend_box(&image);
        let inside = |(x, y): (i32, i32)| {
            (x0 as i32..=x1 as i32).contains(&x) && (y0 as i32..=y1 as i32).contains(&y)
        };
        for axis in axes_at(angle).iter().filter(|a| a.labels > 0) {
            let ((ax, ay), (bx, by)) = axis.edge;
            assert!(
                !inside(axis.at) && !inside(((ax + bx) / 2, (ay + by) / 2)),
                "at {angle:?} the legend ({x0}..{x1}, {y0}..{y1}) covers {axis:?}"
            );
        }
    }
    for angle in [(35.0, 85.0), (0.0, 90.0)] {
        let loss = &axes_at(angle)[1];
        assert_eq!(loss.labels, 0, "at {angle:?}");
        assert!(loss.name.contains("seen end-on"), "{}", loss.name);
    }
}

/// What a figure's SVG says: its text, for reading a legend.
fn svg_text(args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("figure.svg");
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--plot", svg.to_str().unwrap(), "--quiet"]);
    ok(&all);
    std::fs::read_to_string(&svg).unwrap()
}

/// The legends say what the picture cannot show: in the README's race (docs/optimizers.md), SGD's and Adam's paths
/// are a few pixels long at the scale momentum's wide path sets, and each is named with where it
/// ended; the surface's optimum off the grid is said to be off, and where.
#[test]
fn the_legends_say_what_cannot_be_seen() {
    let race = svg_text(&[
        "race",
        "--data",
        "data/houses.csv",
        "--epochs",
        "20000",
        "--dtype",
        "f64",
        "--momentum",
        "0.9995",
        "--optimizers",
        "sgd,momentum=4.75e-7,adam=100",
    ]);
    let line = |name: &str| {
        race.split(['<', '>'])
            .map(str::trim)
            .find(|t| t.starts_with(&format!("{name} (20000 steps), end (")))
            .unwrap_or_else(|| panic!("{name} is in the legend"))
            .to_string()
    };
    assert!(
        line("sgd").contains("pixels across at this scale"),
        "{}",
        line("sgd")
    );
    assert!(
        line("adam").contains("pixels across at this scale"),
        "{}",
        line("adam")
    );
    assert!(
        !line("momentum").contains("pixels across"),
        "{}",
        line("momentum")
    );
    assert!(
        line("adam").contains("end (145.354, 64178.2)"),
        "{}",
        line("adam")
    );

    let surface = svg_text(&[
        "surface",
        "--data",
        "data/linear.csv",
        "--weights",
        "5:6:11",
        "--biases",
        "5:6:11",
    ]);
    assert!(
        surface.contains("loss 9.2073: off the plot, to the lower left"),
        "the surface's legend names the optimum off the plot"
    );
    let sweep = svg_text(&["sweep", "--point", "-3,3", "--weights", "2"]);
    assert!(
        sweep.contains("closed-form optimum A = -1, loss 0: off the plot, to the left"),
        "the sweep's legend says where the optimum is"
    );
    let around = svg_text(&["surface", "--data", "data/linear.csv"]);
    assert!(around.contains("closed-form optimum A = 1.08794") && !around.contains("off the plot"));
}
