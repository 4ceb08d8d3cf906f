//! Page encryption: AES-256-GCM per page, Argon2id key derivation, key handling.
//! The format is `shared/ENCRYPTION.md` (format version 1); this header summarises it.
//!
//! # Threat model
//! Protects the database file, its rollback journal and its WAL (frame payloads; WAL and frame
//! headers stay as SQLite defines them) at rest; no temporary file is ever written (the temp
//! database, statement journals and sorts live in memory), so there is none to encrypt;
//! against
//! someone who can read or modify the file: every page is confidential, and any modified byte,
//! any page moved to another page number, any page copied in from another database (another
//! salt) and any wrong key is detected. NOT protected: a running process's memory; rollback of
//! the whole file to an older copy; and (format version 1) replay of an older version of the
//! *same* page at the *same* position of the *same* database — its nonce and tag are valid
//! (a planted hot journal can do exactly that, since journal playback needs no key).
//! Nonce budget: random 96-bit nonces keep the collision probability under NIST SP 800-38D's
//! 2^-32 for up to 2^32 page writes per key. `rekey` with a passphrase makes a fresh salt and
//! so a fresh key; a raw key is used as given and keeps its budget across rekeys.
//!
//! # Format (version 1, identified by reserved-bytes R = 28 in header byte 20)
//! ```text
//!  page n > 1 on disk:  | AES-GCM ciphertext of plaintext[0 .. P-28] | nonce(12) | tag(16) |
//!  page 1 on disk:      | salt(16) | hdr[16..24] clear | ciphertext of plaintext[24 .. P-28] | nonce | tag |
//!  AAD = salt(16) || pgno (u32 BE) || P (u32 BE) || version (1 byte = 1)
//!        [page 1 only: || plaintext[0..24] = "SQLite format 3\0" || hdr[16..24]]
//! ```
//! In memory (what the pager cache and the b-tree see) page 1 starts with `SQLite format 3\0`;
//! on disk those 16 bytes hold the random per-file salt. Bytes 16..24 (page size, format
//! versions, reserved bytes = 28, payload fractions) stay in clear so the page size can be read
//! before the key is known; the AAD still authenticates them. The reserved tail of a decrypted
//! page is zeroed in memory (the b-tree never reads it).
//!
//! # Invariants
//! 1. A nonce is never chosen by a caller: every encryption draws 12 fresh bytes from the OS
//!    random source (`getrandom(2)` through ring's `SystemRandom`). Only `#[cfg(test)]` code can
//!    fix a nonce.
//! 2. Decryption verifies the tag before a single plaintext byte is handed out; on failure the
//!    output buffer is zeroed and the error is `SQLITE_CORRUPT` (via `corrupt!(pgno)`), except
//!    for page 1 before this codec ever verified a page, which is `SQLITE_NOTADB` ("wrong key").
//! 3. Key material (`Key`, passphrases, the Argon2 output) is zeroized on drop; `Debug` never
//!    prints it. Argon2's 64 MiB work area is zeroized by its crate. AES-GCM is ring's (its
//!    assembly is 3-4x faster per page than the aes-gcm crate); ring does not clear its key
//!    schedule, so `codec.rs`'s `Cipher` overwrites it in place on drop (best effort: a plain
//!    store kept alive by `black_box`, not a volatile write).
//! 4. Nothing here panics on caller or file data: lengths are checked, slices go through `get`.
//! 5. Page 1 is only encrypted if its plaintext carries the SQLite magic, the page size given and
//!    reserved bytes = 28, so data can never be written where the nonce and tag go.
//!
//! # Use
//! The db layer (`src/db/key.rs`) builds `KeyedCodec::new(KeySpec::parse(value)?)` from
//! `PRAGMA key`, `sqlite3_key` or the URI (`KeySpec::from_hex` for `hexkey=`) and hands it to
//! `Pager::set_codec` before the first access, or to `Pager::rekey` for `PRAGMA rekey`.
//! `gen_vectors.py` (test vectors) and `dbcrypt.py` (whole-file encrypt/decrypt) are an
//! independent implementation of this format in Python/OpenSSL, used by the tests.
#![deny(clippy::unwrap_used, clippy::indexing_slicing, unsafe_code)]

mod codec;
mod key;

#[cfg(test)]
mod tests;

pub use codec::{new_salt, salt_of, PageCodec};
pub use key::{derive_key, Key, KeySpec};

