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
#[inline]
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

/// Size on the page of the cell at `start` (what `parse_cell_at(..).size` says, with the
/// same checks, without building a `CellInfo`): `Node::load` runs it for every cell.
#[inline]
pub fn cell_size_at(
    data: &[u8],
    ptype: u8,
    start: usize,
    pgno: Pgno,
    usable: usize,
) -> Result<usize> {
    let bad = || crate::corrupt!(pgno);
    let area = data.get(start..usable.min(data.len())).ok_or_else(bad)?;
    if ptype == PTYPE_TABLE_INTERIOR {
        let n = varint_skip(area.get(4..).ok_or_else(bad)?).ok_or_else(bad)?;
        return Ok(4 + n);
    }
    let mut p = if is_leaf(ptype) { 0 } else { 4 };
    let (plen, n) = get_varint(area.get(p..).ok_or_else(bad)?).ok_or_else(bad)?;
    p += n;
    if plen > MAX_PAYLOAD {
        return Err(bad());
    }
    let table = ptype == PTYPE_TABLE_LEAF;
    if table {
        p += varint_skip(area.get(p..).ok_or_else(bad)?).ok_or_else(bad)?;
    }
    let local = local_size(plen, usable, table);
    p += local;
    if (local as u64) < plen {
        p += 4;
    }
    let size = p.max(4);
    if size > area.len() {
        return Err(bad());
    }
    Ok(size)
}

/// Rowid of cell `i` of a table page (leaf or interior), without parsing the rest.
#[inline]
pub fn table_cell_key(
    data: &[u8],
    h: &PageHdr,
    i: usize,
    pgno: Pgno,
    usable: usize,
) -> Result<i64> {
    let start = cell_ptr(data, h, i, pgno, usable)?;
    let area = data
        .get(start..usable)
        .ok_or_else(|| crate::corrupt!(pgno))?;
    let p = if h.leaf {
        get_varint(area).ok_or_else(|| crate::corrupt!(pgno))?.1
    } else {
        4
    };
    let (k, _) = get_varint(area.get(p..).unwrap_or(&[])).ok_or_else(|| crate::corrupt!(pgno))?;
    Ok(k as i64)
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

/// A list of cells in one arena (`buf`) with (offset, length) spans: copying a page's cells
/// costs two allocations, not one per cell. Replaced or removed cells leave dead bytes in
/// the arena until the `Cells` is dropped (they are short-lived).
#[derive(Clone, Debug, Default)]
pub struct Cells {
    buf: Vec<u8>,
    spans: Vec<(usize, usize)>,
    /// Sum over the live cells of `cell_bytes_size + 2` (cell and pointer): what they take
    /// on a page, kept up to date so that `Node::used` costs nothing.
    bytes: usize,
}

/// Page bytes a cell of `n` bytes takes, pointer included.
#[inline]
fn on_page(n: usize) -> usize {
    n.max(4) + 2
}

impl Cells {
    pub fn new() -> Cells {
        Cells::default()
    }
    pub fn with_capacity(ncells: usize, bytes: usize) -> Cells {
        Cells {
            buf: Vec::with_capacity(bytes),
            spans: Vec::with_capacity(ncells),
            bytes: 0,
        }
    }
    pub fn len(&self) -> usize {
        self.spans.len()
    }
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        let &(o, n) = self.spans.get(i)?;
        self.buf.get(o..o + n)
    }
    pub fn get_mut(&mut self, i: usize) -> Option<&mut [u8]> {
        let &(o, n) = self.spans.get(i)?;
        self.buf.get_mut(o..o + n)
    }
    pub fn last(&self) -> Option<&[u8]> {
        self.get(self.len().checked_sub(1)?)
    }
    /// Append `c` to the arena and count it as live.
    fn add(&mut self, c: &[u8]) -> (usize, usize) {
        let o = self.buf.len();
        self.buf.extend_from_slice(c);
        self.bytes += on_page(c.len());
        (o, c.len())
    }
    /// Page bytes the cells take (cells and pointers).
    pub fn bytes(&self) -> usize {
        self.bytes
    }
    pub fn push(&mut self, c: &[u8]) {
        let sp = self.add(c);
        self.spans.push(sp);
    }
    /// Insert at `i` (`i <= len`; larger is clamped to the end).
    pub fn insert(&mut self, i: usize, c: &[u8]) {
        let sp = self.add(c);
        self.spans.insert(i.min(self.spans.len()), sp);
    }
    /// Replace cell `i`; `false` if there is no such cell.
    pub fn set(&mut self, i: usize, c: &[u8]) -> bool {
        if i >= self.spans.len() {
            return false;
        }
        let sp = self.add(c);
        if let Some(slot) = self.spans.get_mut(i) {
            self.bytes -= on_page(slot.1);
            *slot = sp;
        }
        true
    }
    pub fn pop(&mut self) -> Option<Vec<u8>> {
        let (o, n) = self.spans.pop()?;
        self.bytes -= on_page(n);
        self.buf.get(o..o + n).map(<[u8]>::to_vec)
    }
    pub fn clear(&mut self) {
        self.buf.clear();
        self.spans.clear();
        self.bytes = 0;
    }
    pub fn iter(&self) -> impl Iterator<Item = &[u8]> + '_ {
        self.spans
            .iter()
            .map(move |&(o, n)| self.buf.get(o..o + n).unwrap_or(&[]))
    }
    /// Remove cells `range` and return copies of them.
    pub fn drain_to_vec(&mut self, range: std::ops::Range<usize>) -> Vec<Vec<u8>> {
        let end = range.end.min(self.spans.len());
        let start = range.start.min(end);
        let out = self.spans.drain(start..end).collect::<Vec<_>>();
        self.bytes -= out.iter().map(|&(_, n)| on_page(n)).sum::<usize>();
        out.into_iter()
            .map(|(o, n)| self.buf.get(o..o + n).unwrap_or(&[]).to_vec())
            .collect()
    }
    /// Insert `cells` at position `at`, in order.
    pub fn splice_in(&mut self, at: usize, cells: &[Vec<u8>]) {
        let at = at.min(self.spans.len());
        let new: Vec<(usize, usize)> = cells.iter().map(|c| self.add(c)).collect();
        self.spans.splice(at..at, new);
    }
}

