//! `explore gen` writes only what the readers read back: finite points (settings that could
//! overflow f64 are refused before any work, and a point that is not finite anyway leaves no
//! file), in the form the extension names (CSV, TSV, .npy, Parquet; any other extension is a
//! usage error), each read back by `explore sweep --data` to the same numbers in f64; and every
//! numeric flag's bad value is one line naming the flag, exit 2.

mod common;

use std::path::Path;

use candle_core::DType;
use common::{explore, ok, stderr, stdout};
use explore::data::gen::{self, Curve, LineSpec, Overflow, Setting};
use explore::data::write::{self, Format};
use explore::data::{read, Columns, Load};

/// Runs `explore args`, checks the exit code and that stderr is one line holding every needle.
fn refused(args: &[&str], code: i32, needles: &[&str]) -> String {
    let out = explore(args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(code), "explore {args:?}: {err}");
    assert_eq!(err.lines().count(), 1, "explore {args:?}: {err}");
    for needle in needles {
        assert!(
            err.contains(needle),
            "explore {args:?}: no `{needle}` in {err}"
        );
    }
    assert!(stdout(&out).is_empty(), "explore {args:?} wrote to stdout");
    err
}

/// The files in `dir`, temporary ones included.
fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The points `gen --n N --seed S` draws (a line, the default settings).
fn drawn(n: usize, seed: u64) -> Vec<(f64, f64)> {
    let spec = LineSpec {
        n,
        seed,
        ..LineSpec::default()
    };
    gen::points(Curve::Line, &spec).collect()
}

/// `path` read back by the project's own reader, in f64.
fn read_back(path: &Path) -> Vec<(f64, f64)> {
    let data = read(path, &Columns::default(), Load::Points(DType::F64)).unwrap();
    let (x, y) = data.values().unwrap();
    x.into_iter().zip(y).collect()
}

/// `explore sweep --data path` in f64, as CSV.
fn sweep(path: &Path) -> String {
    ok(&[
        "sweep",
        "--data",
        path.to_str().unwrap(),
        "--weights",
        "-2:3:11",
        "--bias",
        "0.5",
        "--dtype",
        "f64",
        "--format",
        "csv",
    ])
}

