//! CSRF tokens: an HMAC of what the request is bound to (the session, or an anonymous visitor cookie),
//! under a key shared by all instances. Stateless, so any instance can check any form.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const FIELD: &str = "csrf_token";
pub const HEADER: &str = "x-csrf-token";

pub fn token(key: &[u8], binding: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(b"intentdojo-csrf:");
    mac.update(binding.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// Constant-time comparison of a submitted token with the expected one.
pub fn verify(key: &[u8], binding: &str, submitted: &str) -> bool {
    let Ok(raw) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(submitted.trim()) else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(b"intentdojo-csrf:");
    mac.update(binding.as_bytes());
    mac.verify_slice(&raw).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_only_for_their_binding_and_key() {
        let t = token(b"key", "s:abc");
        assert!(verify(b"key", "s:abc", &t));
        assert!(!verify(b"key", "s:abd", &t));
        assert!(!verify(b"other", "s:abc", &t));
        assert!(!verify(b"key", "s:abc", ""));
        assert!(!verify(b"key", "s:abc", "not base64 !!"));
    }
}
