//! `PRAGMA integrity_check` for the b-tree layer: page references (range, used twice, never
//! used), freelist shape and count, per-page structure (header, cell extents, freeblocks,
//! fragmentation count), rowid order and bounds in table b-trees, equal depth of leaves, and
//! overflow chain lengths. Messages use SQLite's wording.
//!
//! Invariants: every walk is bounded (depth ≤ MAX_DEPTH, chains by the page count, a page
//! already seen is never entered again), so a damaged file yields messages, not a hang; I/O
//! errors from the pager are returned as `Err`.

use super::format::*;
use super::freelist::pending_byte_page;
use super::page::*;
use super::Btree;
use crate::error::Result;
use crate::pager::Pgno;

struct Ck<'a> {
    bt: &'a mut Btree,
    used: Vec<bool>,
    errs: Vec<String>,
    max: usize,
    npages: Pgno,
    usable: usize,
    pfx: String,
}

impl Ck<'_> {
    fn full(&self) -> bool {
        self.errs.len() >= self.max
    }

    fn msg(&mut self, m: String) {
        if !self.full() {
            self.errs.push(format!("{}{}", self.pfx, m));
        }
    }

    /// Mark `pg` as used; `true` if it is bad (out of range or already used).
    fn check_ref(&mut self, pg: Pgno) -> bool {
        if pg == 0 || pg > self.npages {
            self.msg(format!("invalid page number {pg}"));
            return true;
        }
        let i = pg as usize;
        if self.used.get(i).copied().unwrap_or(true) {
            self.msg(format!("2nd reference to page {pg}"));
            return true;
        }
        if let Some(u) = self.used.get_mut(i) {
            *u = true;
        }
        false
    }

    /// SQLite's checkList: a freelist (trunks with leaves) or an overflow chain of
    /// `expected` pages starting at `pg`.
    fn check_list(&mut self, is_free: bool, mut pg: Pgno, expected: u32) -> Result<()> {
        let mut n = i64::from(expected);
        let errs_at_start = self.errs.len();
        while pg != 0 && !self.full() {
            if n <= 0 {
                // Longer than expected; SQLite reports the count mismatch below.
                if is_free {
                    self.msg(format!("freelist leaf count too big on page {pg}"));
                }
                break;
            }
            if self.check_ref(pg) {
                break;
            }
            n -= 1;
            let data = self.bt.pager.read(pg)?;
            let next = get_u32(data, 0).unwrap_or(0);
            if is_free {
                let nleaf = get_u32(data, 4).unwrap_or(0) as usize;
                if nleaf > self.usable / 4 - 2 {
                    self.msg(format!("freelist leaf count too big on page {pg}"));
                    n -= 1;
                } else {
                    let leaves: Vec<Pgno> = (0..nleaf)
                        .map(|i| get_u32(data, 8 + 4 * i).unwrap_or(0))
                        .collect();
                    for l in leaves {
                        self.check_ref(l);
                    }
                    n -= nleaf as i64;
                }
            }
            pg = next;
        }
        if n != 0 && errs_at_start == self.errs.len() {
            let what = if is_free {
                "size"
            } else {
                "overflow list length"
            };
            self.msg(format!(
                "{what} is {} but should be {expected}",
                i64::from(expected) - n
            ));
        }
        Ok(())
    }

    /// Check the tree page `pg`; returns its depth (leaves = 0) or `None` if unusable.
    /// For table trees, keys must lie in (`lo`, `hi`]; returns via `max_key` the largest key.
    fn check_page(
        &mut self,
        pg: Pgno,
        depth: usize,
        min_key: &mut i64,
        max_key: i64,
    ) -> Result<Option<usize>> {
        if self.full() {
            return Ok(None);
        }
        if depth > MAX_DEPTH {
            self.msg(format!("tree is too deep at page {pg}"));
            return Ok(None);
        }
        if self.check_ref(pg) {
            return Ok(None);
        }
        let saved_pfx = std::mem::replace(&mut self.pfx, format!("Page {pg}: "));
        let r = self.check_page_inner(pg, depth, min_key, max_key);
        self.pfx = saved_pfx;
        r
    }

    fn check_page_inner(
        &mut self,
        pg: Pgno,
        depth: usize,
        min_key: &mut i64,
        max_key: i64,
    ) -> Result<Option<usize>> {
        let usable = self.usable;
        let data = self.bt.pager.read(pg)?.to_vec();
        let h = match parse_hdr(&data, pg, usable) {
            Ok(h) => h,
            Err(e) => {
                self.msg(format!("btreeInitPage() returns error code {}", e.code));
                return Ok(None);
            }
        };
        // Byte ranges in the content area: cells and freeblocks.
        let mut spans: Vec<(usize, usize)> = Vec::with_capacity(h.ncells + 4);
        let mut cells = Vec::with_capacity(h.ncells);
        for i in 0..h.ncells {
            match parse_cell(&data, &h, i, pg, usable) {
                Ok(ci) => {
                    if ci.start < h.content {
                        self.msg(format!(
                            "Offset {} out of range {}..{}",
                            ci.start, h.content, usable
                        ));
                    }
                    spans.push((ci.start, ci.start + ci.size));
                    cells.push(ci);
                }
                Err(_) => {
                    self.msg(format!("Extends off end of page at cell {i}"));
                    return Ok(None);
                }
            }
        }
        let mut fb = h.first_free;
        let mut nfb = 0usize;
        while fb != 0 {
            nfb += 1;
            let (next, size) = match (get_u16(&data, fb), get_u16(&data, fb + 2)) {
                (Some(n), Some(s))
                    if fb >= h.content && fb + usize::from(s) <= usable && s >= 4 =>
                {
                    (usize::from(n), usize::from(s))
                }
                _ => {
                    self.msg(format!(
                        "Freeblock at offset {fb} out of range on page {pg}"
                    ));
                    break;
                }
            };
            spans.push((fb, fb + size));
            if next != 0 && next <= fb + size || nfb > usable / 4 {
                self.msg(format!("Freeblock list out of order on page {pg}"));
                break;
            }
            fb = next;
        }
        spans.sort_unstable();
        let mut covered = 0usize;
        let mut prev_end = h.content;
        let mut overlap = false;
        for &(s, e) in &spans {
            if s < prev_end && s >= h.content {
                overlap = true;
                self.msg(format!("Multiple uses for byte {s} of page {pg}"));
                break;
            }
            covered += e - s;
            prev_end = e;
        }
        let frag = usable
            .checked_sub(h.content)
            .and_then(|x| x.checked_sub(covered));
        if let (false, true, Some(frag)) = (overlap, prev_end <= usable, frag) {
            if frag != h.frag {
                self.msg(format!(
                    "Fragmentation of {frag} bytes reported as {} on page {pg}",
                    h.frag
                ));
            }
        }
        // Keys, children, overflow — in SQLite's order: the right child first, then the
        // cells from last to first, carrying the upper bound for rowids down (a subtree's
        // largest key may equal its divider; keys within a page must strictly decrease).
        let mut max_key = max_key;
        let mut key_can_be_equal = true;
        let mut child_depth: Option<usize> = None;
        if !h.leaf {
            self.pfx = format!("On page {pg} at right child: ");
            let bound = max_key;
            let d = self.check_page(h.right, depth + 1, &mut max_key, bound)?;
            self.merge_depth(&mut child_depth, d);
            key_can_be_equal = false;
        }
        for (i, ci) in cells.iter().enumerate().rev() {
            if self.full() {
                return Ok(None);
            }
            self.pfx = format!("On tree page {pg} cell {i}: ");
            if h.intkey {
                let k = ci.key;
                if (key_can_be_equal && k > max_key) || (!key_can_be_equal && k >= max_key) {
                    self.msg(format!("Rowid {k} out of order"));
                }
                max_key = k;
                key_can_be_equal = false;
            }
            if ci.overflow != 0 {
                let n = super::overflow::overflow_page_count(ci.payload_len, ci.local, usable);
                self.check_list(false, ci.overflow, u32::try_from(n).unwrap_or(u32::MAX))?;
            }
            if !h.leaf {
                let bound = max_key;
                let d = self.check_page(ci.child, depth + 1, &mut max_key, bound)?;
                key_can_be_equal = false;
                self.merge_depth(&mut child_depth, d);
            }
        }
        *min_key = max_key;
        if h.leaf {
            return Ok(Some(0));
        }
        Ok(child_depth.map(|d| d + 1))
    }

    fn merge_depth(&mut self, acc: &mut Option<usize>, d: Option<usize>) {
        if let Some(d) = d {
            match *acc {
                None => *acc = Some(d),
                Some(a) if a != d => self.msg("Child page depth differs".to_string()),
                _ => {}
            }
        }
    }
}

