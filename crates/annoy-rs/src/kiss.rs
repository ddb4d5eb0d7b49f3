//! Annoy's random number generator: the 64-bit KISS generator of
//! `kissrandom.h` (`Kiss64Random`), bit for bit, so a seed draws the same
//! numbers here as in Annoy.

/// Annoy's default seed (`Kiss64Random::default_seed`).
pub const DEFAULT_SEED: u64 = 1_234_567_890_987_654_321;

/// The 64-bit KISS generator: a linear congruential step, a xorshift and a
/// multiply-with-carry, summed. Cheap, and the same stream as Annoy's.
#[derive(Debug, Clone)]
pub struct Kiss64 {
    x: u64,
    y: u64,
    z: u64,
    c: u64,
}

impl Kiss64 {
    /// A generator seeded like `Kiss64Random(seed)`. Annoy asks for a
    /// non-zero seed; zero works but starts the multiply-with-carry part
    /// from zero.
    pub fn new(seed: u64) -> Self {
        Kiss64 {
            x: seed,
            y: 362_436_362_436_362_436,
            z: 1_066_149_217_761_810,
            c: 123_456_123_456_123_456,
        }
    }

    /// The next 64 random bits (`kiss()`).
    pub fn next_u64(&mut self) -> u64 {
        self.z = self.z.wrapping_mul(6_906_969_069).wrapping_add(1_234_567);
        self.y ^= self.y << 13;
        self.y ^= self.y >> 17;
        self.y ^= self.y << 43;
        let t = (self.x << 58).wrapping_add(self.c);
        self.c = self.x >> 6;
        self.x = self.x.wrapping_add(t);
        self.c += u64::from(self.x < t);
        self.x.wrapping_add(self.y).wrapping_add(self.z)
    }

    /// A fair coin: the lowest bit of the next draw (`flip()`).
    pub fn flip(&mut self) -> bool {
        self.next_u64() & 1 == 1
    }

    /// A number in `0..n` as Annoy draws it (`kiss() % n`, slightly biased).
    ///
    /// # Panics
    /// If `n` is 0 (Annoy divides by zero there); the crate never asks for it.
    pub fn index(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

impl Default for Kiss64 {
    /// A generator with Annoy's default seed.
    fn default() -> Self {
        Kiss64::new(DEFAULT_SEED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_are_deterministic_and_seed_dependent() {
        let draw = |seed| {
            let mut r = Kiss64::new(seed);
            (0..4).map(|_| r.next_u64()).collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        assert_ne!(draw(7), draw(8));
        assert_eq!(draw(DEFAULT_SEED), {
            let mut r = Kiss64::default();
            (0..4).map(|_| r.next_u64()).collect::<Vec<_>>()
        });
    }

    #[test]
    fn index_stays_in_range() {
        let mut r = Kiss64::new(1);
        for n in 1..200 {
            assert!(r.index(n) < n);
        }
    }
}
