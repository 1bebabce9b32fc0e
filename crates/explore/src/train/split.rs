//! The validation split: which points train and which are held out to validate on.

/// Indices of the training and validation points of `n` points, a fraction `fraction` of them
/// held out at random from `seed` — of each class in its share when `labels` are given
/// (stratified, at least one point of a class with two or more held out) — both in the data's
/// order. The validation set has `round(fraction·n)` points (per class when stratified), at
/// least one, and leaves at least one point to train on.
pub fn split(
    n: usize,
    fraction: f64,
    seed: u64,
    labels: Option<&[u32]>,
) -> (Vec<usize>, Vec<usize>) {
    use rand::seq::SliceRandom;
    use rand::SeedableRng;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    // The groups drawn from: each class, or every point.
    let groups: Vec<Vec<usize>> = match labels {
        Some(labels) => {
            let classes = labels.iter().map(|&l| l as usize + 1).max().unwrap_or(0);
            let mut groups = vec![Vec::new(); classes];
            for (i, &l) in labels.iter().enumerate() {
                groups[l as usize].push(i);
            }
            groups
        }
        None => vec![(0..n).collect()],
    };
    let mut held = vec![false; n];
    for mut group in groups {
        let m = group.len();
        let take =
            ((fraction * m as f64).round() as usize).clamp(usize::from(m >= 2), m - m.min(1));
        group.shuffle(&mut rng);
        for &i in &group[..take] {
            held[i] = true;
        }
    }
    let (val, train): (Vec<usize>, Vec<usize>) = (0..n).partition(|&i| held[i]);
    (train, val)
}

/// [`split`], refused when it would leave either side empty: too few points.
pub fn split_both(
    n: usize,
    fraction: f64,
    seed: u64,
    labels: Option<&[u32]>,
) -> crate::Result<(Vec<usize>, Vec<usize>)> {
    let (train, val) = split(n, fraction, seed, labels);
    if train.is_empty() || val.is_empty() {
        return Err(crate::Error::Usage(format!(
            "{} cannot be split into training and validation points: give more points",
            crate::number::count(n, "point")
        )));
    }
    Ok((train, val))
}
