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
use ring::aead::{Aad, LessSafeKey, Nonce, Tag, UnboundKey, AES_256_GCM};
use ring::rand::{SecureRandom, SystemRandom};
use std::sync::atomic::{AtomicBool, Ordering};

/// AAD length: salt + pgno + page size + version, plus page 1's first 24 plaintext bytes.
const AAD_BASE: usize = SALT_LEN + 4 + 4 + 1;
const AAD_PAGE1: usize = AAD_BASE + PAGE1_CLEAR;

/// ring's AES-256-GCM key: the AES round keys and the GHASH key table, held inline in the
/// `LessSafeKey` (no heap of its own), boxed so that `drop` can overwrite that very memory.
/// ring does not clear its keys; dropping a `Cipher` replaces the value in place with the
/// key schedule of the all-zero key (a plain assignment into the same allocation, kept
/// observable by `black_box` so the store is not elided before the free). `None` only if
/// ring refused the key (it takes any 32 bytes).
struct Cipher(Option<Box<LessSafeKey>>);

impl Cipher {
    fn new(key: &Key) -> Cipher {
        Cipher(
            UnboundKey::new(&AES_256_GCM, key.as_bytes())
                .ok()
                .map(|k| Box::new(LessSafeKey::new(k))),
        )
    }
    fn key(&self) -> Result<&LessSafeKey> {
        self.0.as_deref().ok_or_else(|| misuse("no AES key"))
    }
}

impl Drop for Cipher {
    fn drop(&mut self) {
        if let (Some(b), Ok(zero)) = (
            self.0.as_mut(),
            UnboundKey::new(&AES_256_GCM, &[0u8; super::KEY_LEN]),
        ) {
            **b = LessSafeKey::new(zero);
            std::hint::black_box(&**b);
        }
    }
}

/// Encrypts and decrypts pages of one database file (one key, one salt).
pub struct PageCodec {
    cipher: Cipher,
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

pub(super) fn os_random(buf: &mut [u8]) -> Result<()> {
    SystemRandom::new()
        .fill(buf)
        .map_err(|_| Error::new(SQLITE_IOERR, "OS random source failed"))
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
            cipher: Cipher::new(key),
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

    /// AAD = salt || pgno BE || page size BE || version [|| page 1 plaintext 0..24], in a
    /// stack buffer; returns it and its length.
    fn aad(
        &self,
        pgno: u32,
        page_size: usize,
        page1_hdr: Option<&[u8]>,
    ) -> Result<([u8; AAD_PAGE1], usize)> {
        let ps = u32::try_from(page_size).map_err(|_| misuse("bad page size"))?;
        let mut aad = [0u8; AAD_PAGE1];
        let (salt, rest) = aad.split_at_mut(SALT_LEN);
        salt.copy_from_slice(&self.salt);
        let (pg, rest) = rest.split_at_mut(4);
        pg.copy_from_slice(&pgno.to_be_bytes());
        let (psz, rest) = rest.split_at_mut(4);
        psz.copy_from_slice(&ps.to_be_bytes());
        let (ver, rest) = rest.split_at_mut(1);
        ver.copy_from_slice(&[FORMAT_VERSION]);
        let Some(h) = page1_hdr else {
            return Ok((aad, AAD_BASE));
        };
        let (magic, hdr) = rest.split_at_mut(SQLITE_MAGIC.len());
        magic.copy_from_slice(SQLITE_MAGIC);
        hdr.copy_from_slice(
            h.get(SALT_LEN..PAGE1_CLEAR)
                .ok_or_else(|| misuse("short"))?,
        );
        Ok((aad, AAD_PAGE1))
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
        let (aad, aad_len) = self.aad(pgno, page_size, page1_hdr)?;
        let aad = Aad::from(aad.get(..aad_len).ok_or_else(|| misuse("aad"))?);

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
            .key()?
            .seal_in_place_separate_tag(Nonce::assume_unique_for_key(*nonce), aad, enc)
            .map_err(|_| misuse("encryption failed"))?;
        let (n, t) = tail.split_at_mut(NONCE_LEN);
        n.copy_from_slice(nonce);
        t.copy_from_slice(tag.as_ref());
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
        let (aad, aad_len) = self.aad(pgno, page_size, page1_hdr)?;
        let aad = Aad::from(aad.get(..aad_len).ok_or_else(|| misuse("aad"))?);
        let (nonce, tag) = on_disk
            .get(body_end..)
            .ok_or_else(|| misuse("short"))?
            .split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| misuse("short"))?;
        let tag: [u8; TAG_LEN] = tag.try_into().map_err(|_| misuse("short"))?;
        let (body, tail) = out.split_at_mut(body_end);
        body.copy_from_slice(on_disk.get(..body_end).ok_or_else(|| misuse("short"))?);
        tail.fill(0);
        let enc = body.get_mut(start..).ok_or_else(|| misuse("short"))?;
        self.cipher
            .key()?
            .open_in_place_separate_tag(
                Nonce::assume_unique_for_key(nonce),
                aad,
                Tag::from(tag),
                enc,
                0..,
            )
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
