//! Every form of data (CSV, TSV, standard input, NumPy's .npy and .npz, Parquet) gives the same
//! sweep as the CSV of the same numbers, files written by numpy, polars and pandas read right,
//! and each form's bad input is one clear error line. Big CSVs: exact line numbers across
//! blocks and pieces, a switch to the quoting reader mid-file, and moments streamed.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use candle_core::{DType, Device, Tensor};
use common::{explore, ok, root, stderr};
use explore::data::{read, Columns, Load};

/// The five points of `tests/sweep.rs`, whose losses PyTorch gave.
const X: [f64; 5] = [-2.0, -0.5, 1.0, 2.5, 4.0];
const Y: [f64; 5] = [-3.1, -0.4, 1.7, 3.2, 6.9];

/// `explore sweep` of `path` at A = -1, 0 (b = 0) in f64, as CSV.
fn sweep(path: &Path, extra: &[&str]) -> String {
    let path = path.to_str().unwrap();
    let mut args = vec![
        "sweep",
        "--data",
        path,
        "--weights",
        "-1,0",
        "--dtype",
        "f64",
        "--format",
        "csv",
    ];
    args.extend_from_slice(extra);
    ok(&args)
}

/// Runs `explore args` and returns its one line of error, checking the exit code is 1.
fn error(args: &[&str]) -> String {
    let out = explore(args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "explore {args:?}: {err}");
    let lines: Vec<&str> = err.lines().filter(|l| !l.starts_with("device:")).collect();
    assert_eq!(lines.len(), 1, "explore {args:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    lines[0].to_string()
}

fn csv_text() -> String {
    let rows: String = X.iter().zip(Y).map(|(x, y)| format!("{x},{y}\n")).collect();
    format!("x,y\n{rows}")
}

fn write_npy(path: &Path) {
    let rows: Vec<f64> = X.iter().zip(Y).flat_map(|(x, y)| [*x, y]).collect();
    Tensor::from_vec(rows, (5, 2), &Device::Cpu)
        .unwrap()
        .write_npy(path)
        .unwrap();
}

fn write_npz(path: &Path, x: &[f64], y: &[f64]) {
    let t = |v: &[f64]| Tensor::new(v, &Device::Cpu).unwrap();
    Tensor::write_npz(&[("x", t(x)), ("y", t(y))], path).unwrap();
}

#[cfg(feature = "parquet")]
fn write_parquet(
    path: &Path,
    schema: &str,
    write: impl FnOnce(&mut parquet::file::writer::SerializedRowGroupWriter<'_, std::fs::File>),
) {
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::SerializedFileWriter;
    let schema = std::sync::Arc::new(parquet::schema::parser::parse_message_type(schema).unwrap());
    let file = std::fs::File::create(path).unwrap();
    let props = std::sync::Arc::new(WriterProperties::builder().build());
    let mut writer = SerializedFileWriter::new(file, schema, props).unwrap();
    let mut group = writer.next_row_group().unwrap();
    write(&mut group);
    group.close().unwrap();
    writer.close().unwrap();
}

#[cfg(feature = "parquet")]
fn write_doubles(path: &Path, columns: &[&[f64]]) {
    use parquet::data_type::DoubleType;
    let fields: String = (0..columns.len())
        .map(|i| format!("REQUIRED DOUBLE {}; ", ["x", "y", "z"][i]))
        .collect();
    write_parquet(path, &format!("message m {{ {fields}}}"), |group| {
        for values in columns {
            let mut column = group.next_column().unwrap().unwrap();
            column
                .typed::<DoubleType>()
                .write_batch(values, None, None)
                .unwrap();
            column.close().unwrap();
        }
    });
}

#[test]
fn every_form_gives_the_csv_sweep() {
    let dir = tempfile::tempdir().unwrap();
    let at = |name: &str| dir.path().join(name);
    std::fs::write(at("d.csv"), csv_text()).unwrap();
    let want = sweep(&at("d.csv"), &[]);
    // Computed once with PyTorch 2.15 (tests/sweep.rs): ((y - A·x)²).mean() at A = -1 and 0.
    assert_eq!(want, "weight,loss\n-1,37.082\n0,14.102\n");

    let mut forms: Vec<PathBuf> = Vec::new();
    std::fs::write(at("d.tsv"), csv_text().replace(',', "\t")).unwrap();
    forms.push(at("d.tsv"));
    std::fs::write(at("semi.csv"), csv_text().replace(',', ";")).unwrap();
    forms.push(at("semi.csv"));
    write_npy(&at("d.npy"));
    forms.push(at("d.npy"));
    write_npz(&at("d.npz"), &X, &Y);
    forms.push(at("d.npz"));
    #[cfg(feature = "parquet")]
    {
        write_doubles(&at("d.parquet"), &[&X, &Y]);
        forms.push(at("d.parquet"));
    }
    for file in [
        "numpy.npy",
        "numpy_compressed.npz",
        "polars_zstd.parquet",
        "pandas_snappy.parquet",
    ] {
        forms.push(root().join("crates/explore/tests/files").join(file));
    }
    for path in &forms {
        let name = path.file_name().unwrap().to_str().unwrap();
        let extra: &[&str] = if name.contains("compressed") || name.contains("pandas") {
            &["--x", "SQFT", "--y", "price"]
        } else {
            &[]
        };
        assert_eq!(sweep(path, extra), want, "{name}");
    }
    // Standard input.
    let mut child = Command::new(env!("CARGO_BIN_EXE_explore"))
        .args([
            "sweep",
            "--data",
            "-",
            "--weights",
            "-1,0",
            "--dtype",
            "f64",
            "--format",
            "csv",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(csv_text().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), want);
}

#[test]
fn every_form_reads_the_same_values() {
    let dir = tempfile::tempdir().unwrap();
    let files = root().join("crates/explore/tests/files");
    let npy = dir.path().join("d.npy");
    write_npy(&npy);
    let priced = Columns {
        x: "sqft".into(),
        y: "price".into(),
        delimiter: None,
    };
    let mut cases = vec![
        (npy, Columns::default()),
        (files.join("numpy.npy"), Columns::default()),
        (files.join("numpy_compressed.npz"), priced.clone()),
        (files.join("polars_zstd.parquet"), Columns::default()),
        (files.join("pandas_snappy.parquet"), priced),
    ];
    if !cfg!(feature = "parquet") {
        cases.retain(|(p, _)| p.extension().unwrap() != "parquet");
    }
    for (path, columns) in cases {
        let data = read(&path, &columns, Load::Points(DType::F64)).unwrap();
        assert_eq!(data.values().unwrap(), (X.to_vec(), Y.to_vec()), "{path:?}");
        assert_eq!(data.len(), 5);
    }
    // Column-major float32, as np.asfortranarray(...).astype(np.float32) saves it: each value
    // is the f32 nearest the f64.
    let f4 = read(
        &files.join("numpy_fortran_f4.npy"),
        &Columns::default(),
        Load::Points(DType::F64),
    )
    .unwrap();
    let (x, y) = f4.values().unwrap();
    assert_eq!(x, X.map(|v| f64::from(v as f32)));
    assert_eq!(y, Y.map(|v| f64::from(v as f32)));
}

#[test]
fn each_forms_bad_input_is_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let at = |name: &str| dir.path().join(name);
    let s = |p: &Path| p.to_str().unwrap().to_string();
    let files = root().join("crates/explore/tests/files");
    let err = |path: &Path, extra: &[&str]| {
        let path = s(path);
        let mut args = vec!["sweep", "--data", path.as_str()];
        args.extend_from_slice(extra);
        error(&args)
    };

    // .npy: a shape that is not (N, 2), a value that is not finite, a file cut short.
    Tensor::new(&X, &Device::Cpu)
        .unwrap()
        .write_npy(at("flat.npy"))
        .unwrap();
    assert!(err(&at("flat.npy"), &[])
        .contains("an array of shape (5,) is not data points: a .npy must be (N, 2)"));
    Tensor::new(&[[1.0f64, 2.0], [f64::NAN, 1.0]], &Device::Cpu)
        .unwrap()
        .write_npy(at("nan.npy"))
        .unwrap();
    assert!(err(&at("nan.npy"), &[]).ends_with("nan.npy: x[1] = NaN is not a finite number"));
    let whole = std::fs::read(files.join("numpy.npy")).unwrap();
    std::fs::write(at("cut.npy"), &whole[..whole.len() - 8]).unwrap();
    assert!(err(&at("cut.npy"), &[])
        .contains("the array data is cut short: shape (5, 2) needs 80 bytes, the file has 72"));
    std::fs::write(at("text.npy"), "x,y\n1,2\n").unwrap();
    assert!(err(&at("text.npy"), &[]).contains("not a NumPy array"));

    // .npz: a name that is not there lists those that are; arrays of different lengths.
    let e = err(&files.join("numpy_compressed.npz"), &[]);
    assert!(
        e.contains(
            "numpy_compressed.npz: no `x` array (it has: sqft, price); pick them with --x NAME --y NAME"
        ),
        "{e}"
    );
    write_npz(&at("short.npz"), &X, &Y[..3]);
    assert!(err(&at("short.npz"), &[]).contains("array `x` has 5 values but `y` has 3"));
    std::fs::write(at("junk.npz"), "not a zip").unwrap();
    assert!(err(&at("junk.npz"), &[]).contains("not a .npz archive"));

    // Parquet: a null with its row, a column of text, a file that is not Parquet.
    if cfg!(feature = "parquet") {
        let e = err(&files.join("polars_null.parquet"), &[]);
        assert!(e.ends_with("polars_null.parquet: row 1 (from 0) of column `y` is null; drop or fill the missing values first"), "{e}");
        #[cfg(feature = "parquet")]
        write_parquet(
            &at("text.parquet"),
            "message m { REQUIRED DOUBLE x; REQUIRED BYTE_ARRAY y (UTF8); }",
            |group| {
                use parquet::data_type::{ByteArray, ByteArrayType, DoubleType};
                let mut c = group.next_column().unwrap().unwrap();
                c.typed::<DoubleType>()
                    .write_batch(&[1.0], None, None)
                    .unwrap();
                c.close().unwrap();
                let mut c = group.next_column().unwrap().unwrap();
                c.typed::<ByteArrayType>()
                    .write_batch(&[ByteArray::from("a")], None, None)
                    .unwrap();
                c.close().unwrap();
            },
        );
        assert!(
            err(&at("text.parquet"), &[]).contains("column `y` holds text or bytes, not numbers")
        );
        let e = err(&files.join("polars_zstd.parquet"), &["--x", "area"]);
        assert!(e.contains("no `area` column (it has: x, y)"), "{e}");
        std::fs::write(at("junk.parquet"), "PAR1 not really").unwrap();
        assert!(err(&at("junk.parquet"), &[]).contains("not a Parquet file"));
    }
}

/// A CSV of `rows` points `(i, 2i + 1)`, with `edit` applied to each data line.
fn big_csv(path: &Path, rows: usize, edit: impl Fn(usize, String) -> String) {
    let mut text = String::from("x,note,y\n");
    for i in 0..rows {
        text.push_str(&edit(i, format!("{i},n{i},{}\n", 2 * i + 1)));
    }
    std::fs::write(path, text).unwrap();
}

#[test]
fn big_csv_errors_name_the_exact_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.csv");
    let file = path.to_str().unwrap();
    // 200 000 rows (5 MB): several blocks, each cut into pieces parsed at once. Row i is on
    // line i + 2.
    big_csv(&path, 200_000, |i, line| {
        if i == 170_000 {
            line.replace("340001", "3.4.1")
        } else {
            line
        }
    });
    assert!(error(&["sweep", "--data", file])
        .ends_with("big.csv:170002:3: `3.4.1` in column y is not a number"));
    big_csv(&path, 200_000, |i, line| {
        if i == 123_456 {
            "1,2\n".into()
        } else {
            line
        }
    });
    assert!(error(&["sweep", "--data", file])
        .ends_with("big.csv:123458: 2 fields, but the header has 3"));
    // A quoted field half-way switches to the quoting reader; its line numbers go on.
    big_csv(&path, 200_000, |i, line| match i {
        100_000 => format!("{i},\"a, \"\"quoted\"\" note\",{}\n", 2 * i + 1),
        150_000 => line.replace(&format!(",{}", 2 * i + 1), ",inf"),
        _ => line,
    });
    assert!(error(&["sweep", "--data", file])
        .ends_with("big.csv:150002:3: `inf` in column y is not a finite number"));
}

#[test]
fn big_csvs_read_the_same_by_either_reader_and_streamed() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.csv");
    let quoted = dir.path().join("quoted.csv");
    big_csv(&plain, 150_000, |_, line| line);
    // Quotes from the first line: the `csv` crate reads it all.
    big_csv(&quoted, 150_000, |i, line| {
        line.replace(&format!("n{i}"), &format!("\"n{i}\""))
    });
    let load = |path: &Path, load: Load| read(path, &Columns::default(), load).unwrap();
    let fast = load(&plain, Load::Points(DType::F64));
    let careful = load(&quoted, Load::Points(DType::F64));
    let (x, y) = fast.values().unwrap();
    assert_eq!(x.len(), 150_000);
    assert!(x.iter().enumerate().all(|(i, &v)| v == i as f64));
    assert!(y.iter().enumerate().all(|(i, &v)| v == (2 * i + 1) as f64));
    assert_eq!(careful.values().unwrap(), (x, y));
    // The moments alone, streamed without keeping a point, are the same to the last bit.
    let streamed = load(&plain, Load::Moments(DType::F32));
    assert_eq!(streamed.moments(), fast.moments());
    assert_eq!(streamed.moments(), careful.moments());
    assert!(streamed.tensors(DType::F32, &Device::Cpu).is_err());
    // And the line through them is found exactly: y = 2x + 1.
    let opt = streamed
        .moments()
        .least_squares(model::BiasFit::Learn)
        .unwrap();
    assert!(
        (opt.weight - 2.0).abs() < 1e-12 && (opt.bias - 1.0).abs() < 1e-6,
        "{opt:?}"
    );
}