/// Bytes reserved at the end of every page: nonce (12) + GCM tag (16). Header byte 20.
pub const RESERVED: usize = 28;
/// GCM nonce length (96 bits).
pub const NONCE_LEN: usize = 12;
/// GCM tag length (128 bits).
pub const TAG_LEN: usize = 16;
/// Per-file salt length (page 1 bytes 0..16 on disk).
pub const SALT_LEN: usize = 16;
/// Key length (AES-256).
pub const KEY_LEN: usize = 32;
/// Format version, bound into every page's AAD.
pub const FORMAT_VERSION: u8 = 1;
/// Page 1 bytes that are not encrypted (salt + header bytes 16..24).
pub const PAGE1_CLEAR: usize = 24;
/// SQLite's magic string, which page 1 carries in memory (and the salt replaces on disk).
pub const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// What the pager calls at its read/write boundary when a database is encrypted. The pager
/// keeps plaintext in its cache and hands the codec's on-disk images to the db file and the
/// rollback journal. State: DETACHED → ATTACHED [attach]; `encode`/`decode` need ATTACHED.
pub trait PageCodecHook: Send + Sync {
    /// Bytes every page reserves at its end (header byte 20 must equal this).
    fn reserved(&self) -> usize;
    /// The pager learnt the file's first bytes (`Some`, at least 24 bytes of page 1 as on disk)
    /// or that the file is empty (`None`: a new database). Learns the salt (or makes a fresh
    /// one) and derives the key; cheap when the salt is unchanged. A plaintext SQLite file or
    /// one too short to hold a salt is `SQLITE_NOTADB`.
    fn attach(&mut self, header: Option<&[u8]>) -> crate::Result<()>;
    /// Plaintext page image (cache) → on-disk image, fresh nonce.
    fn encode(&self, pgno: u32, page_size: usize, plaintext: &[u8]) -> crate::Result<Vec<u8>>;
    /// On-disk image → plaintext in `out`; CORRUPT (or NOTADB for a wrong key) if it does not
    /// verify.
    fn decode(
        &self,
        pgno: u32,
        page_size: usize,
        on_disk: &[u8],
        out: &mut [u8],
    ) -> crate::Result<()>;
    /// A codec with the same key for ANOTHER file (`VACUUM INTO`, the rebuild of `VACUUM`):
    /// DETACHED, so it learns (or makes) that file's own salt at attach; a passphrase is
    /// derived again with the new salt. `None`: this codec cannot be copied.
    fn same_key(&self) -> Option<Box<dyn PageCodecHook>> {
        None
    }
}

/// The pager hook for one database: a key as the user gave it, turned into a [`PageCodec`]
/// once the file's salt is known. What `PRAGMA key` / `sqlite3_key` installs with
/// `Pager::set_codec(Box::new(KeyedCodec::new(spec)))` before the first access.
#[derive(Debug)]
pub struct KeyedCodec {
    spec: KeySpec,
    codec: Option<PageCodec>,
}

impl KeyedCodec {
    pub fn new(spec: KeySpec) -> KeyedCodec {
        KeyedCodec { spec, codec: None }
    }

    fn attached(&self) -> crate::Result<&PageCodec> {
        self.codec.as_ref().ok_or_else(|| {
            crate::Error::new(
                crate::error::codes::SQLITE_INTERNAL,
                "page codec used before attach",
            )
        })
    }
}

impl PageCodecHook for KeyedCodec {
    fn reserved(&self) -> usize {
        RESERVED
    }
    fn attach(&mut self, header: Option<&[u8]>) -> crate::Result<()> {
        let salt = match header {
            Some(h) => salt_of(h)?,
            // A new database keeps the salt it was given first (the file may be empty because
            // our own first transaction has not committed yet).
            None if self.codec.is_some() => return Ok(()),
            None => new_salt()?,
        };
        if self.codec.as_ref().map(|c| *c.salt()) != Some(salt) {
            let key = self.spec.derive(&salt)?;
            self.codec = Some(PageCodec::new(&key, salt));
        }
        Ok(())
    }
    fn encode(&self, pgno: u32, page_size: usize, plaintext: &[u8]) -> crate::Result<Vec<u8>> {
        self.attached()?.encrypt_page(pgno, page_size, plaintext)
    }
    fn decode(
        &self,
        pgno: u32,
        page_size: usize,
        on_disk: &[u8],
        out: &mut [u8],
    ) -> crate::Result<()> {
        self.attached()?.decrypt_page(pgno, page_size, on_disk, out)
    }
    fn same_key(&self) -> Option<Box<dyn PageCodecHook>> {
        Some(Box::new(KeyedCodec::new(self.spec.clone())))
    }
}
