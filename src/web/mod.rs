//! HTTP plumbing shared by every feature: sessions, CSRF, access control, error pages, i18n, page
//! layout context, telemetry and static assets. Features never parse cookies or check roles themselves.

pub mod access;
pub mod assets;
pub mod csrf;
pub mod error;
pub mod form;
pub mod i18n;
pub mod page;
pub mod session;
pub mod telemetry;

use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

pub use access::Access;
pub use error::AppError;
pub use form::FormFields;
pub use page::{Ctx, render, render_status};

/// 32 random bytes, URL-safe base64: session ids, one-time links, setup tokens.
/// A numeric id from a URL path; anything else names nothing there (404, not 400: a tampered id
/// gets the same answer as a missing one).
pub fn path_id(raw: &str) -> Result<i64, AppError> {
    raw.trim().parse().map_err(|_| AppError::NotFound)
}

pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Tokens are stored hashed, so a copy of the database does not hand out live sessions or links.
pub fn sha256_hex(input: &str) -> String {
    let digest = Sha256::digest(input.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A redirect target supplied by the client is only followed if it stays on this site.
pub fn safe_local_path(candidate: Option<&str>) -> Option<String> {
    let path = candidate?.trim();
    let ok = path.starts_with('/')
        && !path.starts_with("//")
        && !path.starts_with("/\\")
        && !path.contains(['\r', '\n', '\\'])
        && path.len() <= 512;
    ok.then(|| path.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hashes_stable() {
        assert_ne!(random_token(), random_token());
        assert_eq!(random_token().len(), 43);
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn only_local_paths_are_redirect_targets() {
        assert_eq!(
            safe_local_path(Some("/admin/users?q=a")).as_deref(),
            Some("/admin/users?q=a")
        );
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "evil",
            "/a\r\nSet-Cookie: x",
        ] {
            assert_eq!(safe_local_path(Some(bad)), None, "{bad}");
        }
        assert_eq!(safe_local_path(None), None);
    }
}
