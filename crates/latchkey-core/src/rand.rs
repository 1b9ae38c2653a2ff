//! Randomness as a parameter. Every secret value comes from a CSPRNG (SEC-18).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

pub trait Rng: Send + Sync {
    /// Fill `dest` with cryptographically secure random bytes.
    fn fill(&self, dest: &mut [u8]);
}

/// The operating system's CSPRNG, through aws-lc-rs.
#[derive(Debug, Default)]
pub struct SystemRng;

impl Rng for SystemRng {
    fn fill(&self, dest: &mut [u8]) {
        // aws-lc's RNG only fails if the OS entropy source is gone; there is no safe way to
        // continue issuing secrets then, so abort rather than hand out zeros.
        if aws_lc_rs::rand::fill(dest).is_err() {
            std::process::abort();
        }
    }
}

pub fn bytes<const N: usize>(rng: &dyn Rng) -> [u8; N] {
    let mut b = [0u8; N];
    rng.fill(&mut b);
    b
}

/// `n` random bytes as upper-case hex (IMS-style ids).
pub fn upper_hex(rng: &dyn Rng, n: usize) -> String {
    let mut b = vec![0u8; n];
    rng.fill(&mut b);
    hex::encode_upper(b)
}

/// `n` random bytes as lower-case hex (client ids).
pub fn lower_hex(rng: &dyn Rng, n: usize) -> String {
    let mut b = vec![0u8; n];
    rng.fill(&mut b);
    hex::encode(b)
}

/// `n` random bytes, base64url without padding (secrets, token ids).
pub fn token(rng: &dyn Rng, n: usize) -> String {
    let mut b = vec![0u8; n];
    rng.fill(&mut b);
    URL_SAFE_NO_PAD.encode(b)
}

/// A random UUID v4 in its usual text form (IMS token ids embed one).
pub fn uuid_v4(rng: &dyn Rng) -> String {
    let mut b: [u8; 16] = bytes(rng);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    // Written digit by digit: one allocation, where hex + format! made three (every token
    // id carries one).
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(36);
    for (i, byte) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fills with 0x00, 0x11, …, 0xff: every nibble appears once in a UUID's 16 bytes.
    struct Counting;
    impl Rng for Counting {
        fn fill(&self, dest: &mut [u8]) {
            for (i, b) in dest.iter_mut().enumerate() {
                *b = (i as u8).wrapping_mul(0x11);
            }
        }
    }

    #[test]
    fn a_uuid_is_hyphenated_lower_hex_with_version_4_and_the_rfc_variant() {
        // Bytes 6 and 8 (0x66, 0x88) carry the version and variant bits.
        assert_eq!(uuid_v4(&Counting), "00112233-4455-4677-8899-aabbccddeeff");
        let u = uuid_v4(&SystemRng);
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
    }
}