#[test]
fn every_format_is_the_one_its_extension_names_and_reads_back_to_the_same_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let want = drawn(700, 5);
    let csv = dir.path().join("d.csv");
    ok(&[
        "gen",
        "--n",
        "700",
        "--seed",
        "5",
        "--out",
        csv.to_str().unwrap(),
    ]);
    let reference = sweep(&csv);
    for name in [
        "d.csv",
        "d.tsv",
        "d.npy",
        "d.parquet",
        "d.pq",
        "d",
        "UPPER.CSV",
        "d.NPY",
    ] {
        let path = dir.path().join(name);
        let out = explore(&[
            "gen",
            "--n",
            "700",
            "--seed",
            "5",
            "--out",
            path.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        assert_eq!(
            stderr(&out),
            format!("wrote 700 points to {}\n", path.display())
        );
        // Bit for bit the points drawn, through the reader of the form the extension names.
        let back = read_back(&path);
        assert_eq!(back.len(), 700, "{name}");
        for (i, (a, b)) in back.iter().zip(&want).enumerate() {
            assert!(
                a.0.to_bits() == b.0.to_bits() && a.1.to_bits() == b.1.to_bits(),
                "{name}: point {i}: {a:?} != {b:?}"
            );
        }
        assert_eq!(sweep(&path), reference, "{name}");
    }
    // Each file is what its extension says, byte for byte where the form is fixed.
    let text = std::fs::read_to_string(dir.path().join("d.tsv")).unwrap();
    let first = text.lines().nth(1).unwrap();
    assert_eq!(text.lines().next(), Some("x\ty"));
    assert_eq!(
        first,
        format!(
            "{}\t{}",
            explore::number::exact(want[0].0, DType::F64),
            explore::number::exact(want[0].1, DType::F64)
        )
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("d")).unwrap(),
        std::fs::read_to_string(&csv).unwrap(),
        "no extension is CSV"
    );
    let npy = std::fs::read(dir.path().join("d.npy")).unwrap();
    assert_eq!(&npy[..8], b"\x93NUMPY\x01\x00");
    let header_len = u16::from_le_bytes([npy[8], npy[9]]) as usize;
    assert_eq!((10 + header_len) % 64, 0, "the data starts 64-byte aligned");
    let header = std::str::from_utf8(&npy[10..10 + header_len]).unwrap();
    assert!(
        header.starts_with("{'descr': '<f8', 'fortran_order': False, 'shape': (700, 2), }")
            && header.ends_with('\n'),
        "{header:?}"
    );
    assert_eq!(npy.len(), 10 + header_len + 700 * 16);
    let row = |i: usize| {
        let at = 10 + header_len + 16 * i;
        let f = |k: usize| f64::from_le_bytes(npy[at + k..at + k + 8].try_into().unwrap());
        (f(0), f(8))
    };
    assert_eq!(row(0), want[0]);
    assert_eq!(row(699), want[699]);
    #[cfg(feature = "parquet")]
    {
        use parquet::basic::Type;
        use parquet::file::reader::{FileReader, SerializedFileReader};
        let file = std::fs::File::open(dir.path().join("d.parquet")).unwrap();
        let reader = SerializedFileReader::new(file).unwrap();
        let meta = reader.metadata();
        assert_eq!(meta.file_metadata().num_rows(), 700);
        let schema = meta.file_metadata().schema_descr();
        let columns: Vec<(String, Type)> = schema
            .columns()
            .iter()
            .map(|c| (c.name().to_string(), c.physical_type()))
            .collect();
        assert_eq!(
            columns,
            [
                ("x".to_string(), Type::DOUBLE),
                ("y".to_string(), Type::DOUBLE)
            ]
        );
    }
    // Standard output (and `-`) is the CSV.
    let csv_text = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(ok(&["gen", "--n", "700", "--seed", "5"]), csv_text);
    assert_eq!(
        ok(&["gen", "--n", "700", "--seed", "5", "--out", "-"]),
        csv_text
    );
}

#[cfg(feature = "parquet")]
#[test]
fn parquet_is_written_in_row_groups_that_read_back_in_order() {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.parquet");
    let n = write::ROW_GROUP * 2 + 3;
    let want = drawn(n, 9);
    write::save(
        &path,
        Format::Parquet,
        write::LINE,
        n as u64,
        want.iter().map(|&(x, y)| [x, y]),
    )
    .unwrap();
    let reader = SerializedFileReader::new(std::fs::File::open(&path).unwrap()).unwrap();
    let groups: Vec<i64> = reader
        .metadata()
        .row_groups()
        .iter()
        .map(|g| g.num_rows())
        .collect();
    assert_eq!(
        groups,
        [write::ROW_GROUP as i64, write::ROW_GROUP as i64, 3]
    );
    assert_eq!(read_back(&path), want);
}

#[test]
fn extensions_it_does_not_write_are_usage_errors_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["g.npz", "g.json", "g.txt", "g.xlsx", "g.csv.gz"] {
        let path = dir.path().join(name);
        let ext = format!("not .{}", path.extension().unwrap().to_str().unwrap());
        refused(
            &["gen", "--out", path.to_str().unwrap()],
            2,
            &["--out", ".csv, .tsv, .npy and .parquet", &ext],
        );
    }
    assert!(files(dir.path()).is_empty(), "{:?}", files(dir.path()));
}

