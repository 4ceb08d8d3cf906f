//! Overflow chains: building a cell (spilling the payload tail to overflow pages), reading a
//! whole payload, and freeing a chain.
//!
//! Invariant: a chain is followed for exactly `ceil((payload - local) / (usable - 4))` pages;
//! every page number is checked against the page count first, so a cyclic or truncated chain
//! is `SQLITE_CORRUPT`, never a loop.

use super::format::*;
use super::freelist;
use crate::error::Result;
use crate::pager::{Pager, Pgno};

/// Number of overflow pages for a payload with `local` bytes on the page.
pub fn overflow_page_count(payload: u64, local: usize, usable: usize) -> u64 {
    let rest = payload.saturating_sub(local as u64);
    rest.div_ceil(usable as u64 - 4)
}

/// Build the cell for `payload` on a page of type `ptype` (leaf or index interior; for an
/// index interior cell the child pointer is written as 0 and set by the caller). `rowid` is
/// used by table leaves only. Overflow pages are allocated and written.
pub fn build_cell(pager: &mut Pager, ptype: u8, rowid: i64, payload: &[u8]) -> Result<Vec<u8>> {
    let usable = pager.usable_size();
    let mut cell = Vec::with_capacity(payload.len().min(usable) + 24);
    if ptype == PTYPE_INDEX_INTERIOR {
        cell.extend_from_slice(&[0, 0, 0, 0]);
    }
    put_varint(&mut cell, payload.len() as u64);
    if ptype == PTYPE_TABLE_LEAF {
        put_varint(&mut cell, rowid as u64);
    }
    let local = local_size(payload.len() as u64, usable, ptype == PTYPE_TABLE_LEAF);
    let (head, mut rest) = payload.split_at(local.min(payload.len()));
    cell.extend_from_slice(head);
    if rest.is_empty() {
        return Ok(cell);
    }
    let first = freelist::allocate_page(pager)?;
    cell.extend_from_slice(&first.to_be_bytes());
    let mut pg = first;
    while !rest.is_empty() {
        let n = rest.len().min(usable - 4);
        let (chunk, tail) = rest.split_at(n);
        rest = tail;
        let next = if rest.is_empty() {
            0
        } else {
            freelist::allocate_page(pager)?
        };
        let buf = pager.write(pg)?;
        put_u32(buf, 0, next);
        buf.get_mut(4..4 + n)
            .ok_or_else(|| crate::corrupt!(pg))?
            .copy_from_slice(chunk);
        pg = next;
    }
    Ok(cell)
}

/// Append the overflow part of a payload to `out` (which already holds the local part).
pub fn read_overflow(
    pager: &mut Pager,
    first: Pgno,
    payload_len: u64,
    out: &mut Vec<u8>,
) -> Result<()> {
    let usable = pager.usable_size();
    let npages = pager.page_count();
    let total = usize::try_from(payload_len).map_err(|_| crate::corrupt!(first))?;
    // A payload cannot be larger than the file: bounds the walk of a cyclic chain.
    if total.saturating_sub(out.len()) > npages as usize * (usable - 4) {
        return Err(crate::corrupt!(first));
    }
    let mut pg = first;
    while out.len() < total {
        if pg < 2 || pg > npages {
            return Err(crate::corrupt!(pg));
        }
        let d = pager.read(pg)?;
        let next = get_u32(d, 0).ok_or_else(|| crate::corrupt!(pg))?;
        let n = (total - out.len()).min(usable - 4);
        out.extend_from_slice(d.get(4..4 + n).ok_or_else(|| crate::corrupt!(pg))?);
        pg = next;
    }
    Ok(())
}

/// The pages of an overflow chain, in order (checked for length and range).
pub fn chain_pages(
    pager: &mut Pager,
    first: Pgno,
    payload_len: u64,
    local: usize,
) -> Result<Vec<Pgno>> {
    let usable = pager.usable_size();
    let npages = pager.page_count();
    let n = overflow_page_count(payload_len, local, usable);
    if n > u64::from(npages) {
        return Err(crate::corrupt!(first));
    }
    let mut out = Vec::with_capacity(n as usize);
    let mut pg = first;
    for _ in 0..n {
        if pg < 2 || pg > npages {
            return Err(crate::corrupt!(pg));
        }
        out.push(pg);
        pg = get_u32(pager.read(pg)?, 0).ok_or_else(|| crate::corrupt!(pg))?;
    }
    // A page twice in one chain would be freed twice.
    let mut sorted = out.clone();
    sorted.sort_unstable();
    if sorted.windows(2).any(|w| w.first() == w.get(1)) {
        return Err(crate::corrupt!(first));
    }
    Ok(out)
}

/// Free the overflow chain of a cell.
pub fn free_chain(pager: &mut Pager, first: Pgno, payload_len: u64, local: usize) -> Result<()> {
    if first == 0 {
        return Ok(());
    }
    for pg in chain_pages(pager, first, payload_len, local)? {
        freelist::free_page(pager, pg)?;
    }
    Ok(())
}
