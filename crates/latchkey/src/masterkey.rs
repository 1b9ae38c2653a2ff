//! Where the master key comes from: `LATCHKEY_MASTER_KEY`, or for the embedded default a
//! key file beside the SQLite database (`<db>.key`, mode 0600), created only while the
//! database holds no signing keys. A missing key file for a database that has keys is an
//! error, never a reason to generate new keys (REL-04).

use latchkey_core::keys::MasterKey;
use latchkey_core::rand::SystemRng;
use latchkey_core::store::Store;
use std::io::Write;
use std::path::PathBuf;

/// The key file path for a `sqlite://` URL, `None` for other backends or in-memory.
pub fn key_file_for(database_url: &str) -> Option<PathBuf> {
    let rest = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    if path.is_empty() || path.starts_with(":memory:") {
        return None;
    }
    Some(PathBuf::from(format!("{path}.key")))
}

pub async fn load(database_url: &str, store: &dyn Store) -> Result<MasterKey, String> {
    if let Ok(v) = std::env::var("LATCHKEY_MASTER_KEY") {
        return MasterKey::parse(&v).map_err(|e| format!("LATCHKEY_MASTER_KEY: {e}"));
    }
    let Some(path) = key_file_for(database_url) else {
        return Err(
            "set LATCHKEY_MASTER_KEY (32 bytes, base64 or hex) to encrypt signing keys at rest"
                .into(),
        );
    };
    if path.exists() {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        return MasterKey::parse(&text).map_err(|e| format!("{}: {e}", path.display()));
    }
    let has_keys = !store
        .list_keys()
        .await
        .map_err(|e| e.to_string())?
        .is_empty();
    if has_keys {
        return Err(format!(
            "the database has signing keys but the master key file {} is missing; restore it or set LATCHKEY_MASTER_KEY (refusing to start rather than replace the keys)",
            path.display()
        ));
    }
    let key = MasterKey::generate(&SystemRng);
    write_private(&path, &key.to_base64())?;
    tracing::info!(path = %path.display(), "created master key file");
    Ok(key)
}

fn write_private(path: &PathBuf, text: &str) -> Result<(), String> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    f.write_all(text.as_bytes())
        .and_then(|_| f.write_all(b"\n"))
        .and_then(|_| f.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_file_sits_beside_the_database() {
        assert_eq!(
            key_file_for("sqlite://latchkey.db"),
            Some(PathBuf::from("latchkey.db.key"))
        );
        assert_eq!(
            key_file_for("sqlite:///var/lib/lk.db?mode=rwc"),
            Some(PathBuf::from("/var/lib/lk.db.key"))
        );
        assert_eq!(key_file_for("sqlite::memory:"), None);
        assert_eq!(key_file_for("postgres://x/y"), None);
    }
}
