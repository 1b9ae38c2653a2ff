//! SEC-43: slow down password guessing. After `MAX_FAILURES` failed sign-ins for one
//! account within `WINDOW_SECS`, further attempts are refused without checking the
//! password until the window has passed; a success clears the count. The counts live in
//! memory on each node (a lost count only forgives a few attempts), bounded in size.

use latchkey_core::clock::Timestamp;
use std::collections::HashMap;
use std::sync::Mutex;

pub const MAX_FAILURES: u32 = 5;
pub const WINDOW_SECS: i64 = 15 * 60;
/// Most accounts tracked at once; beyond this, expired windows are dropped first.
const MAX_TRACKED: usize = 100_000;

#[derive(Debug, Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, (u32, Timestamp)>>,
}

fn key(username: &str) -> String {
    username.trim().to_lowercase()
}

impl LoginThrottle {
    /// `Some(seconds to wait)` if this account may not try now.
    pub fn blocked_for(&self, username: &str, now: Timestamp) -> Option<i64> {
        let map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let (count, since) = map.get(&key(username))?;
        let wait = since.plus_secs(WINDOW_SECS).millis() - now.millis();
        (*count >= MAX_FAILURES && wait > 0).then(|| (wait + 999) / 1000)
    }

    pub fn record_failure(&self, username: &str, now: Timestamp) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_TRACKED {
            map.retain(|_, (_, since)| since.plus_secs(WINDOW_SECS) > now);
            if map.len() >= MAX_TRACKED {
                map.clear();
            }
        }
        let entry = map.entry(key(username)).or_insert((0, now));
        if entry.1.plus_secs(WINDOW_SECS) <= now {
            *entry = (0, now);
        }
        entry.0 += 1;
    }

    pub fn record_success(&self, username: &str) {
        self.failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&key(username));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sec_43_five_failures_block_until_the_window_passes() {
        let t = LoginThrottle::default();
        let t0 = Timestamp(1_700_000_000_000);
        for _ in 0..MAX_FAILURES {
            assert_eq!(t.blocked_for("Ada@Example.com", t0), None);
            t.record_failure("ada@example.com", t0);
        }
        assert_eq!(
            t.blocked_for("ADA@example.com", t0.plus_secs(10)),
            Some(WINDOW_SECS - 10)
        );
        assert_eq!(
            t.blocked_for("ada@example.com", t0.plus_secs(WINDOW_SECS)),
            None
        );
        assert_eq!(
            t.blocked_for("bob@example.com", t0),
            None,
            "other accounts are unaffected"
        );
        t.record_success("ada@example.com");
        assert_eq!(t.blocked_for("ada@example.com", t0), None);
    }
}
