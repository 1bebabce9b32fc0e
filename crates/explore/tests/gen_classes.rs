//! `explore gen --kind blobs|moons|circles|xor|spiral`: labelled points by scikit-learn's and
//! TensorFlow Playground's formulas (not their random streams). Without noise every point lies
//! exactly on its curve; the blobs' centres and spreads are what they claim; the rows are
//! shuffled; the command line writes them in every form and refuses what cannot work.

mod common;

use common::{explore, ok, stderr};
use explore::data::gen::{classes, ClassSpec, Classes};

fn spec(n: usize, noise: f64) -> ClassSpec {
    ClassSpec {
        n,
        seed: 7,
        noise,
        classes: 2,
        factor: 0.8,
    }
}

fn of_class(rows: &[[f64; 3]], label: f64) -> Vec<[f64; 3]> {
    rows.iter().copied().filter(|r| r[2] == label).collect()
}

/// Whether `rows` are not sorted by label: a shuffled file mixes the classes.
fn mixed(rows: &[[f64; 3]]) -> bool {
    rows.windows(2).any(|w| w[0][2] > w[1][2])
}

#[test]
fn noise_free_moons_lie_on_their_half_circles() {
    // make_moons(101): 50 on the outer half circle, 51 on the inner, each from angle 0 to π.
    let rows = classes::points(Classes::Moons, &spec(101, 0.0));
    let (outer, inner) = (of_class(&rows, 0.0), of_class(&rows, 1.0));
    assert_eq!((outer.len(), inner.len()), (50, 51));
    for [x1, x2, _] in outer {
        assert!(
            (x1.hypot(x2) - 1.0).abs() < 1e-15 && x2 >= -1e-15,
            "({x1}, {x2})"
        );
    }
    for [x1, x2, _] in &inner {
        // 1 − cos t, 1 − sin t − ½: the circle of radius 1 around (1, ½), its lower half.
        assert!(((x1 - 1.0).hypot(x2 - 0.5) - 1.0).abs() < 1e-15 && *x2 <= 0.5 + 1e-15);
    }
    // The ends of the inner moon are at t = 0 and t = π: (0, ½) and (2, ½).
    let has = |p: (f64, f64)| {
        inner
            .iter()
            .any(|r| (r[0] - p.0).abs() < 1e-15 && (r[1] - p.1).abs() < 1e-15)
    };
    assert!(has((0.0, 0.5)) && has((2.0, 0.5)));
    assert!(mixed(&rows));
}

#[test]
fn noise_free_circles_are_evenly_spaced_on_two_radii() {
    // make_circles(100, factor=0.5): 50 at radius 1, 50 at 0.5, at angles 2πk/50.
    let spec = ClassSpec {
        factor: 0.5,
        ..spec(100, 0.0)
    };
    let rows = classes::points(Classes::Circles, &spec);
    for (label, radius) in [(0.0, 1.0), (1.0, 0.5)] {
        let ring = of_class(&rows, label);
        assert_eq!(ring.len(), 50);
        let mut steps: Vec<i64> = ring
            .iter()
            .map(|r| {
                assert!((r[0].hypot(r[1]) - radius).abs() < 1e-15);
                let turn = r[1].atan2(r[0]).rem_euclid(std::f64::consts::TAU);
                let k = turn / std::f64::consts::TAU * 50.0;
                assert!((k - k.round()).abs() < 1e-9, "angle {turn} is not 2πk/50");
                k.round() as i64 % 50
            })
            .collect();
        steps.sort();
        assert_eq!(steps, (0..50).collect::<Vec<_>>());
    }
    assert!(mixed(&rows));
}

#[test]
fn blobs_have_their_centres_and_spreads() {
    // make_blobs(30000, centers=3, cluster_std=1.0): 10000 a centre, centres in [−10, 10]².
    let spec = ClassSpec {
        classes: 3,
        ..spec(30_000, 1.0)
    };
    let rows = classes::points(Classes::Blobs, &spec);
    assert!(mixed(&rows));
    // The same set without noise is the centres themselves, drawn first from the same seed.
    let centres = classes::points(Classes::Blobs, &ClassSpec { noise: 0.0, ..spec });
    for label in 0..3 {
        let blob = of_class(&rows, label as f64);
        assert_eq!(blob.len(), 10_000);
        let centre = of_class(&centres, label as f64)[0];
        assert!(centre[0].abs() <= 10.0 && centre[1].abs() <= 10.0);
        for axis in 0..2 {
            let values: Vec<f64> = blob.iter().map(|r| r[axis]).collect();
            let mean = values.iter().sum::<f64>() / 1e4;
            let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 1e4).sqrt();
            // Four standard errors: 0.04 for the mean, about 0.028 for the deviation.
            assert!(
                (mean - centre[axis]).abs() < 0.04,
                "{mean} vs {}",
                centre[axis]
            );
            assert!((sd - 1.0).abs() < 0.03, "sd {sd}");
        }
    }
    // 10 points over 3 centres: 4, 3, 3, as scikit-learn shares them.
    let few = classes::points(Classes::Blobs, &ClassSpec { n: 10, ..spec });
    let counts: Vec<usize> = (0..3).map(|l| of_class(&few, l as f64).len()).collect();
    assert_eq!(counts, [4, 3, 3]);
}

