//! `PageCodec`: one page in, one page out (see the module header in `mod.rs` for the layout).
//!
//! State: `key_proven` goes false → true the first time any page verifies under this key and
//! never back. Before that, a page 1 that fails to verify means "wrong key" (`SQLITE_NOTADB`);
//! after it, any failure is corruption (`SQLITE_CORRUPT`).

use super::{
    Key, FORMAT_VERSION, NONCE_LEN, PAGE1_CLEAR, RESERVED, SALT_LEN, SQLITE_MAGIC, TAG_LEN,
};
use crate::error::codes::{SQLITE_IOERR, SQLITE_MISUSE};
use crate::{Error, Result};
use aes_gcm::aead::rand_core::RngCore;
use aes_gcm::aead::{AeadInPlace, KeyInit, OsRng};
use aes_gcm::{Aes256Gcm, Nonce, Tag};
use std::sync::atomic::{AtomicBool, Ordering};

/// AAD length: salt + pgno + page size + version, plus page 1's first 24 plaintext bytes.
const AAD_BASE: usize = SALT_LEN + 4 + 4 + 1;
const AAD_PAGE1: usize = AAD_BASE + PAGE1_CLEAR;

/// Encrypts and decrypts pages of one database file (one key, one salt).
pub struct PageCodec {
    cipher: Aes256Gcm,
    salt: [u8; SALT_LEN],
    key_proven: AtomicBool,
}

impl std::fmt::Debug for PageCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageCodec")
            .field("key", &"<redacted>")
            .field("key_proven", &self.key_proven.load(Ordering::Relaxed))
            .finish()
    }
}

/// 16 fresh random bytes for a new encrypted database.
pub fn new_salt() -> Result<[u8; SALT_LEN]> {
    let mut s = [0u8; SALT_LEN];
    os_random(&mut s)?;
    Ok(s)
}

/// The salt of an existing encrypted file: bytes 0..16 of page 1 as on disk. A file that
/// starts with SQLite's magic is a plaintext database, and one shorter than 16 bytes has no
/// salt: both are `SQLITE_NOTADB` for a keyed open.
pub fn salt_of(page1_on_disk: &[u8]) -> Result<[u8; SALT_LEN]> {
    let s: [u8; SALT_LEN] = page1_on_disk
        .get(..SALT_LEN)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(Error::notadb)?;
    if &s == SQLITE_MAGIC {
        return Err(Error::notadb());
    }
    Ok(s)
}

fn os_random(buf: &mut [u8]) -> Result<()> {
    OsRng
        .try_fill_bytes(buf)
        .map_err(|e| Error::new(SQLITE_IOERR, format!("OS random source failed: {e}")))
}

fn misuse(what: &str) -> Error {
    Error::new(SQLITE_MISUSE, format!("page codec: {what}"))
}

/// Page size from header bytes 16..18 (1 means 65536).
fn header_page_size(hdr: &[u8]) -> Option<usize> {
    match hdr.get(16..18)? {
        [0, 1] => Some(65536),
        [h, l] => Some(usize::from(u16::from_be_bytes([*h, *l]))),
        _ => None,
    }
}

impl PageCodec {
    pub fn new(key: &Key, salt: [u8; SALT_LEN]) -> PageCodec {
        PageCodec {
            cipher: Aes256Gcm::new(key.as_bytes().into()),
            salt,
            key_proven: AtomicBool::new(false),
        }
    }

    pub fn salt(&self) -> &[u8; SALT_LEN] {
        &self.salt
    }

    /// True once a page has verified under this key (so the key is right).
    pub fn key_proven(&self) -> bool {
        self.key_proven.load(Ordering::Relaxed)
    }

    /// Encrypt one plaintext page (exactly `page_size` bytes) with a fresh OS-random nonce.
    pub fn encrypt_page(&self, pgno: u32, page_size: usize, plaintext: &[u8]) -> Result<Vec<u8>> {
        let mut out = vec![0u8; page_size];
        self.encrypt_page_into(pgno, page_size, plaintext, &mut out)?;
        Ok(out)
    }

    /// As [`encrypt_page`](Self::encrypt_page), into a caller's buffer of `page_size` bytes.
    pub fn encrypt_page_into(
        &self,
        pgno: u32,
        page_size: usize,
        plaintext: &[u8],
        out: &mut [u8],
    ) -> Result<()> {
        let mut nonce = [0u8; NONCE_LEN];
        os_random(&mut nonce)?;
        self.seal(pgno, page_size, plaintext, &nonce, out)
    }

    /// Test-only: encrypt with a chosen nonce (for fixed test vectors). Never in a real build.
    #[cfg(test)]
    pub(crate) fn encrypt_page_with_nonce(
        &self,
        pgno: u32,
        page_size: usize,
        plaintext: &[u8],
        nonce: &[u8; NONCE_LEN],
    ) -> Result<Vec<u8>> {
        let mut out = vec![0u8; page_size];
        self.seal(pgno, page_size, plaintext, nonce, &mut out)?;
        Ok(out)
    }

    fn check_geometry(pgno: u32, page_size: usize, a: &[u8], b: &[u8]) -> Result<()> {
        if pgno == 0 {
            return Err(misuse("page number 0"));
        }
        if !(512..=65536).contains(&page_size) || !page_size.is_power_of_two() {
            return Err(misuse("bad page size"));
        }
        if a.len() != page_size || b.len() != page_size {
            return Err(misuse("buffer length is not the page size"));
        }
        Ok(())
    }

