//! B-tree page parsing: page header, cell pointer array, cell parsing and sizes, and
//! [`Node`], an owned copy of a page's cells used by insert, delete and balance.
//!
//! Invariants:
//! 1. Every offset read from a page is checked against the usable size before use; a bad
//!    offset is `corrupt!(pgno)`.
//! 2. [`Node::write_to`] produces a defragmented page: header, pointer array, zeroed gap,
//!    cells packed at the end of the usable area, no freeblocks and no fragmented bytes.
//!    The database header (first 100 bytes of page 1) and reserved bytes are not touched.

use super::format::*;
use crate::error::Result;
use crate::pager::Pgno;

/// Parsed b-tree page header.
#[derive(Clone, Copy, Debug)]
pub struct PageHdr {
    /// Offset of the page header (100 on page 1).
    pub off: usize,
    pub ptype: u8,
    pub leaf: bool,
    /// Table b-tree (intkey).
    pub intkey: bool,
    pub ncells: usize,
    pub first_free: usize,
    pub content: usize,
    pub frag: usize,
    /// Right-most child (interior pages), else 0.
    pub right: Pgno,
    /// 8 (leaf) or 12 (interior).
    pub hsize: usize,
}

impl PageHdr {
    /// First byte after the cell pointer array.
    pub fn ptr_end(&self) -> usize {
        self.off + self.hsize + 2 * self.ncells
    }
}

pub fn hsize_of(ptype: u8) -> usize {
    if ptype == PTYPE_TABLE_LEAF || ptype == PTYPE_INDEX_LEAF {
        8
    } else {
        12
    }
}

pub fn is_leaf(ptype: u8) -> bool {
    ptype == PTYPE_TABLE_LEAF || ptype == PTYPE_INDEX_LEAF
}

pub fn is_intkey(ptype: u8) -> bool {
    ptype == PTYPE_TABLE_LEAF || ptype == PTYPE_TABLE_INTERIOR
}

pub fn parse_hdr(data: &[u8], pgno: Pgno, usable: usize) -> Result<PageHdr> {
    let off = hdr_offset(pgno);
    let ptype = *data.get(off).ok_or_else(|| crate::corrupt!(pgno))?;
    if !matches!(
        ptype,
        PTYPE_INDEX_INTERIOR | PTYPE_TABLE_INTERIOR | PTYPE_INDEX_LEAF | PTYPE_TABLE_LEAF
    ) {
        return Err(crate::corrupt!(pgno));
    }
    let leaf = is_leaf(ptype);
    let hsize = hsize_of(ptype);
    let c = |o: usize| {
        get_u16(data, off + o)
            .map(usize::from)
            .ok_or_else(|| crate::corrupt!(pgno))
    };
    let first_free = c(1)?;
    let ncells = c(3)?;
    let mut content = c(5)?;
    if content == 0 {
        content = 65536;
    }
    let frag = usize::from(*data.get(off + 7).ok_or_else(|| crate::corrupt!(pgno))?);
    let right = if leaf {
        0
    } else {
        get_u32(data, off + 8).ok_or_else(|| crate::corrupt!(pgno))?
    };
    let h = PageHdr {
        off,
        ptype,
        leaf,
        intkey: is_intkey(ptype),
        ncells,
        first_free,
        content,
        frag,
        right,
        hsize,
    };
    if h.ptr_end() > usable || content > usable || content < h.ptr_end() {
        return Err(crate::corrupt!(pgno));
    }
    Ok(h)
}

/// Offset of cell `i`.
pub fn cell_ptr(data: &[u8], h: &PageHdr, i: usize, pgno: Pgno, usable: usize) -> Result<usize> {
    if i >= h.ncells {
        return Err(crate::corrupt!(pgno));
    }
    let p = get_u16(data, h.off + h.hsize + 2 * i).ok_or_else(|| crate::corrupt!(pgno))?;
    let p = usize::from(p);
    if p < h.ptr_end() || p >= usable {
        return Err(crate::corrupt!(pgno));
    }
    Ok(p)
}

