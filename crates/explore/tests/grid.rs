//! SPEC parsing: linspace and comma lists, the errors, round default ranges, and no panics.

use explore::grid::{linspace, nice_range, parse, MAX_COUNT};
use proptest::prelude::*;

#[test]
fn linspace_is_inclusive_like_numpy() {
    // A span that overflows f64 still gives the evenly spaced values, not NaN and inf.
    assert_eq!(parse("-1e308:1e308:3").unwrap(), [-1e308, 0.0, 1e308]);
    assert_eq!(linspace(-1.7e308, 1.7e308, 5)[2], 0.0);
    assert_eq!(
        parse("-3:1:9").unwrap(),
        [-3.0, -2.5, -2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0]
    );
    assert_eq!(parse("1:-1:3").unwrap(), [1.0, 0.0, -1.0]);
    assert_eq!(parse(" 2 : 2 : 1 ").unwrap(), [2.0]);
    // numpy.linspace(0, 1, 11)[-1] == 1.0 exactly, and so is ours.
    assert_eq!(*linspace(0.0, 1.0, 11).last().unwrap(), 1.0);
    assert_eq!(linspace(0.0, 1.0, 11)[3], 0.30000000000000004);
}

#[test]
fn comma_lists() {
    assert_eq!(parse("-3,-2,-1,0,1").unwrap(), [-3.0, -2.0, -1.0, 0.0, 1.0]);
    assert_eq!(parse("0.5").unwrap(), [0.5]);
    assert_eq!(parse("1e-3, 2").unwrap(), [0.001, 2.0]);
}

#[test]
fn errors_say_what_is_wrong() {
    let err = |s| parse(s).unwrap_err();
    assert!(err("1:2").contains("START:END:COUNT"));
    assert!(err("1:2:3:4").contains("has 4 parts"));
    assert!(err("a:b:3").contains("`a` is not a number"));
    assert!(err("0:1:0").contains("COUNT is 0"));
    assert!(err("0:1:2.5").contains("not a whole number"));
    let huge = format!("0:1:{}", MAX_COUNT + 1);
    assert!(err(&huge).contains("too large"));
    assert!(err("0:1:18446744073709551616").contains("not a whole number"));
    assert!(err("").contains("is not a number"));
    assert!(err("1,,2").contains("is not a number"));
    assert!(err("nan,1").contains("not a finite number"));
}

#[test]
fn nice_ranges_are_round_and_cover_the_centre() {
    assert_eq!(nice_range(-1.0, 2.0, 21).len(), 21);
    assert_eq!(nice_range(-1.0, 2.0, 21)[0], -3.0);
    // Exactly `count` values, as `--help` promises, centred on the round value nearest the
    // centre: the optimum 1.087 sits in the middle of a table of steps of 0.2.
    let r = nice_range(1.087, 2.174, 21);
    assert_eq!(r.len(), 21);
    assert_eq!((r[0], r[10], r[20]), (-1.0, 1.0, 3.0));
    assert!(r.contains(&0.6), "{r:?}");
    let b = nice_range(-0.07, 21.76, 81);
    assert_eq!(b.len(), 81);
    assert_eq!((b[0], b[40], b[80]), (-20.0, 0.0, 20.0));
    // Far from zero, where multiples of the step run out of precision: still `count` values.
    assert_eq!(nice_range(1e300, 1.0, 21).len(), 21);
}

proptest! {
    /// Any string is a table of finite values, as many as MAX_COUNT at most, or an error that
    /// says what to type; never a panic, never a NaN.
    #[test]
    fn any_string_is_a_finite_table_or_an_error(s in "\\PC*") {
        match parse(&s) {
            Ok(v) => prop_assert!(!v.is_empty() && v.len() <= MAX_COUNT && v.iter().all(|x| x.is_finite())),
            Err(e) => prop_assert!(!e.is_empty() && !e.contains('\n')),
        }
    }

    /// START:END:COUNT from any parts: COUNT values from START to END, or an error.
    #[test]
    fn specs_made_of_parts_are_linspaces_or_errors(a in "[-0-9.eainf]{0,6}", b in "[-0-9.e]{0,6}", c in "[-0-9]{0,22}") {
        if let Ok(v) = parse(&format!("{a}:{b}:{c}")) {
            let (Ok(start), Ok(end), Ok(count)) = (a.parse::<f64>(), b.parse::<f64>(), c.parse::<usize>()) else {
                return Err(TestCaseError::fail(format!("{a}:{b}:{c} parsed, but its parts are not numbers")));
            };
            prop_assert_eq!(v.len(), count);
            prop_assert_eq!(v[0], start);
            if v.len() > 1 {
                prop_assert_eq!(*v.last().unwrap(), end);
            }
        }
    }

    #[test]
    fn linspace_spec_has_count_values_from_start_to_end(
        start in -1e6f64..1e6, end in -1e6f64..1e6, count in 2usize..500,
    ) {
        prop_assume!(start != end);
        let v = parse(&format!("{start}:{end}:{count}")).unwrap();
        prop_assert_eq!(v.len(), count);
        prop_assert_eq!(v[0], start);
        prop_assert_eq!(v[count - 1], end);
    }
}
