//! The chains' random number generator: xoshiro256++ (Blackman & Vigna), seeded through
//! SplitMix64.
//!
//! It is hand-rolled (a dozen lines) so that its exact output is part of redraw's contract: a
//! run's results depend only on `(seed, chain index)`, never on a dependency's version, and the
//! whole state is four `u64`s that a checkpoint can store and restore bit for bit.

/// xoshiro256++ state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rng {
    s: [u64; 4],
}

fn splitmix64(x: &mut u64) -> u64 {
    *x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    /// A generator seeded from one `u64` (the four state words are SplitMix64 outputs, so the
    /// state is never all zero).
    pub fn from_seed(seed: u64) -> Rng {
        let mut x = seed;
        Rng { s: [splitmix64(&mut x), splitmix64(&mut x), splitmix64(&mut x), splitmix64(&mut x)] }
    }

    /// The stream of chain `chain` of a run with seed `seed`. Mixing the chain index through
    /// SplitMix64 first keeps neighbouring chains' streams unrelated.
    pub fn for_chain(seed: u64, chain: u64) -> Rng {
        let mut x = seed ^ 0x6A09_E667_F3BC_C909;
        let a = splitmix64(&mut x);
        let mut y = chain.wrapping_mul(0xD1B5_4A32_D192_ED03) ^ a;
        Rng::from_seed(splitmix64(&mut y))
    }

    /// The raw state, for checkpoints.
    pub fn state(&self) -> [u64; 4] {
        self.s
    }

    /// Restores a state saved by [`Rng::state`].
    pub fn from_state(s: [u64; 4]) -> Rng {
        Rng { s }
    }

    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform integer in `0..n` (`n > 0`), exactly unbiased (Lemire's multiply-and-reject).
    #[inline]
    pub fn below(&mut self, n: u32) -> u32 {
        debug_assert!(n > 0);
        let n64 = n as u64;
        let mut m = (self.next_u64() >> 32) * n64;
        if ((m as u32) as u64) < n64 {
            let threshold = (n.wrapping_neg() % n) as u64;
            while ((m as u32) as u64) < threshold {
                m = (self.next_u64() >> 32) * n64;
            }
        }
        (m >> 32) as u32
    }

    /// Uniform `usize` in `0..n` for `n` up to `u32::MAX`.
    #[inline]
    pub fn index(&mut self, n: usize) -> usize {
        self.below(n as u32) as usize
    }

    /// Uniform float in `[0, 1)` with 53 random bits.
    #[inline]
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// `true` with probability `p`.
    #[inline]
    pub fn chance(&mut self, p: f64) -> bool {
        p >= 1.0 || self.unit() < p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xoshiro_reference_vector() {
        // From state {1, 2, 3, 4} the first output is rotl(1 + 4, 23) + 1, by the definition.
        let mut r = Rng::from_state([1, 2, 3, 4]);
        assert_eq!(r.next_u64(), (5u64 << 23) + 1);
        // The state update of the reference C code: s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3;
        // s2 ^= s1_old << 17; s3 = rotl(s3, 45).
        assert_eq!(r.state(), [7, 0, 262_146, 6u64.rotate_left(45)]);
    }

    #[test]
    fn below_is_in_range_and_roughly_uniform() {
        let mut r = Rng::from_seed(7);
        let mut counts = [0u32; 7];
        for _ in 0..70_000 {
            counts[r.below(7) as usize] += 1;
        }
        for c in counts {
            assert!((9_400..10_600).contains(&c), "{counts:?}");
        }
    }

    #[test]
    fn chains_get_distinct_streams() {
        let a = Rng::for_chain(1, 0).next_u64();
        let b = Rng::for_chain(1, 1).next_u64();
        let c = Rng::for_chain(2, 0).next_u64();
        assert!(a != b && a != c && b != c);
        assert_eq!(Rng::for_chain(1, 1).next_u64(), b);
    }
}
