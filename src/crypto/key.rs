//! Keys: the 32-byte AES key, `PRAGMA key` / `sqlite3_key` value parsing, Argon2id derivation.
//!
//! Invariant: every buffer holding key material (`Key`, a passphrase, Argon2's output) is
//! zeroized when dropped, and none of them prints its bytes through `Debug`.

use super::{KEY_LEN, SALT_LEN};
use crate::error::codes::{SQLITE_ERROR, SQLITE_NOMEM};
use crate::{Error, Result};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// Argon2id parameters of format version 1: m = 64 MiB, t = 3, p = 4 (v1.3).
pub const ARGON2_M_KIB: u32 = 64 * 1024;
pub const ARGON2_T: u32 = 3;
pub const ARGON2_P: u32 = 4;

/// A 256-bit AES key. Zeroized on drop; `Debug` shows no bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct Key {
    bytes: [u8; KEY_LEN],
}

impl Key {
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Key {
        Key { bytes }
    }
    pub fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.bytes
    }
    /// A fresh key from the OS random source (for files that only this connection reads,
    /// such as temporary files: ENCRYPTION.md's per-connection key).
    pub fn random() -> Result<Key> {
        let mut k = Key::from_bytes([0u8; KEY_LEN]);
        super::codec::os_random(&mut k.bytes)?;
        Ok(k)
    }
}

impl Drop for Key {
    fn drop(&mut self) {
        self.bytes.zeroize();
    }
}
impl ZeroizeOnDrop for Key {}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(<redacted>)")
    }
}

/// What the user gave: a passphrase (goes through Argon2id with the file's salt) or a raw key.
/// A clone is zeroized on drop as the original.
#[derive(Clone)]
pub enum KeySpec {
    Passphrase(Zeroizing<Vec<u8>>),
    Raw(Key),
}

impl std::fmt::Debug for KeySpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeySpec::Passphrase(_) => f.write_str("KeySpec::Passphrase(<redacted>)"),
            KeySpec::Raw(_) => f.write_str("KeySpec::Raw(<redacted>)"),
        }
    }
}

impl KeySpec {
    /// Parse the value of `PRAGMA key` / `PRAGMA rekey` / `sqlite3_key(pKey, nKey)`:
    /// - empty → `Ok(None)` (no encryption; `rekey = ''` decrypts);
    /// - `x'<64 hex digits>'` (either case of `x`) → a raw 32-byte key, no KDF; any value of the
    ///   form `x'…'` that is not exactly 64 hex digits is an error (a passphrase cannot have
    ///   that form);
    /// - anything else → a passphrase (its bytes as given).
    pub fn parse(value: &[u8]) -> Result<Option<KeySpec>> {
        if value.is_empty() {
            return Ok(None);
        }
        if let Some(inner) = raw_key_body(value) {
            return Ok(Some(KeySpec::Raw(parse_hex_key(inner)?)));
        }
        Ok(Some(KeySpec::Passphrase(Zeroizing::new(value.to_vec()))))
    }

    /// The URI parameter `hexkey=`: 64 hex digits, no `x'…'` wrapper.
    pub fn from_hex(hex: &[u8]) -> Result<KeySpec> {
        Ok(KeySpec::Raw(parse_hex_key(hex)?))
    }

    /// The AES key for a file with this salt (Argon2id for a passphrase; the raw key as is).
    pub fn derive(&self, salt: &[u8; SALT_LEN]) -> Result<Key> {
        match self {
            KeySpec::Passphrase(p) => derive_key(p, salt),
            KeySpec::Raw(k) => Ok(k.clone()),
        }
    }
}

/// `x'…'` → the bytes between the quotes.
fn raw_key_body(v: &[u8]) -> Option<&[u8]> {
    let rest = v.strip_prefix(b"x'").or_else(|| v.strip_prefix(b"X'"))?;
    rest.strip_suffix(b"'")
}

fn bad_key() -> Error {
    Error::new(
        SQLITE_ERROR,
        "invalid raw key: expected x'<64 hex digits>' (32 bytes)",
    )
}

fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

fn parse_hex_key(hex: &[u8]) -> Result<Key> {
    if hex.len() != 2 * KEY_LEN {
        return Err(bad_key());
    }
    let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
    for (out, pair) in bytes.iter_mut().zip(hex.chunks_exact(2)) {
        let (hi, lo) = match pair {
            [h, l] => (hex_digit(*h), hex_digit(*l)),
            _ => (None, None),
        };
        match (hi, lo) {
            (Some(h), Some(l)) => *out = (h << 4) | l,
            _ => return Err(bad_key()),
        }
    }
    Ok(Key::from_bytes(*bytes))
}

/// Argon2id v1.3, m = 64 MiB, t = 3, p = 4, 32-byte output, salt = the file's salt.
pub fn derive_key(passphrase: &[u8], salt: &[u8; SALT_LEN]) -> Result<Key> {
    use argon2::{Algorithm, Argon2, Params, Version};
    let params = Params::new(ARGON2_M_KIB, ARGON2_T, ARGON2_P, Some(KEY_LEN))
        .map_err(|e| Error::new(SQLITE_ERROR, format!("argon2 parameters: {e}")))?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let mut out = Zeroizing::new([0u8; KEY_LEN]);
    argon
        .hash_password_into(passphrase, salt, &mut out[..])
        .map_err(|e| match e {
            argon2::Error::MemoryTooLittle | argon2::Error::MemoryTooMuch => {
                Error::code(SQLITE_NOMEM)
            }
            e => Error::new(SQLITE_ERROR, format!("key derivation failed: {e}")),
        })?;
    Ok(Key::from_bytes(*out))
}
