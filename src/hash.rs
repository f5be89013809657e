//! The sticky bucket of a gradual rollout: Unleash's normalized value,
//! `murmur3_x86_32(group + ":" + id, seed 0) % 100 + 1` over the UTF-8 bytes,
//! so that a team running Unleash on its servers puts the same users in the
//! same bucket.
//!
//! The hasher is streaming ([`Murmur3`]): fed a byte at a time, without allocating.

/// MurmurHash3, x86, 32-bit, fed a byte at a time.
#[derive(Clone, Copy, Debug)]
pub struct Murmur3 {
    h: u32,
    /// The bytes of the block being filled, little-endian.
    block: u32,
    /// How many bytes in all.
    len: u32,
}

const C1: u32 = 0xcc9e_2d51;
const C2: u32 = 0x1b87_3593;

fn mix(k: u32) -> u32 {
    k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2)
}

impl Murmur3 {
    /// A hasher with `seed` (Unleash uses 0).
    pub fn new(seed: u32) -> Murmur3 {
        Murmur3 { h: seed, block: 0, len: 0 }
    }

    /// Feeds one byte.
    pub fn byte(&mut self, b: u8) {
        self.block |= u32::from(b) << ((self.len & 3) * 8);
        self.len = self.len.wrapping_add(1);
        if self.len & 3 == 0 {
            self.h = (self.h ^ mix(self.block)).rotate_left(13).wrapping_mul(5).wrapping_add(0xe654_6b64);
            self.block = 0;
        }
    }

    /// Feeds `bytes`.
    pub fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.byte(b);
        }
    }

    /// The hash.
    pub fn finish(self) -> u32 {
        let mut h = self.h;
        if self.len & 3 != 0 {
            h ^= mix(self.block);
        }
        h ^= self.len;
        h ^= h >> 16;
        h = h.wrapping_mul(0x85eb_ca6b);
        h ^= h >> 13;
        h = h.wrapping_mul(0xc2b2_ae35);
        h ^ (h >> 16)
    }
}

/// `murmur3_x86_32(data, seed)`.
pub fn murmur3_x86_32(data: &[u8], seed: u32) -> u32 {
    let mut m = Murmur3::new(seed);
    m.write(data);
    m.finish()
}

/// Unleash's normalized value of a hash: 1 to 100.
pub fn normalized(hash: u32) -> u32 {
    hash % 100 + 1
}

/// The bucket (1 to 100) of `id` in `group`: Unleash's
/// `normalizedValue(id, group)`.
pub fn bucket(group: &str, id: &str) -> u32 {
    let mut m = Murmur3::new(0);
    m.write(group.as_bytes());
    m.byte(b':');
    m.write(id.as_bytes());
    normalized(m.finish())
}

/// Whether a browser in `bucket` is in at `percent`.
pub fn is_in(percent: u32, bucket: u32) -> bool {
    percent > 0 && bucket <= percent
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_vectors() {
        // From the reference implementation's test suite (SMHasher) and
        // the vectors widely republished with it.
        assert_eq!(murmur3_x86_32(b"", 0), 0);
        assert_eq!(murmur3_x86_32(b"", 1), 0x514e_28b7);
        assert_eq!(murmur3_x86_32(b"", 0xffff_ffff), 0x81f1_6f39);
        assert_eq!(murmur3_x86_32(&[0xff, 0xff, 0xff, 0xff], 0), 0x7629_3b50);
        assert_eq!(murmur3_x86_32(&[0x21, 0x43, 0x65, 0x87], 0), 0xf55b_516b);
        assert_eq!(murmur3_x86_32(&[0x21, 0x43, 0x65, 0x87], 0x5082_edee), 0x2362_f9de);
        assert_eq!(murmur3_x86_32(&[0x21, 0x43, 0x65], 0), 0x7e4a_8634);
        assert_eq!(murmur3_x86_32(&[0x21, 0x43], 0), 0xa0f7_b07a);
        assert_eq!(murmur3_x86_32(&[0x21], 0), 0x7266_1cf4);
        assert_eq!(murmur3_x86_32(&[0, 0, 0, 0], 0), 0x2362_f9de);
        assert_eq!(murmur3_x86_32(b"Hello, world!", 1234), 0xfaf6_cdb3);
        assert_eq!(murmur3_x86_32(b"The quick brown fox jumps over the lazy dog", 0x9747_b28c), 0x2fa8_26cd);
    }

    #[test]
    fn unleash_boundary_vector() {
        // ANCHORS.md: group Feature.flexibleRollout.10, userId "174" is bucket 10.
        assert_eq!(bucket("Feature.flexibleRollout.10", "174"), 10);
        assert!(is_in(10, 10));
        assert!(!is_in(9, 10));
        assert!(!is_in(0, 1));
        assert!(is_in(100, 100));
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties {
    use super::*;
    use alloc::format;
    use alloc::string::String;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn raising_the_percentage_never_turns_a_browser_off(group in any::<String>(), id in any::<String>(), a in 0u32..=100, b in 0u32..=100) {
            let (low, high) = (a.min(b), a.max(b));
            let bucket = bucket(&group, &id);
            prop_assert!((1..=100).contains(&bucket));
            prop_assert!(!is_in(low, bucket) || is_in(high, bucket), "in at {}% but out at {}% (bucket {})", low, high, bucket);
        }

        #[test]
        fn zero_lets_no_one_in_and_a_hundred_everyone(group in any::<String>(), id in any::<String>()) {
            let bucket = bucket(&group, &id);
            prop_assert!(!is_in(0, bucket));
            prop_assert!(is_in(100, bucket));
        }
    }

    /// Over 100,000 random ids, each percentage from 1 to 99 lets in that
    /// share of them, within one point. One deterministic run: the ids come
    /// from a fixed xorshift seed, so a failure is reproducible.
    #[test]
    fn each_percentage_lets_in_its_share_of_100_000_ids() {
        const IDS: u32 = 100_000;
        let mut rng: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut per_bucket = [0u32; 101];
        for _ in 0..IDS {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            // Shaped like the gate's anonymous ids: random hex.
            let id = format!("{rng:016x}");
            per_bucket[bucket("maestro", &id) as usize] += 1;
        }
        assert_eq!(per_bucket[0], 0, "buckets are 1 to 100");
        let mut within = 0;
        for percent in 1..=99u32 {
            within += per_bucket[percent as usize];
            let share = f64::from(within) * 100.0 / f64::from(IDS);
            assert!((share - f64::from(percent)).abs() <= 1.0, "{percent}% let in {share:.2}% of {IDS} ids");
        }
    }
}
