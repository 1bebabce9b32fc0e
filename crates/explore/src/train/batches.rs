//! Mini-batches as PyTorch's `DataLoader` makes them: `size` points a batch, the last one
//! smaller, in file order or in a fresh permutation every epoch (as its `RandomSampler` draws
//! one an epoch), drawn from the seed's stream for that epoch, so that epoch `e` is shuffled the
//! same however a run was split.

use candle_core::{Result, Tensor};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// How the `n` points of a data set are cut into batches, epoch by epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Batches {
    n: usize,
    size: usize,
    count: usize,
    shuffle: bool,
    seed: u64,
    /// Epochs trained before this run (a continued run shuffles as the run that never stopped).
    first_epoch: usize,
}

impl Batches {
    /// Batches of `size` of `n` points (`None`: the whole data, full batch), shuffled every
    /// epoch from `seed` when `shuffle`, this run's first epoch being `first_epoch`.
    pub fn new(
        n: usize,
        size: Option<usize>,
        shuffle: bool,
        seed: u64,
        first_epoch: usize,
    ) -> Self {
        let size = size.unwrap_or(n).clamp(1, n.max(1));
        Self {
            n,
            size,
            count: n.div_ceil(size).max(1),
            shuffle,
            seed,
            first_epoch,
        }
    }

    /// Batches an epoch: one update each.
    pub fn count(&self) -> usize {
        self.count
    }

    /// Whether every update sees the whole data.
    pub fn full(&self) -> bool {
        self.count == 1
    }

    /// The data that update `step` of `steps` trains on: every row for full batches, else its
    /// batch of the epoch's order, which `held` keeps from the epoch's first batch (made afresh
    /// there, but not for the step after the last update, which trains nothing).
    pub fn part(
        &self,
        (step, steps): (usize, usize),
        data: &[&Tensor],
        held: &mut Vec<Tensor>,
    ) -> Result<Vec<Tensor>> {
        if self.full() {
            return Ok(data.iter().map(|t| (*t).clone()).collect());
        }
        let b = step % self.count;
        if b == 0 && step < steps {
            *held = self.epoch_order(step / self.count, data)?;
        } else if held.is_empty() {
            *held = data.iter().map(|t| (*t).clone()).collect();
        }
        self.batch(b, held)
    }

    /// The data in the order of this run's `epoch`: a fresh permutation of its rows when
    /// shuffling, else as it is.
    fn epoch_order(&self, epoch: usize, data: &[&Tensor]) -> Result<Vec<Tensor>> {
        if !self.shuffle {
            return Ok(data.iter().map(|t| (*t).clone()).collect());
        }
        let mut order: Vec<u32> = (0..self.n as u32).collect();
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(self.first_epoch.saturating_add(epoch) as u64);
        order.shuffle(&mut rng);
        let index = Tensor::new(order.as_slice(), data[0].device())?;
        data.iter().map(|t| t.index_select(&index, 0)).collect()
    }

    /// Batch `b` of an epoch's data (as [`Batches::epoch_order`] gives it).
    fn batch(&self, b: usize, data: &[Tensor]) -> Result<Vec<Tensor>> {
        let start = b * self.size;
        let len = self.size.min(self.n - start);
        data.iter().map(|t| t.narrow(0, start, len)).collect()
    }
}