/// Check the freelist and the given trees; report pages never used. Empty = ok.
pub fn check(bt: &mut Btree, roots: &[Pgno], max_errors: usize) -> Result<Vec<String>> {
    let npages = bt.pager.page_count();
    if npages == 0 {
        return Ok(Vec::new());
    }
    let usable = bt.pager.usable_size();
    let ps = bt.pager.page_size();
    let (trunk, count) = {
        let p1 = bt.pager.read(1)?;
        (
            get_u32(p1, HDR_FREELIST_TRUNK).unwrap_or(0),
            get_u32(p1, HDR_FREELIST_COUNT).unwrap_or(0),
        )
    };
    let mut ck = Ck {
        bt,
        used: vec![false; npages as usize + 1],
        errs: Vec::new(),
        max: max_errors.max(1),
        npages,
        usable,
        pfx: String::new(),
    };
    if let Some(u) = ck.used.get_mut(0) {
        *u = true;
    }
    let pbp = pending_byte_page(ps);
    if pbp <= npages {
        if let Some(u) = ck.used.get_mut(pbp as usize) {
            *u = true;
        }
    }
    // Auto-vacuum files: pointer-map pages (2, then every usable/5+1 pages) are in use.
    let autovac = get_u32(ck.bt.pager.read(1)?, 52).unwrap_or(0) != 0;
    if autovac {
        let step = (usable / 5 + 1) as Pgno;
        let mut p = 2;
        while p <= npages {
            if let Some(u) = ck.used.get_mut(p as usize) {
                *u = true;
            }
            p += step;
        }
    }
    ck.pfx = "Main freelist: ".to_string();
    ck.check_list(true, trunk, count)?;
    ck.pfx.clear();
    for &root in roots {
        if root == 0 {
            continue;
        }
        let mut min_key = 0i64;
        ck.check_page(root, 0, &mut min_key, i64::MAX)?;
        ck.pfx.clear();
    }
    for pg in 1..=npages {
        if ck.full() {
            break;
        }
        if !ck.used.get(pg as usize).copied().unwrap_or(true) {
            ck.msg(format!("Page {pg} is never used"));
        }
    }
    Ok(ck.errs)
}