#[test]
fn numeric_flags_take_a_leading_minus_and_say_which_flag_and_why() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("d.csv");
    let out = out.to_str().unwrap();
    for (args, needles) in [
        (["--n", "-1"], ["'--n <N>'", "-1 is not in 1..=1000000000"]),
        (["--n", "0"], ["'--n <N>'", "0 is not in 1..=1000000000"]),
        (["--n", "1.5"], ["'--n <N>'", "1.5 is not a whole number"]),
        (
            ["--n", "2e9"],
            ["'--n <N>'", "2e9 is not in 1..=1000000000"],
        ),
        (
            ["--n", "100000000000000"],
            ["'--n <N>'", "100000000000000 is not in 1..=1000000000"],
        ),
        (["--seed", "-1"], ["'--seed <SEED>'", "-1 is not ≥ 0"]),
        (["--noise", "-1"], ["'--noise <NOISE>'", "-1 is negative"]),
        (
            ["--x-scale", "-2"],
            ["'--x-scale <X_SCALE>'", "-2 is negative"],
        ),
        (["--slope", "inf"], ["'--slope <SLOPE>'", "inf"]),
        (["--x-mean", "nan"], ["'--x-mean <X_MEAN>'", "nan"]),
    ] {
        let mut all = vec!["gen", "--out", out];
        all.extend(args);
        refused(&all, 2, &needles);
    }
    assert!(files(dir.path()).is_empty());
    // A number in exponent form is a count too, and negative values are values.
    let text = ok(&["gen", "--n", "1e1", "--slope", "-2", "--x-mean", "-5"]);
    assert_eq!(text.lines().count(), 11);
}

#[test]
fn settings_whose_points_could_overflow_are_refused_naming_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("d.csv");
    let out = out.to_str().unwrap();
    for (args, flag, column) in [
        (
            vec!["--noise", "1e308"],
            "--noise 1e308",
            "y could overflow f64",
        ),
        (
            vec!["--noise", "1.3e307"],
            "--noise 1.3e307",
            "y could overflow f64",
        ),
        (
            vec!["--x-scale", "2e307"],
            "--x-scale 2e307",
            "x could overflow f64",
        ),
        (
            vec!["--x-mean", "-1.7e308", "--x-scale", "1e307"],
            "--x-mean -1.7e308",
            "x could overflow f64",
        ),
        (
            vec!["--slope", "1e300", "--x-scale", "1e10"],
            "--slope 1e300",
            "y could overflow f64",
        ),
        (
            vec!["--intercept", "-1.7e308", "--noise", "1e307"],
            "--intercept -1.7e308",
            "y could overflow f64",
        ),
        (
            vec!["--kind", "sine", "--slope", "1e308", "--intercept", "1e308"],
            "--slope 1e308",
            "|slope| + |intercept| + 14·noise",
        ),
        (
            vec!["--kind", "sine", "--x-mean", "1e308", "--x-scale", "1e308"],
            "--x-mean 1e308",
            "x could overflow f64: |x_mean| + x_scale is beyond ±1.8e308; give",
        ),
    ] {
        let mut all = vec!["gen", "--out", out];
        all.extend(&args);
        refused(&all, 2, &[flag, column, "give a smaller"]);
    }
    assert!(files(dir.path()).is_empty());

    // Just inside the bound (14·1.2e307 = 1.68e308), every point is finite and reads back.
    let path = dir.path().join("edge.npy");
    ok(&[
        "gen",
        "--n",
        "20000",
        "--noise",
        "1.2e307",
        "--out",
        path.to_str().unwrap(),
    ]);
    let back = read_back(&path);
    assert_eq!(back.len(), 20000);
    let largest = back.iter().map(|p| p.1.abs()).fold(0.0, f64::max);
    assert!(largest > 4e307 && largest.is_finite(), "{largest:e}");
    let table = sweep(&path);
    assert!(table.starts_with("weight,loss"), "{table}");
}

