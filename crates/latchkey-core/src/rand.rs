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
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}
