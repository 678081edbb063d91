//! NumPy's legacy `np.random.RandomState(seed).shuffle` (MT19937 with `init_genrand`
//! seeding and bounded draws by bit-mask rejection), so the loaders shuffle and split the
//! data exactly as Keras does.

/// The MT19937 generator as NumPy's `RandomState` seeds it from an integer.
pub(crate) struct Mt19937 {
    state: [u32; 624],
    pos: usize,
}

impl Mt19937 {
    pub fn new(seed: u32) -> Mt19937 {
        let mut state = [0u32; 624];
        state[0] = seed;
        for i in 1..624 {
            let prev = state[i - 1];
            state[i] = 1_812_433_253u32
                .wrapping_mul(prev ^ (prev >> 30))
                .wrapping_add(i as u32);
        }
        Mt19937 { state, pos: 624 }
    }

    fn refill(&mut self) {
        const UPPER: u32 = 0x8000_0000;
        const LOWER: u32 = 0x7fff_ffff;
        for i in 0..624 {
            let y = (self.state[i] & UPPER) | (self.state[(i + 1) % 624] & LOWER);
            let mut v = self.state[(i + 397) % 624] ^ (y >> 1);
            if y & 1 != 0 {
                v ^= 0x9908_b0df;
            }
            self.state[i] = v;
        }
        self.pos = 0;
    }

    pub fn next_u32(&mut self) -> u32 {
        if self.pos >= 624 {
            self.refill();
        }
        let mut y = self.state[self.pos];
        self.pos += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    fn next_u64(&mut self) -> u64 {
        ((self.next_u32() as u64) << 32) | self.next_u32() as u64
    }

    /// A uniform integer in `0..=max` (NumPy's `random_interval`).
    fn interval(&mut self, max: u64) -> u64 {
        if max == 0 {
            return 0;
        }
        let mut mask = max;
        for s in [1, 2, 4, 8, 16, 32] {
            mask |= mask >> s;
        }
        loop {
            let v = if max <= 0xffff_ffff {
                (self.next_u32() as u64) & mask
            } else {
                self.next_u64() & mask
            };
            if v <= max {
                return v;
            }
        }
    }

    /// Shuffles `items` in place as `RandomState.shuffle` does a 1-D array.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.interval(i as u64) as usize;
            items.swap(i, j);
        }
    }
}

impl Mt19937 {
    /// Seeded as Python's `random.seed(seed)` (`init_by_array` over the seed's 32-bit words).
    pub fn python(seed: u64) -> Mt19937 {
        let key: Vec<u32> = if seed >> 32 == 0 {
            vec![seed as u32]
        } else {
            vec![seed as u32, (seed >> 32) as u32]
        };
        let mut m = Mt19937::new(19_650_218);
        let mt = &mut m.state;
        let (mut i, mut j) = (1usize, 0usize);
        for _ in 0..624.max(key.len()) {
            let prev = mt[i - 1] ^ (mt[i - 1] >> 30);
            mt[i] = (mt[i] ^ prev.wrapping_mul(1_664_525))
                .wrapping_add(key[j])
                .wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= 624 {
                mt[0] = mt[623];
                i = 1;
            }
            if j >= key.len() {
                j = 0;
            }
        }
        for _ in 0..623 {
            let prev = mt[i - 1] ^ (mt[i - 1] >> 30);
            mt[i] = (mt[i] ^ prev.wrapping_mul(1_566_083_941)).wrapping_sub(i as u32);
            i += 1;
            if i >= 624 {
                mt[0] = mt[623];
                i = 1;
            }
        }
        mt[0] = 0x8000_0000;
        m
    }

    /// Python's `random.shuffle` (`_randbelow` by rejection on `getrandbits`); `n < 2^32`.
    pub fn python_shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let n = i as u64 + 1;
            let k = 64 - n.leading_zeros();
            let j = loop {
                let r = (self.next_u32() >> (32 - k)) as u64;
                if r < n {
                    break r;
                }
            };
            items.swap(i, j as usize);
        }
    }
}

/// `indices = np.arange(n); np.random.RandomState(seed).shuffle(indices)`.
pub(crate) fn shuffled_indices(n: usize, seed: u32) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..n).collect();
    Mt19937::new(seed).shuffle(&mut idx);
    idx
}

#[cfg(test)]
mod tests {
    use super::*;

    const PY_SHUFFLE_42: [usize; 12] = [7, 5, 2, 8, 9, 6, 11, 3, 4, 0, 1, 10];

    #[test]
    fn matches_numpy() {
        // np.random.RandomState(5489).randint(0, 2**32, dtype=np.uint64)
        let mut r = Mt19937::new(5489);
        assert_eq!(r.next_u32(), 3_499_211_612);
        // idx = np.arange(10); np.random.RandomState(113).shuffle(idx)
        assert_eq!(
            shuffled_indices(10, 113),
            vec![9, 3, 6, 1, 0, 7, 4, 8, 2, 5]
        );
        // One generator shuffling arange(25) then arange(7), as imdb's train and test.
        let mut r = Mt19937::new(113);
        let (mut a, mut b): (Vec<usize>, Vec<usize>) = ((0..25).collect(), (0..7).collect());
        r.shuffle(&mut a);
        r.shuffle(&mut b);
        let want_a = [
            18, 19, 3, 8, 13, 14, 1, 6, 9, 24, 4, 17, 11, 7, 22, 21, 20, 15, 0, 16, 23, 12, 10, 2,
            5,
        ];
        assert_eq!(a, want_a);
        assert_eq!(b, vec![2, 5, 0, 1, 4, 3, 6]);
        // l = list(range(12)); random.seed(42); random.shuffle(l)
        let mut l: Vec<usize> = (0..12).collect();
        Mt19937::python(42).python_shuffle(&mut l);
        assert_eq!(l, PY_SHUFFLE_42);
    }
}
