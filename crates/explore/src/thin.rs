//! Few of many: evenly spaced picks of a long table and a bounded record of a long sequence, so
//! that a 10⁷-point sweep or a million-epoch run is drawn and kept from a few thousand values.

/// At most `max` evenly spaced indices of `0..n`, the first and the last included: what a figure
/// draws of a grid too fine to show every value (a 10⁷-point sweep would be a 1 GB SVG).
pub fn evenly(n: usize, max: usize) -> Vec<usize> {
    if n <= max {
        return (0..n).collect();
    }
    if max < 2 {
        return (0..max).collect();
    }
    let mut picked: Vec<usize> = (0..max)
        .map(|k| ((k as f64) * (n - 1) as f64 / (max - 1) as f64).round() as usize)
        .collect();
    picked.dedup();
    picked
}

/// At most about `2 × cap` items of a sequence of any length, evenly spaced: every `k`-th item
/// is kept, and `k` doubles (dropping every other kept item) whenever `2 × cap` are held; the
/// last item is always kept. A million-epoch path draws the same picture from a few thousand
/// points, in bounded memory.
#[derive(Debug, Clone)]
pub struct Thinned<T> {
    cap: usize,
    every: usize,
    seen: usize,
    /// The kept items with their positions in the sequence, and the latest item.
    kept: Vec<(usize, T)>,
    last: Option<(usize, T)>,
}

impl<T: Clone> Thinned<T> {
    /// Keeps between `cap` and `2 × cap` items (`cap` ≥ 1).
    pub fn new(cap: usize) -> Self {
        Self {
            cap: cap.max(1),
            every: 1,
            seen: 0,
            kept: Vec::new(),
            last: None,
        }
    }

    /// The next item of the sequence.
    pub fn push(&mut self, item: T) {
        let index = self.seen;
        self.seen += 1;
        if index % self.every == 0 {
            self.kept.push((index, item.clone()));
            if self.kept.len() >= 2 * self.cap {
                self.every *= 2;
                let every = self.every;
                self.kept.retain(|(i, _)| i % every == 0);
            }
        }
        self.last = Some((index, item));
    }

    /// How many items were pushed.
    pub fn seen(&self) -> usize {
        self.seen
    }

    /// The kept items in order, the last item of the sequence included.
    pub fn items(&self) -> Vec<T> {
        let last_kept = self.kept.last().map(|(i, _)| *i);
        let last = self.last.iter().filter(|(i, _)| Some(*i) != last_kept);
        self.kept
            .iter()
            .chain(last)
            .map(|(_, t)| t.clone())
            .collect()
    }
}

/// As data, the kept items in order ([`Thinned::items`]).
impl<T: Clone + serde::Serialize> serde::Serialize for Thinned<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.items())
    }
}