/// Where the `csv` crate reads (a quote in the file, or lone `\r` line breaks), errors name the
/// line as an editor counts it: blank lines, `\r\n` and `\r` breaks all counted. Blank lines
/// before the header and white-space lines are taken alike by both readers.
#[test]
fn both_readers_count_lines_and_blank_lines_alike() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &str, &str); 7] = [
        (
            "q1.csv",
            "\"x\",y\n1,2\n\n\n\n\nbad,7\n",
            "q1.csv:7:1: `bad` in column x",
        ),
        (
            "q2.csv",
            "\"x\",y\r\n1,2\r\n3,4\r\nbad,7\r\n",
            "q2.csv:4:1: `bad`",
        ),
        (
            "q3.csv",
            "\"x\",y\r\n1,2\r\n\r\n\r\nbad,7\r\n",
            "q3.csv:5:1: `bad`",
        ),
        ("cr.csv", "x,y\r1,2\r3,4\r5,6\rbad,7\r", "cr.csv:5:1: `bad`"),
        ("plain.csv", "x,y\n1,2\n\n\nbad,7\n", "plain.csv:5:1: `bad`"),
        // A tab-only line of a TSV is two empty fields, whichever reader reads it.
        (
            "t.tsv",
            "x\ty\n1\t2\n\t\n3\t5\n",
            "t.tsv:3:1: `` in column x is not a number",
        ),
        (
            "tq.tsv",
            "\"x\"\ty\n1\t2\n\t\n3\t5\n",
            "tq.tsv:3:1: `` in column x is not a number",
        ),
    ];
    for (name, text, want) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let e = error(&["sweep", "--data", path.to_str().unwrap()]);
        assert!(e.contains(want), "{name}: {e}");
    }
    // Blank lines (and a line of spaces) before the header, and a line of no-break spaces
    // among the rows, are skipped by both.
    for (name, text) in [
        ("lead.csv", "\n  \nx,y\n1,2\n\u{a0}\n3,5\n"),
        ("leadq.csv", "\n  \n\"x\",y\n1,2\n\u{a0}\n3,5\n"),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let data = read(&path, &Columns::default(), Load::Points(DType::F64)).unwrap();
        assert_eq!(
            data.values().unwrap(),
            (vec![1.0, 3.0], vec![2.0, 5.0]),
            "{name}"
        );
    }
}

/// Inputs that once crashed the readers: a dtype that is not ASCII, and a file whose size
/// promises far more rows than it holds (a sparse file of a terabyte).
#[test]
fn inputs_that_crashed_are_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let npy = dir.path().join("odd.npy");
    let header = "{'descr': '\u{e9}4', 'fortran_order': False, 'shape': (2, 2), }";
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
    bytes.extend_from_slice(header.as_bytes());
    bytes.extend_from_slice(&[0; 32]);
    std::fs::write(&npy, bytes).unwrap();
    assert!(error(&["sweep", "--data", npy.to_str().unwrap()])
        .contains("dtype `\u{e9}4` is not supported"));
    let sparse = dir.path().join("sparse.csv");
    std::fs::write(&sparse, "x,y\n1,2\n3,5\n").unwrap();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&sparse)
        .unwrap()
        .set_len(1 << 40)
        .unwrap();
    let e = error(&[
        "sweep",
        "--data",
        sparse.to_str().unwrap(),
        "--method",
        "direct",
    ]);
    assert!(e.ends_with("sparse.csv:4: line longer than 1 MiB"), "{e}");
}
