//! Python's `random.Random(seed)` (MT19937 with CPython's seeding), so `random` and
//! `shuffle` with a `seed` pick what Ansible picks (`59 | random(seed=inventory_hostname)`
//! is a common way to spread cron minutes).

use sha2::{Digest, Sha512};

const N: usize = 624;
const M: usize = 397;

pub struct PyRandom {
    mt: [u32; N],
    index: usize,
}

impl PyRandom {
    /// `Random(text)`: CPython seeds from the text's bytes plus their SHA-512.
    pub fn from_str_seed(seed: &str) -> PyRandom {
        let mut bytes = seed.as_bytes().to_vec();
        bytes.extend_from_slice(&Sha512::digest(seed.as_bytes()));
        Self::from_big_endian(&bytes)
    }

    /// `Random(n)` for an integer seed (its absolute value).
    pub fn from_int_seed(seed: i64) -> PyRandom {
        Self::from_big_endian(&seed.unsigned_abs().to_be_bytes())
    }

    /// Seeds from a big-endian unsigned integer, as `init_by_array` with its 32-bit
    /// words, least significant first.
    fn from_big_endian(bytes: &[u8]) -> PyRandom {
        let mut key: Vec<u32> = bytes
            .rchunks(4)
            .map(|c| c.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b)))
            .collect();
        while key.len() > 1 && key.last() == Some(&0) {
            key.pop();
        }
        if key.is_empty() {
            key.push(0);
        }
        let mut r = PyRandom {
            mt: [0; N],
            index: N,
        };
        r.init_by_array(&key);
        r
    }

    fn init_genrand(&mut self, s: u32) {
        self.mt[0] = s;
        for i in 1..N {
            let prev = self.mt[i - 1];
            self.mt[i] = 1_812_433_253u32
                .wrapping_mul(prev ^ (prev >> 30))
                .wrapping_add(i as u32);
        }
        self.index = N;
    }

    fn init_by_array(&mut self, key: &[u32]) {
        self.init_genrand(19_650_218);
        let (mut i, mut j) = (1usize, 0usize);
        for _ in 0..N.max(key.len()) {
            let prev = self.mt[i - 1];
            self.mt[i] = (self.mt[i] ^ (prev ^ (prev >> 30)).wrapping_mul(1_664_525))
                .wrapping_add(key[j])
                .wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= N {
                self.mt[0] = self.mt[N - 1];
                i = 1;
            }
            if j >= key.len() {
                j = 0;
            }
        }
        for _ in 0..N - 1 {
            let prev = self.mt[i - 1];
            self.mt[i] = (self.mt[i] ^ (prev ^ (prev >> 30)).wrapping_mul(1_566_083_941))
                .wrapping_sub(i as u32);
            i += 1;
            if i >= N {
                self.mt[0] = self.mt[N - 1];
                i = 1;
            }
        }
        self.mt[0] = 0x8000_0000;
    }

    fn next_u32(&mut self) -> u32 {
        if self.index >= N {
            for k in 0..N {
                let y = (self.mt[k] & 0x8000_0000) | (self.mt[(k + 1) % N] & 0x7fff_ffff);
                let mut v = self.mt[(k + M) % N] ^ (y >> 1);
                if y & 1 != 0 {
                    v ^= 0x9908_b0df;
                }
                self.mt[k] = v;
            }
            self.index = 0;
        }
        let mut y = self.mt[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// `getrandbits(k)`: whole 32-bit words, least significant first.
    fn getrandbits(&mut self, k: u32) -> u64 {
        if k <= 32 {
            return u64::from(self.next_u32() >> (32 - k));
        }
        let low = u64::from(self.next_u32());
        let high = u64::from(self.next_u32() >> (64 - k.min(64)));
        (high << 32) | low
    }

    /// `_randbelow(n)` for n > 0: rejection sampling on `n.bit_length()` bits.
    pub fn below(&mut self, n: u64) -> u64 {
        if n <= 1 {
            return 0;
        }
        let k = 64 - n.leading_zeros();
        loop {
            let r = self.getrandbits(k);
            if r < n {
                return r;
            }
        }
    }

    /// `shuffle(list)` in place.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::PyRandom;

    #[test]
    fn matches_cpython() {
        // Recorded from CPython 3.11: Random('web1').randrange(0, 59) == 52, ...
        assert_eq!(PyRandom::from_str_seed("web1").below(59), 52);
        assert_eq!(PyRandom::from_str_seed("x").below(4), 2);
        assert_eq!(PyRandom::from_int_seed(42).below(100), 81);
        let mut l = vec![1, 2, 3, 4, 5];
        PyRandom::from_str_seed("x").shuffle(&mut l);
        assert_eq!(l, vec![5, 2, 1, 4, 3]);
        let mut l: Vec<u32> = (0..40).collect();
        PyRandom::from_int_seed(7).shuffle(&mut l);
        assert_eq!(
            l,
            vec![
                5, 35, 12, 19, 15, 10, 30, 21, 8, 11, 39, 0, 28, 14, 38, 18, 22, 31, 27, 24, 17,
                32, 7, 26, 37, 13, 2, 1, 33, 16, 29, 36, 23, 6, 34, 4, 3, 25, 9, 20
            ]
        );
        assert_eq!(
            PyRandom::from_str_seed("a-much-longer-seed-string-for-testing-web01.example.com")
                .below(3600),
            1234
        );
    }
}
