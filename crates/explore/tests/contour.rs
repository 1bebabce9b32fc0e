//! Contour lines by marching squares.

use explore::plot::contour::segments;

#[test]
fn circle_contours_lie_on_the_circle() {
    // f = x² + y² on a fine grid: the level-1 contour is the unit circle.
    let xs: Vec<f64> = (0..=80).map(|i| -2.0 + i as f64 * 0.05).collect();
    let values: Vec<f64> = xs
        .iter()
        .flat_map(|x| xs.iter().map(move |y| x * x + y * y))
        .collect();
    let segs = segments(&xs, &xs, &values, 1.0);
    assert!(segs.len() > 100, "{}", segs.len());
    for s in &segs {
        for (x, y) in s {
            let r = (x * x + y * y).sqrt();
            // Linear interpolation across a 0.05 cell is off the circle by well under a cell.
            assert!((r - 1.0).abs() < 0.01, "({x}, {y}) at radius {r}");
        }
    }
}

#[test]
fn levels_outside_the_values_and_nan_cells_give_nothing() {
    let xs = [0.0, 1.0];
    assert!(segments(&xs, &xs, &[0.0, 1.0, 2.0, 3.0], 10.0).is_empty());
    assert!(segments(&xs, &xs, &[0.0, f64::NAN, 2.0, 3.0], 1.5).is_empty());
    // A saddle cell gives two segments.
    assert_eq!(segments(&xs, &xs, &[1.0, 0.0, 0.0, 1.0], 0.5).len(), 2);
}
