//! Labelled tables: feature columns and a label column by name, classes numbered in sorted
//! order (numerically when every label is a number), every bad input one message that says
//! where.

use explore::data::table::{number_classes, read_labelled};

fn read(
    text: &str,
    name: &str,
    features: &[&str],
    label: &str,
) -> Result<explore::data::table::Table, String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    let features: Vec<String> = features.iter().map(|f| f.to_string()).collect();
    read_labelled(&path, &features, label, None).map_err(|e| e.to_string())
}

#[test]
fn classes_are_numbered_in_sorted_order() {
    let texts = |t: &[&str]| t.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    // Numbers by value (2 before 10), words as text.
    assert_eq!(
        number_classes(&texts(&["10", "2", "10", "-1"])),
        (vec![2, 1, 2, 0], texts(&["-1", "2", "10"]))
    );
    assert_eq!(
        number_classes(&texts(&["dog", "cat", "emu", "cat"])),
        (vec![1, 0, 2, 0], texts(&["cat", "dog", "emu"]))
    );
}

#[test]
fn a_table_reads_its_columns_by_name_in_any_case_and_form() {
    let t = read(
        "\u{feff}ID\tF2\tF1\tClass\n1\t2.5\t-1\tb\n2\t3\t4e-1\ta\n\n",
        "t.tsv",
        &["f1", "f2"],
        "class",
    )
    .unwrap();
    assert_eq!(t.features, ["F1", "F2"]);
    assert_eq!(t.x, [-1.0, 2.5, 0.4, 3.0]);
    assert_eq!(
        (t.labels.clone(), t.classes.clone()),
        (vec![1, 0], vec!["a".to_string(), "b".to_string()])
    );
    assert_eq!(t.source.rsplit('/').next().unwrap(), "t.tsv (2 points)");
    assert!(!t.classes_are_indices());
    let t = read(
        "x1;x2;label\n1;2;0\n3;4;1\n",
        "semi.csv",
        &["x1", "x2"],
        "label",
    )
    .unwrap();
    assert!(t.classes_are_indices());
}

#[test]
fn bad_tables_say_where() {
    let e = read("a,b,y\n1,2,0\n1,nan,1\n", "d.csv", &["a", "b"], "y").unwrap_err();
    assert!(
        e.ends_with("d.csv:3:2: `nan` in column b is not a finite number"),
        "{e}"
    );
    let e = read("a,b,y\n1,2,\n", "d.csv", &["a", "b"], "y").unwrap_err();
    assert!(
        e.ends_with("d.csv:2:3: the label (column y) is empty"),
        "{e}"
    );
    let e = read("a,A,y\n1,2,0\n", "d.csv", &["a"], "y").unwrap_err();
    assert!(e.ends_with("d.csv:1: the header names `a` twice"), "{e}");
    let e = read("a,b,y\n1,2,0\n", "d.csv", &["a", "y"], "y").unwrap_err();
    assert_eq!(e, "`y` is both a feature and the label");
    let e = read("a,b,y\n", "d.csv", &["a", "b"], "y").unwrap_err();
    assert!(e.ends_with("d.csv: no data rows after the header"), "{e}");
    let e = read("a,b,y\n1,2\n", "d.csv", &["a", "b"], "y").unwrap_err();
    assert!(e.contains("d.csv:2:"), "{e}");
    let e = read("a,b\n1,2\n", "d.csv", &["a", "b"], "label").unwrap_err();
    assert!(
        e.ends_with("no `label` column (it has: a, b); name the columns that hold x and y"),
        "{e}"
    );
}

#[test]
fn numeric_labels_are_one_class_per_value() {
    let texts: Vec<String> = ["0", "1.0", "1", "0.0", "1e0"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let (labels, classes) = number_classes(&texts);
    assert_eq!(labels, [0, 1, 1, 0, 1]);
    assert_eq!(classes, ["0", "1"]);
    let signed: Vec<String> = ["-0", "0", "1"].iter().map(|s| s.to_string()).collect();
    assert_eq!(
        number_classes(&signed),
        (vec![0, 0, 1], vec!["0".to_string(), "1".to_string()])
    );
    // A table of another form is read as that form, not as text.
    let e = read("x", "t.npy", &["a"], "y").unwrap_err();
    assert!(e.ends_with("t.npy: too short to be a NumPy array"), "{e}");
}