#[test]
fn the_bound_holds_every_point_and_names_the_largest_part() {
    let spec = LineSpec {
        n: 1000,
        slope: -3.0,
        intercept: 2.0,
        noise: 0.5,
        x_scale: 4.0,
        x_mean: 10.0,
        ..LineSpec::default()
    };
    // |x| ≤ 10 + 14·4 = 66; |y| ≤ 3·66 + 2 + 14·0.5 = 207.
    assert_eq!(spec.reach(Curve::Line), (66.0, 207.0));
    assert_eq!(spec.reach(Curve::Sine), (14.0, 12.0));
    for kind in [Curve::Line, Curve::Sine] {
        let (rx, ry) = spec.reach(kind);
        assert!(gen::points(kind, &spec).all(|(x, y)| x.abs() <= rx && y.abs() <= ry));
        assert_eq!(spec.check(kind), Ok(()));
    }
    let noisy = LineSpec {
        noise: 1e308,
        ..spec.clone()
    };
    assert_eq!(
        noisy.check(Curve::Line),
        Err(Overflow {
            setting: Setting::Noise,
            column: "y",
            formula: "|slope|·(|x_mean| + 14·x_scale) + |intercept| + 14·noise",
            normal_reach: true,
        })
    );
    let wide = LineSpec {
        x_scale: 1e308,
        ..spec
    };
    assert_eq!(
        wide.check(Curve::Line).unwrap_err().setting,
        Setting::XScale
    );
    // A sine's x is x_mean + x_scale·U(-1, 1): the same spread is fine there.
    assert_eq!(wide.check(Curve::Sine), Ok(()));
}

#[test]
fn a_point_that_is_not_finite_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let points = [(1.0, 2.0), (3.0, 4.0), (5.0, f64::INFINITY), (7.0, 8.0)];
    for name in ["d.csv", "d.tsv", "d.npy", "d.parquet"] {
        let path = dir.path().join(name);
        let format = Format::of(&path).unwrap();
        let e = write::save(
            &path,
            format,
            write::LINE,
            4,
            points.iter().map(|&(x, y)| [x, y]),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "{}: point 3 is (5, inf), not finite: the settings overflow f64; nothing written",
                path.display()
            )
        );
        // A stream says which point too, and the points before it are written.
        let mut text = Vec::new();
        match write::stream(
            Format::Csv,
            write::LINE,
            4,
            points.iter().map(|&(x, y)| [x, y]),
            &mut text,
        ) {
            Err(write::Failure::NotFinite(p)) => {
                assert_eq!((p.point, p.values), (3, vec![5.0, f64::INFINITY]))
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(String::from_utf8(text).unwrap(), "x,y\n1,2\n3,4\n");
    }
    assert!(files(dir.path()).is_empty(), "{:?}", files(dir.path()));
    // A stream shorter than its count is refused too: a .npy header would promise rows.
    let path = dir.path().join("short.npy");
    let e = write::save(
        &path,
        Format::Npy,
        write::LINE,
        5,
        points[..2].iter().map(|&(x, y)| [x, y]),
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("2 points came where 5 were expected"),
        "{e}"
    );
    // And one longer, even endless: it stops one past the count.
    let e = write::save(
        &path,
        Format::Npy,
        write::LINE,
        5,
        std::iter::repeat([1.0, 2.0]),
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("6 points came where 5 were expected"),
        "{e}"
    );
    assert!(files(dir.path()).is_empty());
}

#[test]
fn formats_by_extension() {
    for (name, want) in [
        ("a.csv", Ok(Format::Csv)),
        ("a.TSV", Ok(Format::Tsv)),
        ("dir.v2/a.npy", Ok(Format::Npy)),
        ("/dev/null", Ok(Format::Csv)),
        ("a", Ok(Format::Csv)),
        ("a.npz", Err(".npz".to_string())),
        ("a.json", Err(".json".to_string())),
    ] {
        assert_eq!(Format::of(Path::new(name)), want, "{name}");
    }
    let parquet = Format::of(Path::new("a.parquet"));
    if cfg!(feature = "parquet") {
        assert_eq!(parquet, Ok(Format::Parquet));
    } else {
        assert_eq!(parquet, Err(".parquet".to_string()));
    }
}