#[test]
fn xor_labels_the_quadrants_and_spirals_wind_as_the_playground_does() {
    let rows = classes::points(Classes::Xor, &spec(500, 0.0));
    for [x1, x2, label] in &rows {
        assert!((0.3..=5.3).contains(&x1.abs()) && (0.3..=5.3).contains(&x2.abs()));
        assert_eq!(*label, f64::from(x1 * x2 >= 0.0));
    }
    assert!(of_class(&rows, 0.0).len() > 200 && of_class(&rows, 1.0).len() > 200);
    // Three arms: arm k's point i has radius 5·i/n and angle 1.75·(i/n)·2π + 2πk/3, with
    // x1 = r·sin t and x2 = r·cos t.
    let spec = ClassSpec {
        classes: 3,
        ..spec(300, 0.0)
    };
    let rows = classes::points(Classes::Spiral, &spec);
    for [x1, x2, arm] in &rows {
        let r = x1.hypot(*x2);
        if r < 1e-12 {
            continue;
        }
        let want = 1.75 * (r / 5.0) * std::f64::consts::TAU + std::f64::consts::TAU * arm / 3.0;
        let off = (x1.atan2(*x2) - want).rem_euclid(std::f64::consts::TAU);
        assert!(
            off < 1e-9 || std::f64::consts::TAU - off < 1e-9,
            "{x1}, {x2}, arm {arm}"
        );
    }
    assert_eq!(of_class(&rows, 2.0).len(), 100);
}

#[test]
fn gen_writes_labelled_sets_in_every_form_and_refuses_what_cannot_work() {
    let text = ok(&["gen", "--kind", "moons", "--n", "4", "--seed", "3"]);
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("x1,x2,label"));
    let mut rows: Vec<&str> = lines.collect();
    rows.sort();
    // make_moons(4): (1, 0), (−1, 0) outer; (0, ½), (2, ½) inner (cos π is −1, sin π ≈ 1.2e-16).
    assert_eq!(
        rows,
        [
            "-1,1.2246467991473532e-16,0",
            "0,0.5,1",
            "1,0,0",
            "2,0.4999999999999999,1"
        ]
    );
    // The same seed, the same file; another seed, another shuffle.
    let blobs = |seed: &str| ok(&["gen", "--kind", "blobs", "--n", "50", "--seed", seed]);
    assert_eq!(blobs("1"), blobs("1"));
    assert_ne!(blobs("1"), blobs("2"));
    // .npy is (N, 3) float64.
    let dir = tempfile::tempdir().unwrap();
    let npy = dir.path().join("xor.npy");
    ok(&[
        "gen",
        "--kind",
        "xor",
        "--n",
        "8",
        "--out",
        npy.to_str().unwrap(),
        "--quiet",
    ]);
    let bytes = std::fs::read(&npy).unwrap();
    assert!(String::from_utf8_lossy(&bytes[..128]).contains("'shape': (8, 3)"));
    assert_eq!(bytes.len() % 64 + 8 * 3 * 8, bytes.len() % 64 + 192);
    for (args, needle) in [
        (
            vec!["--kind", "moons", "--classes", "3"],
            "--classes is not used here",
        ),
        (
            vec!["--kind", "blobs", "--factor", "0.5"],
            "--factor is not used here",
        ),
        (
            vec!["--kind", "circles", "--factor", "1"],
            "--factor 1: the inner circle must be smaller",
        ),
        (
            vec!["--kind", "spiral", "--slope", "2"],
            "--slope is not used here",
        ),
        (
            vec!["--kind", "line", "--classes", "2"],
            "--classes is not used here",
        ),
        (vec!["--kind", "blobs", "--classes", "1"], "--classes"),
        (
            vec!["--kind", "moons", "--n", "20000000"],
            "at most 10000000 points",
        ),
        (
            vec!["--kind", "blobs", "--noise", "1e308"],
            "--noise 1e308: the points could overflow f64",
        ),
    ] {
        let out = explore(&[&["gen"][..], &args].concat());
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
        assert!(stderr(&out).contains(needle), "{args:?}: {}", stderr(&out));
    }
}