/// An owned, parsed copy of a page's cells. Cells are the exact on-page bytes (child pointer
/// included for interior pages). A `Node` may hold more cells than fit (an overfull page
/// waiting to be balanced).
#[derive(Clone, Debug)]
pub struct Node {
    pub pgno: Pgno,
    pub ptype: u8,
    pub cells: Cells,
    /// Right child (interior), else 0.
    pub right: Pgno,
}

impl Node {
    pub fn load(data: &[u8], pgno: Pgno, usable: usize) -> Result<Node> {
        let h = parse_hdr(data, pgno, usable)?;
        let mut cells = Cells::with_capacity(h.ncells + 1, usable - h.content + 64);
        // Cells that overlap (a damaged pointer array) add up to more than the page holds:
        // SQLite's btreeComputeFreeSpace reports that as corruption, and so do we, before a
        // rewrite of the page could fail.
        let mut used = hdr_offset(pgno) + hsize_of(h.ptype);
        for i in 0..h.ncells {
            let start = cell_ptr(data, &h, i, pgno, usable)?;
            let size = cell_size_at(data, h.ptype, start, pgno, usable)?;
            let c = data
                .get(start..start + size)
                .ok_or_else(|| crate::corrupt!(pgno))?;
            used += size + 2;
            cells.push(c);
        }
        if used > usable {
            return Err(crate::corrupt!(pgno));
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
        hdr_offset(self.pgno) + hsize_of(self.ptype) + self.cells.bytes()
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
        for c in self.cells.iter() {
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

/// Free bytes of a page: unallocated gap + freeblocks + fragmented bytes.
pub fn free_bytes(data: &[u8], h: &PageHdr, pgno: Pgno, usable: usize) -> Result<usize> {
    let mut total = h.content - h.ptr_end() + h.frag;
    let mut pc = h.first_free;
    let mut prev = 0usize;
    while pc != 0 {
        if pc <= prev || pc < h.content || pc + 4 > usable {
            return Err(crate::corrupt!(pgno));
        }
        let next = usize::from(get_u16(data, pc).ok_or_else(|| crate::corrupt!(pgno))?);
        let size = usize::from(get_u16(data, pc + 2).ok_or_else(|| crate::corrupt!(pgno))?);
        if pc + size > usable {
            return Err(crate::corrupt!(pgno));
        }
        total += size;
        prev = pc;
        pc = next;
    }
    Ok(total)
}

/// Return `size` bytes at `start` to the page's free space (SQLite's `freeSpace`): zeroed
/// (secure delete), merged with a neighbouring freeblock when at most 3 bytes apart
/// (absorbing the fragment), and given back to the unallocated gap when it starts at the
/// cell content area.
pub fn free_space(
    data: &mut [u8],
    h: &PageHdr,
    start: usize,
    size: usize,
    pgno: Pgno,
    usable: usize,
) -> Result<()> {
    let bad = || crate::corrupt!(pgno);
    let hdr = h.off;
    let mut start = start;
    let mut end = start + size;
    if start < h.content || end > usable {
        return Err(bad());
    }
    let mut nfrag = 0usize;
    // `ptr`: address of the 2-byte link that points to `free_blk`.
    let mut ptr = hdr + 1;
    let mut free_blk = usize::from(get_u16(data, ptr).ok_or_else(bad)?);
    while free_blk != 0 && free_blk < start {
        if free_blk <= ptr {
            return Err(bad());
        }
        ptr = free_blk;
        free_blk = usize::from(get_u16(data, ptr).ok_or_else(bad)?);
    }
    if free_blk > usable.saturating_sub(4) {
        return Err(bad());
    }
    if free_blk != 0 && end + 3 >= free_blk {
        if end > free_blk {
            return Err(bad());
        }
        nfrag = free_blk - end;
        end = free_blk + usize::from(get_u16(data, free_blk + 2).ok_or_else(bad)?);
        if end > usable {
            return Err(bad());
        }
        free_blk = usize::from(get_u16(data, free_blk).ok_or_else(bad)?);
    }
    if ptr > hdr + 1 {
        let ptr_end = ptr + usize::from(get_u16(data, ptr + 2).ok_or_else(bad)?);
        if ptr_end + 3 >= start {
            if ptr_end > start {
                return Err(bad());
            }
            nfrag += start - ptr_end;
            start = ptr;
        }
    }
    if nfrag > h.frag {
        return Err(bad());
    }
    if let Some(b) = data.get_mut(hdr + 7) {
        *b = (h.frag - nfrag) as u8;
    }
    data.get_mut(start..end).ok_or_else(bad)?.fill(0);
    if start <= h.content {
        // The freed space begins the content area: grow the gap instead.
        if start < h.content {
            return Err(bad());
        }
        put_u16(data, hdr + 1, free_blk as u16);
        put_u16(data, hdr + 5, if end == 65536 { 0 } else { end as u16 });
    } else {
        put_u16(data, ptr, start as u16);
        put_u16(data, start, free_blk as u16);
        put_u16(data, start + 2, (end - start) as u16);
    }
    Ok(())
}

/// Remove cell `idx` from the page in place (SQLite's `dropCell`).
pub fn drop_cell(data: &mut [u8], pgno: Pgno, usable: usize, idx: usize) -> Result<()> {
    let h = parse_hdr(data, pgno, usable)?;
    let ci = parse_cell(data, &h, idx, pgno, usable)?;
    free_space(data, &h, ci.start, ci.size, pgno, usable)?;
    let hdr = h.off;
    let n = h.ncells - 1;
    if n == 0 {
        put_u16(data, hdr + 1, 0);
        put_u16(data, hdr + 3, 0);
        put_u16(
            data,
            hdr + 5,
            if usable == 65536 { 0 } else { usable as u16 },
        );
        if let Some(b) = data.get_mut(hdr + 7) {
            *b = 0;
        }
        if let Some(p) = data.get_mut(hdr + h.hsize..hdr + h.hsize + 2) {
            p.fill(0);
        }
        return Ok(());
    }
    let p = hdr + h.hsize + 2 * idx;
    data.copy_within(p + 2..h.ptr_end(), p);
    if let Some(z) = data.get_mut(h.ptr_end() - 2..h.ptr_end()) {
        z.fill(0);
    }
    put_u16(data, hdr + 3, n as u16);
    Ok(())
}

/// First-fit search of the freeblock list for `need` bytes (SQLite's `pageFindSlot`);
/// returns the offset where the cell goes, having updated the list.
fn find_slot(
    data: &mut [u8],
    h: &PageHdr,
    need: usize,
    pgno: Pgno,
    usable: usize,
) -> Result<Option<usize>> {
    let bad = || crate::corrupt!(pgno);
    let hdr = h.off;
    let mut link = hdr + 1;
    let mut pc = h.first_free;
    let mut guard = 0usize;
    while pc != 0 {
        guard += 1;
        if pc + 4 > usable || pc < h.content || guard > usable / 4 {
            return Err(bad());
        }
        let next = usize::from(get_u16(data, pc).ok_or_else(bad)?);
        let size = usize::from(get_u16(data, pc + 2).ok_or_else(bad)?);
        if pc + size > usable {
            return Err(bad());
        }
        if size >= need {
            let x = size - need;
            if x < 4 {
                if h.frag > 57 {
                    return Ok(None);
                }
                // Take the whole block; the remainder becomes fragmented bytes.
                put_u16(data, link, next as u16);
                if let Some(b) = data.get_mut(hdr + 7) {
                    *b = (h.frag + x) as u8;
                }
                return Ok(Some(pc));
            }
            // Take the tail of the block.
            put_u16(data, pc + 2, x as u16);
            return Ok(Some(pc + x));
        }
        if next != 0 && next <= pc {
            return Err(bad());
        }
        link = pc;
        pc = next;
    }
    Ok(None)
}

/// Rewrite a page with its cells packed at the end (no freeblocks, no fragments).
pub fn defragment(data: &mut [u8], pgno: Pgno, usable: usize) -> Result<()> {
    let node = Node::load(data, pgno, usable)?;
    node.write_to(data, usable)
}

/// Insert `cell` as cell `idx` directly into the page when it fits (using a freeblock, the
/// gap, or the gap after defragmenting, as SQLite's `allocateSpace`). Returns `false` (page
/// untouched) when the page does not have room: the caller balances.
pub fn try_insert_in_place(
    data: &mut [u8],
    pgno: Pgno,
    usable: usize,
    idx: usize,
    cell: &[u8],
) -> Result<bool> {
    let mut h = parse_hdr(data, pgno, usable)?;
    let sz = cell_bytes_size(cell);
    if idx > h.ncells || h.ncells >= 65535 {
        return Ok(false);
    }
    if free_bytes(data, &h, pgno, usable)? < sz + 2 {
        return Ok(false);
    }
    let mut pos = None;
    if h.first_free != 0 && h.content >= h.ptr_end() + 2 {
        pos = find_slot(data, &h, sz, pgno, usable)?;
        h = parse_hdr(data, pgno, usable)?;
    }
    let pos = match pos {
        Some(p) => p,
        None => {
            if h.content < h.ptr_end() + 2 + sz {
                defragment(data, pgno, usable)?;
                h = parse_hdr(data, pgno, usable)?;
                if h.content < h.ptr_end() + 2 + sz {
                    return Err(crate::corrupt!(pgno));
                }
            }
            let p = h.content - sz;
            put_u16(data, h.off + 5, p as u16);
            p
        }
    };
    data.get_mut(pos..pos + cell.len())
        .ok_or_else(|| crate::corrupt!(pgno))?
        .copy_from_slice(cell);
    let pstart = h.off + h.hsize + 2 * idx;
    data.copy_within(pstart..h.ptr_end(), pstart + 2);
    put_u16(data, pstart, pos as u16);
    put_u16(data, h.off + 3, (h.ncells + 1) as u16);
    Ok(true)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::btree::overflow::{build_cell, overflow_page_count, read_overflow};
    use crate::pager::Pager;

    /// Cells built for every page type and payload size around the local-payload limits
    /// parse back to the same size, local part and payload (overflow chain included).
    #[test]
    fn built_cells_parse_back() {
        for ps in [512usize, 4096, 65536] {
            let mut pager = Pager::open_memory(ps);
            pager.begin_write(false).unwrap();
            pager.allocate().unwrap(); // page 1 stand-in: freelist count 0 in a zero page
            let u = pager.usable_size();
            let sizes = [
                0,
                1,
                3,
                max_local(u, false) - 1,
                max_local(u, false),
                max_local(u, false) + 1,
                max_local(u, true),
                max_local(u, true) + 1,
                u * 3 + 17,
            ];
            for ptype in [PTYPE_TABLE_LEAF, PTYPE_INDEX_LEAF, PTYPE_INDEX_INTERIOR] {
                for &n in &sizes {
                    let payload: Vec<u8> = (0..n).map(|i| (i * 7 + 3) as u8).collect();
                    let cell = build_cell(&mut pager, ptype, -5, &payload).unwrap();
                    let mut page = vec![0u8; ps];
                    // Cells shorter than 4 bytes occupy 4 on a page.
                    let at = ps - cell_bytes_size(&cell);
                    page[at..at + cell.len()].copy_from_slice(&cell);
                    let ci = parse_cell_at(&page, ptype, at, 2, u).unwrap();
                    assert_eq!(cell_size_at(&page, ptype, at, 2, u).unwrap(), ci.size);
                    assert_eq!(
                        ci.size,
                        cell_bytes_size(&cell),
                        "ps {ps} type {ptype} n {n}"
                    );
                    assert_eq!(ci.payload_len, n as u64);
                    let table = ptype == PTYPE_TABLE_LEAF;
                    assert_eq!(ci.local, local_size(n as u64, u, table));
                    if table {
                        assert_eq!(ci.key, -5);
                    }
                    assert_eq!(ci.overflow != 0, ci.local < n);
                    let mut got = page[ci.payload_off..ci.payload_off + ci.local].to_vec();
                    if ci.overflow != 0 {
                        read_overflow(&mut pager, ci.overflow, ci.payload_len, &mut got).unwrap();
                        assert!(overflow_page_count(n as u64, ci.local, u) >= 1);
                    }
                    assert!(got == payload);
                }
            }
        }
    }
}
