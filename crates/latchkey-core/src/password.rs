//! User passwords: Argon2id, m = 19 MiB, t = 2, p = 1 (OWASP minimum), PHC strings stored so
//! parameters can be raised later. Callers run these off the async runtime (they take ~50 ms).

use crate::rand::{Rng, bytes};
use argon2::password_hash::{PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

fn hasher() -> Result<Argon2<'static>, String> {
    let params = Params::new(19 * 1024, 2, 1, None).map_err(|e| e.to_string())?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

pub fn hash_password(rng: &dyn Rng, password: &str) -> Result<String, String> {
    let salt_bytes: [u8; 16] = bytes(rng);
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| e.to_string())?;
    let hash = hasher()?
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| e.to_string())?;
    Ok(hash.to_string())
}

/// True when `password` matches the stored PHC string. A malformed stored hash never matches.
pub fn verify_password(phc: &str, password: &str) -> bool {
    verify_password_in(&mut HashMemory::default(), phc, password)
}

/// The working memory of one Argon2 computation (19 MiB with our parameters), kept and
/// reused by the server's password slots. Allocating it afresh for each sign-in let
/// glibc's allocator fragment its heap: under a login load the process grew by a few
/// hundred megabytes it never gave back (docs/performance.md).
#[derive(Default)]
pub struct HashMemory(Vec<argon2::Block>);

/// `verify_password`, computing in `memory` (grown when a stored hash asks for more).
/// The comparison of the computed and stored hashes is constant-time.
pub fn verify_password_in(memory: &mut HashMemory, phc: &str, password: &str) -> bool {
    use subtle::ConstantTimeEq;
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) = (
        Algorithm::try_from(parsed.algorithm),
        Params::try_from(&parsed),
    ) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
    };
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    let blocks = params.block_count();
    if memory.0.len() < blocks {
        memory.0.resize(blocks, argon2::Block::default());
    }
    let mut out = vec![0u8; expected.len()];
    let hashed = Argon2::new(algorithm, version, params).hash_password_into_with_memory(
        password.as_bytes(),
        salt,
        &mut out,
        &mut memory.0[..blocks],
    );
    hashed.is_ok() && bool::from(out.as_slice().ct_eq(expected.as_bytes()))
}

/// A fixed hash to verify against when the user does not exist, so that an unknown user
/// costs the same time as a wrong password (FUZZ-20).
pub const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$CZPNW9Ga1HUJqd2lnI5wTM0qUdJ5eAp0sE4HqZTBBy8";

pub fn dummy_verify(password: &str) {
    let _ = verify_password(DUMMY_HASH, password);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rand::SystemRng;

    #[test]
    fn argon2id_roundtrip_with_owasp_parameters() {
        let h = hash_password(&SystemRng, "correct horse").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password(&h, "correct horse"));
        assert!(!verify_password(&h, "correct horsE"));
        assert!(!verify_password("not a hash", "x"));
    }

    /// One working memory serves hashes of other parameters too (grown for a larger `m`,
    /// partly used for a smaller one), and agrees with the argon2 crate's own verifier.
    #[test]
    fn reused_memory_verifies_hashes_of_any_parameters() {
        use argon2::password_hash::PasswordVerifier;
        let mut memory = HashMemory::default();
        let small = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(4096, 1, 1, None).unwrap(),
        );
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        let small_hash = small.hash_password(b"pw", &salt).unwrap().to_string();
        let ours = hash_password(&SystemRng, "correct horse").unwrap();
        for _ in 0..2 {
            assert!(verify_password_in(&mut memory, &small_hash, "pw"));
            assert!(!verify_password_in(&mut memory, &small_hash, "pW"));
            assert!(verify_password_in(&mut memory, &ours, "correct horse"));
            assert!(!verify_password_in(&mut memory, &ours, "correct horsE"));
        }
        let parsed = PasswordHash::new(&small_hash).unwrap();
        assert!(small.verify_password(b"pw", &parsed).is_ok());
        // Truncated, tampered or foreign strings never match.
        assert!(!verify_password_in(
            &mut memory,
            &ours[..ours.len() - 4],
            "correct horse"
        ));
        assert!(!verify_password_in(
            &mut memory,
            &ours.replace("argon2id", "argon2x"),
            "correct horse"
        ));
        assert!(!verify_password_in(
            &mut memory,
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA",
            "x"
        ));
        assert!(!verify_password_in(&mut memory, DUMMY_HASH, "anything"));
    }
}