    /// AAD = salt || pgno BE || page size BE || version [|| page 1 plaintext 0..24].
    fn aad(&self, pgno: u32, page_size: usize, page1_hdr: Option<&[u8]>) -> Result<Vec<u8>> {
        let ps = u32::try_from(page_size).map_err(|_| misuse("bad page size"))?;
        let mut aad = Vec::with_capacity(AAD_PAGE1);
        aad.extend_from_slice(&self.salt);
        aad.extend_from_slice(&pgno.to_be_bytes());
        aad.extend_from_slice(&ps.to_be_bytes());
        aad.push(FORMAT_VERSION);
        if let Some(h) = page1_hdr {
            aad.extend_from_slice(SQLITE_MAGIC);
            aad.extend_from_slice(
                h.get(SALT_LEN..PAGE1_CLEAR)
                    .ok_or_else(|| misuse("short"))?,
            );
        }
        Ok(aad)
    }

    fn seal(
        &self,
        pgno: u32,
        page_size: usize,
        plaintext: &[u8],
        nonce: &[u8; NONCE_LEN],
        out: &mut [u8],
    ) -> Result<()> {
        Self::check_geometry(pgno, page_size, plaintext, out)?;
        let body_end = page_size - RESERVED;
        let start = if pgno == 1 { PAGE1_CLEAR } else { 0 };
        let page1_hdr = if pgno == 1 {
            // Invariant 5: page 1 must be a SQLite header for this page size reserving 28 bytes.
            if plaintext.get(..SALT_LEN) != Some(&SQLITE_MAGIC[..])
                || header_page_size(plaintext) != Some(page_size)
                || plaintext.get(20).map(|&r| usize::from(r)) != Some(RESERVED)
            {
                return Err(misuse(
                    "page 1 lacks the SQLite header with 28 reserved bytes",
                ));
            }
            Some(plaintext)
        } else {
            None
        };
        let aad = self.aad(pgno, page_size, page1_hdr)?;

        let (body, tail) = out.split_at_mut(body_end);
        body.copy_from_slice(plaintext.get(..body_end).ok_or_else(|| misuse("short"))?);
        if pgno == 1 {
            // The salt replaces the magic; bytes 16..24 were copied and stay in clear.
            body.get_mut(..SALT_LEN)
                .ok_or_else(|| misuse("short"))?
                .copy_from_slice(&self.salt);
        }
        let enc = body.get_mut(start..).ok_or_else(|| misuse("short"))?;
        let tag = self
            .cipher
            .encrypt_in_place_detached(Nonce::from_slice(nonce), &aad, enc)
            .map_err(|_| misuse("encryption failed"))?;
        let (n, t) = tail.split_at_mut(NONCE_LEN);
        n.copy_from_slice(nonce);
        t.copy_from_slice(tag.as_slice());
        Ok(())
    }

    /// The error for a page that did not verify (invariant 2).
    fn failed(&self, pgno: u32) -> Error {
        if pgno == 1 && !self.key_proven() {
            Error::notadb()
        } else {
            crate::corrupt!(pgno)
        }
    }

    /// Decrypt and verify one on-disk page into `out` (both exactly `page_size` bytes).
    /// A page that does not verify leaves `out` zeroed and returns `SQLITE_CORRUPT`, or
    /// `SQLITE_NOTADB` for page 1 while no page has verified yet under this key.
    pub fn decrypt_page(
        &self,
        pgno: u32,
        page_size: usize,
        on_disk: &[u8],
        out: &mut [u8],
    ) -> Result<()> {
        Self::check_geometry(pgno, page_size, on_disk, out)?;
        let r = self.open(pgno, page_size, on_disk, out);
        if r.is_err() {
            out.fill(0);
        }
        r
    }

    fn open(&self, pgno: u32, page_size: usize, on_disk: &[u8], out: &mut [u8]) -> Result<()> {
        let body_end = page_size - RESERVED;
        let start = if pgno == 1 { PAGE1_CLEAR } else { 0 };
        let page1_hdr = if pgno == 1 {
            // Salt, page size and reserved bytes are in clear: a mismatch is a wrong file (or a
            // page from another one), not worth running GCM for.
            if on_disk.get(..SALT_LEN) != Some(&self.salt[..])
                || header_page_size(on_disk) != Some(page_size)
                || on_disk.get(20).map(|&r| usize::from(r)) != Some(RESERVED)
            {
                return Err(self.failed(pgno));
            }
            Some(on_disk)
        } else {
            None
        };
        let aad = self.aad(pgno, page_size, page1_hdr)?;
        let (nonce, tag) = on_disk
            .get(body_end..)
            .ok_or_else(|| misuse("short"))?
            .split_at(NONCE_LEN);
        if tag.len() != TAG_LEN {
            return Err(misuse("short"));
        }
        let (body, tail) = out.split_at_mut(body_end);
        body.copy_from_slice(on_disk.get(..body_end).ok_or_else(|| misuse("short"))?);
        tail.fill(0);
        let enc = body.get_mut(start..).ok_or_else(|| misuse("short"))?;
        self.cipher
            .decrypt_in_place_detached(Nonce::from_slice(nonce), &aad, enc, Tag::from_slice(tag))
            .map_err(|_| self.failed(pgno))?;
        if pgno == 1 {
            if let Some(magic) = body.get_mut(..SALT_LEN) {
                magic.copy_from_slice(SQLITE_MAGIC);
            }
        }
        self.key_proven.store(true, Ordering::Relaxed);
        Ok(())
    }
}
