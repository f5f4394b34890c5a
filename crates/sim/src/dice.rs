//! The simulator's only source of randomness: ChaCha8 streams with integer
//! sampling written out here, so that a seed means the same world on every
//! platform and with every version of `rand`'s distribution code.

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A seeded random stream. Stream 0 builds the world; stream `k + 1`
/// generates report chunk `k`, so chunks can be produced in any order, on
/// any thread, with identical results.
#[derive(Debug, Clone)]
pub struct Dice(ChaCha8Rng);

impl Dice {
    pub fn new(seed: u64, stream: u64) -> Self {
        // Expand the seed into a 256-bit key by hand (splitmix64) rather than
        // through `seed_from_u64`, whose expansion is `rand_core`'s choice.
        let mut key = [0u8; 32];
        let mut state = seed;
        for chunk in key.chunks_mut(8) {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            chunk.copy_from_slice(&z.to_le_bytes());
        }
        let mut rng = ChaCha8Rng::from_seed(key);
        rng.set_stream(stream);
        Dice(rng)
    }

    pub fn u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in `0..n` (Lemire's multiply-and-reject); `n` must be > 0.
    pub fn below(&mut self, n: u64) -> u64 {
        debug_assert!(n > 0);
        let threshold = n.wrapping_neg() % n;
        loop {
            let m = u128::from(self.0.next_u64()) * u128::from(n);
            if (m as u64) >= threshold {
                return (m >> 64) as u64;
            }
        }
    }

    /// Uniform index into a slice of length `n`.
    pub fn index(&mut self, n: usize) -> usize {
        self.below(n as u64) as usize
    }

    /// Uniform in `lo..=hi`.
    pub fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `per_mille / 1000`.
    pub fn chance(&mut self, per_mille: u32) -> bool {
        self.below(1000) < u64::from(per_mille)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }

    /// A uniform fraction in [0, 1) with 53 bits, for coordinates and
    /// skewed draws; only exact IEEE operations are applied to it.
    pub fn unit(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        self.0.fill_bytes(&mut out);
        out
    }
}

/// A table for drawing indices in proportion to integer weights.
#[derive(Debug, Clone, Default)]
pub struct Weighted {
    cumulative: Vec<u64>,
}

impl Weighted {
    pub fn new(weights: impl IntoIterator<Item = u64>) -> Self {
        let mut total = 0;
        let cumulative = weights
            .into_iter()
            .map(|w| {
                total += w;
                total
            })
            .collect();
        Weighted { cumulative }
    }

    /// Draws an index; the table must not be empty.
    pub fn draw(&self, dice: &mut Dice) -> usize {
        let total = *self
            .cumulative
            .last()
            .expect("a weighted table is never empty");
        let x = dice.below(total);
        self.cumulative.partition_point(|&c| c <= x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: Vec<u64> = (0..4).map(|_| Dice::new(7, 1).u64()).collect();
        let mut d = Dice::new(7, 1);
        let b: Vec<u64> = (0..4).map(|_| d.u64()).collect();
        assert_eq!(a[0], b[0]);
        assert_ne!(Dice::new(7, 1).u64(), Dice::new(7, 2).u64());
        assert_ne!(Dice::new(7, 1).u64(), Dice::new(8, 1).u64());
    }

    #[test]
    fn weighted_draws_respect_zero_weights() {
        let w = Weighted::new([0, 3, 0, 1]);
        let mut d = Dice::new(1, 0);
        let mut counts = [0; 4];
        for _ in 0..4000 {
            counts[w.draw(&mut d)] += 1;
        }
        assert_eq!(counts[0], 0);
        assert_eq!(counts[2], 0);
        assert!(counts[1] > 2 * counts[3]);
    }

    #[test]
    fn below_stays_in_range() {
        let mut d = Dice::new(3, 0);
        assert!((0..1000).all(|_| d.below(7) < 7));
        assert!((0..1000).all(|_| (5..=9).contains(&d.between(5, 9))));
    }
}