/// Everything about one cell.
#[derive(Clone, Copy, Debug, Default)]
pub struct CellInfo {
    /// Offset of the cell in the page.
    pub start: usize,
    /// Bytes the cell occupies on the page.
    pub size: usize,
    /// Left child (interior pages), else 0.
    pub child: Pgno,
    /// Rowid (table pages).
    pub key: i64,
    /// Total payload length (0 for table interior cells).
    pub payload_len: u64,
    /// Offset of the local payload.
    pub payload_off: usize,
    /// Bytes of payload on the page.
    pub local: usize,
    /// First overflow page, 0 if none.
    pub overflow: Pgno,
}

/// Largest payload SQLite accepts (SQLITE_MAX_LENGTH); larger is corruption.
pub const MAX_PAYLOAD: u64 = 1_000_000_000 + 1000;

/// Parse the cell at `start` of a page of type `ptype`.
pub fn parse_cell_at(
    data: &[u8],
    ptype: u8,
    start: usize,
    pgno: Pgno,
    usable: usize,
) -> Result<CellInfo> {
    let bad = || crate::corrupt!(pgno);
    let area = data.get(start..usable.min(data.len())).ok_or_else(bad)?;
    let mut ci = CellInfo {
        start,
        ..CellInfo::default()
    };
    let mut p = 0usize;
    if !is_leaf(ptype) {
        ci.child = get_u32(area, 0).ok_or_else(bad)?;
        p = 4;
    }
    if ptype == PTYPE_TABLE_INTERIOR {
        let (k, n) = get_varint(area.get(p..).ok_or_else(bad)?).ok_or_else(bad)?;
        ci.key = k as i64;
        ci.size = p + n;
        return Ok(ci);
    }
    let (plen, n) = get_varint(area.get(p..).ok_or_else(bad)?).ok_or_else(bad)?;
    p += n;
    if plen > MAX_PAYLOAD {
        return Err(bad());
    }
    if ptype == PTYPE_TABLE_LEAF {
        let (k, n) = get_varint(area.get(p..).ok_or_else(bad)?).ok_or_else(bad)?;
        ci.key = k as i64;
        p += n;
    }
    ci.payload_len = plen;
    ci.local = local_size(plen, usable, ptype == PTYPE_TABLE_LEAF);
    ci.payload_off = start + p;
    p += ci.local;
    if (ci.local as u64) < plen {
        ci.overflow = get_u32(area, p).ok_or_else(bad)?;
        p += 4;
    }
    if p > area.len() {
        return Err(bad());
    }
    // SQLite's minimum cell size is 4 bytes (a freed cell must hold a freeblock header).
    ci.size = p.max(4);
    if ci.size > area.len() {
        return Err(bad());
    }
    Ok(ci)
}

/// Parse cell `i` of a page.
pub fn parse_cell(
    data: &[u8],
    h: &PageHdr,
    i: usize,
    pgno: Pgno,
    usable: usize,
) -> Result<CellInfo> {
    let start = cell_ptr(data, h, i, pgno, usable)?;
    parse_cell_at(data, h.ptype, start, pgno, usable)
}

/// Size of a cell given as bytes (for cells we build: exactly its length, at least 4).
pub fn cell_bytes_size(c: &[u8]) -> usize {
    c.len().max(4)
}

/// An owned, parsed copy of a page's cells. Cells are the exact on-page bytes (child pointer
/// included for interior pages). A `Node` may hold more cells than fit (an overfull page
/// waiting to be balanced).
#[derive(Clone, Debug)]
pub struct Node {
    pub pgno: Pgno,
    pub ptype: u8,
    pub cells: Vec<Vec<u8>>,
    /// Right child (interior), else 0.
    pub right: Pgno,
}

impl Node {
    pub fn load(data: &[u8], pgno: Pgno, usable: usize) -> Result<Node> {
        let h = parse_hdr(data, pgno, usable)?;
        let mut cells = Vec::with_capacity(h.ncells + 1);
        for i in 0..h.ncells {
            let ci = parse_cell(data, &h, i, pgno, usable)?;
            let c = data
                .get(ci.start..ci.start + ci.size)
                .ok_or_else(|| crate::corrupt!(pgno))?;
            cells.push(c.to_vec());
        }
        Ok(Node {
            pgno,
            ptype: h.ptype,
            cells,
            right: h.right,
        })
    }

    pub fn is_leaf(&self) -> bool {
        is_leaf(self.ptype)
    }

    pub fn intkey(&self) -> bool {
        is_intkey(self.ptype)
    }

