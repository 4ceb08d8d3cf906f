//! Freelist (fileformat2 §1.5): trunk pages (u32 next trunk, u32 nLeaf, u32 leaf[nLeaf])
//! chained from header offset 32, total count of freelist pages at offset 36.
//!
//! Invariants:
//! 1. The header count equals the number of trunk plus leaf pages reachable from offset 32.
//! 2. Freed pages are zeroed (SQLITE_SECURE_DELETE, Debian's default build), so no deleted
//!    content stays readable; a page taken from the freelist is zeroed before use.
//! 3. A trunk holds at most `usable/4 - 8` leaves when we write it (SQLite's limit, kept for
//!    compatibility with old readers); up to `usable/4 - 2` is accepted when reading.
//! 4. Walks are bounded by the page count, so a cyclic freelist is `SQLITE_CORRUPT`.

use super::format::*;
use crate::error::Result;
use crate::pager::{Pager, Pgno};

/// The page holding SQLite's PENDING byte (offset 0x40000000); never used for data.
pub fn pending_byte_page(page_size: usize) -> Pgno {
    (0x4000_0000 / page_size) as Pgno + 1
}

fn hdr_u32(pager: &mut Pager, off: usize) -> Result<u32> {
    get_u32(pager.read(1)?, off).ok_or_else(|| crate::corrupt!(1))
}

fn set_hdr_u32(pager: &mut Pager, off: usize, v: u32) -> Result<()> {
    put_u32(pager.write(1)?, off, v);
    Ok(())
}

pub fn freelist_count(pager: &mut Pager) -> Result<u32> {
    if pager.page_count() == 0 {
        return Ok(0);
    }
    hdr_u32(pager, HDR_FREELIST_COUNT)
}

/// Allocate a page: from the freelist if it has pages, else by extending the file.
/// The returned page is zeroed and writable.
pub fn allocate_page(pager: &mut Pager) -> Result<Pgno> {
    let count = hdr_u32(pager, HDR_FREELIST_COUNT)?;
    let npages = pager.page_count();
    if count >= npages {
        return Err(crate::corrupt!(1));
    }
    if count > 0 {
        let trunk = hdr_u32(pager, HDR_FREELIST_TRUNK)?;
        if trunk < 2 || trunk > npages {
            return Err(crate::corrupt!(trunk));
        }
        let usable = pager.usable_size();
        let t = pager.read(trunk)?;
        let next = get_u32(t, 0).ok_or_else(|| crate::corrupt!(trunk))?;
        let nleaf = get_u32(t, 4).ok_or_else(|| crate::corrupt!(trunk))? as usize;
        if nleaf > usable / 4 - 2 {
            return Err(crate::corrupt!(trunk));
        }
        let pg = if nleaf > 0 {
            let leaf = get_u32(t, 8 + 4 * (nleaf - 1)).ok_or_else(|| crate::corrupt!(trunk))?;
            if leaf < 2 || leaf > npages || leaf == trunk {
                return Err(crate::corrupt!(trunk));
            }
            let tw = pager.write(trunk)?;
            put_u32(tw, 4, (nleaf - 1) as u32);
            put_u32(tw, 8 + 4 * (nleaf - 1), 0);
            leaf
        } else {
            if next > npages {
                return Err(crate::corrupt!(trunk));
            }
            set_hdr_u32(pager, HDR_FREELIST_TRUNK, next)?;
            trunk
        };
        set_hdr_u32(pager, HDR_FREELIST_COUNT, count - 1)?;
        pager.write(pg)?.fill(0);
        return Ok(pg);
    }
    let mut pg = pager.allocate()?;
    if pg == pending_byte_page(pager.page_size()) {
        pg = pager.allocate()?;
    }
    Ok(pg)
}

/// Put page `pgno` on the freelist (zeroing it).
pub fn free_page(pager: &mut Pager, pgno: Pgno) -> Result<()> {
    let npages = pager.page_count();
    if pgno < 2 || pgno > npages {
        return Err(crate::corrupt!(pgno));
    }
    let usable = pager.usable_size();
    pager.write(pgno)?.fill(0);
    let count = hdr_u32(pager, HDR_FREELIST_COUNT)?;
    if count >= npages {
        return Err(crate::corrupt!(1));
    }
    let trunk = hdr_u32(pager, HDR_FREELIST_TRUNK)?;
    if count > 0 && trunk != 0 {
        if trunk < 2 || trunk > npages || trunk == pgno {
            return Err(crate::corrupt!(trunk));
        }
        let t = pager.read(trunk)?;
        let nleaf = get_u32(t, 4).ok_or_else(|| crate::corrupt!(trunk))? as usize;
        if nleaf > usable / 4 - 2 {
            return Err(crate::corrupt!(trunk));
        }
        if nleaf < usable / 4 - 8 {
            let tw = pager.write(trunk)?;
            put_u32(tw, 4, (nleaf + 1) as u32);
            put_u32(tw, 8 + 4 * nleaf, pgno);
            set_hdr_u32(pager, HDR_FREELIST_COUNT, count + 1)?;
            return Ok(());
        }
    }
    // New trunk page.
    let p = pager.write(pgno)?;
    put_u32(p, 0, if count > 0 { trunk } else { 0 });
    put_u32(p, 4, 0);
    set_hdr_u32(pager, HDR_FREELIST_TRUNK, pgno)?;
    set_hdr_u32(pager, HDR_FREELIST_COUNT, count + 1)?;
    Ok(())
}

/// All freelist pages (trunks and leaves), walking with a bound so cycles are corruption.
pub fn freelist_pages(pager: &mut Pager) -> Result<Vec<Pgno>> {
    let npages = pager.page_count();
    if npages == 0 {
        return Ok(Vec::new());
    }
    let usable = pager.usable_size();
    let mut trunk = hdr_u32(pager, HDR_FREELIST_TRUNK)?;
    let mut out = Vec::new();
    let mut ntrunks = 0u32;
    while trunk != 0 {
        ntrunks += 1;
        if trunk > npages || ntrunks > npages || out.len() > npages as usize {
            return Err(crate::corrupt!(trunk));
        }
        out.push(trunk);
        let t = pager.read(trunk)?;
        let next = get_u32(t, 0).ok_or_else(|| crate::corrupt!(trunk))?;
        let nleaf = get_u32(t, 4).ok_or_else(|| crate::corrupt!(trunk))? as usize;
        if nleaf > usable / 4 - 2 {
            return Err(crate::corrupt!(trunk));
        }
        for i in 0..nleaf {
            out.push(get_u32(t, 8 + 4 * i).ok_or_else(|| crate::corrupt!(trunk))?);
        }
        trunk = next;
    }
    Ok(out)
}
