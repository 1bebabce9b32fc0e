//! Contour lines of a grid of values by marching squares: for each level, the line segments
//! where the bilinear surface through the grid crosses that level.

/// Segments `((x0, y0), (x1, y1))` where `values` crosses `level`.
///
/// `values[i * ys.len() + j]` is the value at `(xs[i], ys[j])` (x-major, as `explore surface`
/// writes its grid). Cells with a non-finite corner are skipped.
pub fn segments(xs: &[f64], ys: &[f64], values: &[f64], level: f64) -> Vec<[(f64, f64); 2]> {
    let at = |i: usize, j: usize| values[i * ys.len() + j];
    let mut out = Vec::new();
    for i in 0..xs.len().saturating_sub(1) {
        for j in 0..ys.len().saturating_sub(1) {
            // Corners counter-clockwise from the bottom left, and the edges between them.
            let corners = [
                ((xs[i], ys[j]), at(i, j)),
                ((xs[i + 1], ys[j]), at(i + 1, j)),
                ((xs[i + 1], ys[j + 1]), at(i + 1, j + 1)),
                ((xs[i], ys[j + 1]), at(i, j + 1)),
            ];
            if corners.iter().any(|c| !c.1.is_finite()) {
                continue;
            }
            let mut crossings = Vec::with_capacity(4);
            for e in 0..4 {
                let ((p, a), (q, b)) = (corners[e], corners[(e + 1) % 4]);
                if (a < level) != (b < level) {
                    let t = (level - a) / (b - a);
                    crossings.push((p.0 + t * (q.0 - p.0), p.1 + t * (q.1 - p.1)));
                }
            }
            match crossings[..] {
                [p, q] => out.push([p, q]),
                [p, q, r, s] => {
                    // A saddle: the cell's mean decides which corners the level separates.
                    let centre = corners.iter().map(|c| c.1).sum::<f64>() / 4.0;
                    // If the centre sides with corners 0 and 2, the level cuts off corner 1
                    // (between the bottom and right edges) and corner 3 (top and left).
                    if (centre < level) == (corners[0].1 < level) {
                        out.extend([[p, q], [r, s]]);
                    } else {
                        out.extend([[s, p], [q, r]]);
                    }
                }
                _ => {}
            }
        }
    }
    out
}
