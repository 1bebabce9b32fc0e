//! The CSV reader and `--point` parser: good files read right, and no input makes them panic.

use explore::cli::point as parse_point;
use explore::data::{read_csv, to_csv, Columns, Dataset};
use proptest::prelude::*;

/// The points of a data set, as f64.
fn xy(data: &Dataset) -> (Vec<f64>, Vec<f64>) {
    data.values().unwrap()
}

#[test]
fn reads_columns_by_name_in_any_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.csv");
    std::fs::write(&path, "\u{feff}id,Y,X\r\na,1.5,-2\r\nb,2.5,4e1\r\n").unwrap();
    let data = read_csv(&path, &Columns::default()).unwrap();
    assert_eq!(xy(&data), (vec![-2.0, 40.0], vec![1.5, 2.5]));
    assert!(data.describe().ends_with("d.csv (2 points)"));
    // And back: to_csv round-trips exactly.
    std::fs::write(&path, to_csv(&data).unwrap()).unwrap();
    assert_eq!(
        xy(&read_csv(&path, &Columns::default()).unwrap()),
        xy(&data)
    );
}

#[test]
fn points_from_flags() {
    assert_eq!(parse_point("-3,3").unwrap(), (-3.0, 3.0));
    assert_eq!(parse_point(" 1e-3 , -0 ").unwrap(), (0.001, -0.0));
    let d = Dataset::from_points(&[parse_point("-3,3").unwrap()]);
    assert_eq!(d.describe(), "point (-3, 3) (1 point)");
    assert_eq!(
        Dataset::from_points(&[(1.0, 2.0), (3.0, 4.0)]).describe(),
        "the points given (2 points)"
    );
    assert!(parse_point("1,2,3")
        .unwrap_err()
        .to_string()
        .contains("`2,3` is not a number"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn no_bytes_make_the_reader_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fuzz.csv");
        std::fs::write(&path, &bytes).unwrap();
        if let Ok(d) = read_csv(&path, &Columns::default()) {
            prop_assert!(!d.is_empty());
            let (x, y) = xy(&d);
            prop_assert!(x.iter().chain(&y).all(|v| v.is_finite()));
        }
    }

    #[test]
    fn csv_like_text_never_panics(text in "(x|y|,|[0-9]|\\.|-|e|\\n|\"| |N|a){0,80}") {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fuzz.csv");
        std::fs::write(&path, format!("x,y\n{text}")).unwrap();
        if let Ok(d) = read_csv(&path, &Columns::default()) {
            // Every point read is a line of the text with two finite numbers.
            prop_assert!(!d.is_empty() && d.len() <= text.lines().count());
            let (x, y) = xy(&d);
            prop_assert!(x.iter().chain(&y).all(|v| v.is_finite()));
        }
    }

    #[test]
    fn point_text_is_two_finite_numbers_or_refused(s in "\\PC*") {
        match parse_point(&s) {
            Ok((x, y)) => {
                let (a, b) = s.split_once(',').expect("an accepted point has a comma");
                prop_assert_eq!(a.trim().parse::<f64>().ok(), Some(x));
                prop_assert_eq!(b.trim().parse::<f64>().ok(), Some(y));
                prop_assert!(x.is_finite() && y.is_finite());
            }
            Err(e) => prop_assert!(e.contains("expected X,Y"), "{}", e),
        }
    }
}

#[test]
fn columns_by_any_name_and_any_common_separator() {
    let dir = tempfile::tempdir().unwrap();
    let named = |x: &str, y: &str| Columns {
        x: x.into(),
        y: y.into(),
        delimiter: None,
    };
    // Semicolons, found from the header; columns picked by name, any case.
    let semi = dir.path().join("houses.csv");
    std::fs::write(&semi, "id;SqFt;price\n1;1000;200000\n2;2000;350000\n").unwrap();
    let d = read_csv(&semi, &named("sqft", "PRICE")).unwrap();
    assert_eq!(xy(&d), (vec![1000.0, 2000.0], vec![200000.0, 350000.0]));
    // A wrong name lists the columns there are.
    let e = read_csv(&semi, &named("area", "price"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("no `area` column (it has: id, SqFt, price)"),
        "{e}"
    );
    // Tabs: by the .tsv extension, and found from the header in a .csv.
    for name in ["t.tsv", "t.csv"] {
        let tab = dir.path().join(name);
        std::fs::write(&tab, "x\ty\n1\t2\n3\t4\n").unwrap();
        assert_eq!(
            xy(&read_csv(&tab, &Columns::default()).unwrap()).1,
            [2.0, 4.0]
        );
    }
    // A separator given outright wins, and a comma-separated file with a semicolon in a
    // quoted field stays comma-separated.
    let quoted = dir.path().join("q.csv");
    std::fs::write(&quoted, "x,y,note\n1,2,\"a;b\"\n").unwrap();
    assert_eq!(
        xy(&read_csv(&quoted, &Columns::default()).unwrap()).0,
        [1.0]
    );
    let pipes = dir.path().join("p.txt");
    std::fs::write(&pipes, "x|y\n5|6\n").unwrap();
    let piped = Columns {
        delimiter: Some(b'|'),
        ..Columns::default()
    };
    assert_eq!(xy(&read_csv(&pipes, &piped).unwrap()).1, [6.0]);
}