    /// Bytes used by header, pointers and cells.
    pub fn used(&self) -> usize {
        hdr_offset(self.pgno)
            + hsize_of(self.ptype)
            + self
                .cells
                .iter()
                .map(|c| cell_bytes_size(c) + 2)
                .sum::<usize>()
    }

    pub fn fits(&self, usable: usize) -> bool {
        self.used() <= usable && self.cells.len() <= 65535
    }

    /// Serialize into `buf` (a whole page), defragmented. The caller checked `fits`.
    pub fn write_to(&self, buf: &mut [u8], usable: usize) -> Result<()> {
        if !self.fits(usable) || buf.len() < usable {
            return Err(crate::error::Error::new(
                crate::error::codes::SQLITE_INTERNAL,
                "btree: node does not fit its page",
            ));
        }
        let off = hdr_offset(self.pgno);
        let hs = hsize_of(self.ptype);
        if let Some(area) = buf.get_mut(off..usable) {
            area.fill(0);
        }
        let mut content = usable;
        let mut ptr = off + hs;
        for c in &self.cells {
            let sz = cell_bytes_size(c);
            content -= sz;
            if let Some(dst) = buf.get_mut(content..content + c.len()) {
                dst.copy_from_slice(c);
            }
            put_u16(buf, ptr, content as u16);
            ptr += 2;
        }
        if let Some(b) = buf.get_mut(off) {
            *b = self.ptype;
        }
        put_u16(buf, off + 1, 0);
        put_u16(buf, off + 3, self.cells.len() as u16);
        put_u16(
            buf,
            off + 5,
            if content == 65536 { 0 } else { content as u16 },
        );
        if let Some(b) = buf.get_mut(off + 7) {
            *b = 0;
        }
        if !self.is_leaf() {
            put_u32(buf, off + 8, self.right);
        }
        Ok(())
    }

    /// Child page `i` (0..=ncells) of an interior node.
    pub fn child(&self, i: usize) -> Result<Pgno> {
        if i == self.cells.len() {
            return Ok(self.right);
        }
        let c = self
            .cells
            .get(i)
            .ok_or_else(|| crate::corrupt!(self.pgno))?;
        get_u32(c, 0).ok_or_else(|| crate::corrupt!(self.pgno))
    }

    pub fn set_child(&mut self, i: usize, pg: Pgno) -> Result<()> {
        if i == self.cells.len() {
            self.right = pg;
            return Ok(());
        }
        let c = self
            .cells
            .get_mut(i)
            .ok_or_else(|| crate::corrupt!(self.pgno))?;
        if !put_u32(c, 0, pg) {
            return Err(crate::corrupt!(self.pgno));
        }
        Ok(())
    }
}

/// Rowid of a table-leaf cell given as bytes.
pub fn table_leaf_cell_rowid(c: &[u8], pgno: Pgno) -> Result<i64> {
    let (_, n) = get_varint(c).ok_or_else(|| crate::corrupt!(pgno))?;
    let (k, _) = get_varint(c.get(n..).unwrap_or(&[])).ok_or_else(|| crate::corrupt!(pgno))?;
    Ok(k as i64)
}

/// Insert `cell` as cell `idx` directly into the page if it fits in the unallocated gap.
/// Returns `false` (page untouched) when it does not.
pub fn try_insert_in_place(
    data: &mut [u8],
    pgno: Pgno,
    usable: usize,
    idx: usize,
    cell: &[u8],
) -> Result<bool> {
    let h = parse_hdr(data, pgno, usable)?;
    let sz = cell_bytes_size(cell);
    if idx > h.ncells || h.ncells >= 65535 {
        return Ok(false);
    }
    let gap_end = h.content;
    if gap_end < h.ptr_end() + 2 + sz {
        return Ok(false);
    }
    let new_content = gap_end - sz;
    data.get_mut(new_content..new_content + cell.len())
        .ok_or_else(|| crate::corrupt!(pgno))?
        .copy_from_slice(cell);
    let pstart = h.off + h.hsize + 2 * idx;
    data.copy_within(pstart..h.ptr_end(), pstart + 2);
    put_u16(data, pstart, new_content as u16);
    put_u16(data, h.off + 3, (h.ncells + 1) as u16);
    put_u16(
        data,
        h.off + 5,
        if new_content == 65536 {
            0
        } else {
            new_content as u16
        },
    );
    Ok(true)
}
