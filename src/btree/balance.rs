//! Balancing: after an insert or delete changed one page (given as an in-memory [`Node`]
//! that may be overfull or underfull), restore the b-tree invariants from that page up to
//! the root, as SQLite's `balance()`:
//!
//! - root overfull → `balance_deeper`: the root's content moves to a new child, the root
//!   becomes an interior page with no cells, and the child is balanced as a non-root page;
//! - root interior with no cells → `balance_shallower`: the only child is copied into the
//!   root (when it fits) and freed;
//! - table leaf overfull by an append at the right edge → `balance_quick`: the new cell goes
//!   alone on a new right-most leaf (sequential inserts fill pages 100%);
//! - otherwise → `balance_nonroot`: the page and up to two siblings (3 in all) plus their
//!   dividers are gathered, redistributed over as few pages as fit, evened out right to left,
//!   and new dividers are written to the parent, which is then balanced in turn.
//!
//! Invariants: works on copies of the pages (no page borrow is held across pager calls); all
//! pages written fit; pages no longer needed go to the freelist; the old pages of the
//! sibling set are reused in ascending page-number order.

use super::format::*;
use super::freelist;
use super::page::*;
use crate::error::{codes::SQLITE_INTERNAL, Error, Result};
use crate::pager::{Pager, Pgno};

/// A page is underfull (worth merging) when more than 2/3 of it is free.
pub fn underfull(node: &Node, usable: usize) -> bool {
    usable.saturating_sub(node.used()) > usable * 2 / 3
}

fn write_node(pager: &mut Pager, node: &Node) -> Result<()> {
    let usable = pager.usable_size();
    let buf = pager.write(node.pgno)?;
    node.write_to(buf, usable)
}

fn load(pager: &mut Pager, pgno: Pgno) -> Result<Node> {
    let usable = pager.usable_size();
    if pgno < 1 || pgno > pager.page_count() {
        return Err(crate::corrupt!(pgno));
    }
    Node::load(pager.read(pgno)?, pgno, usable)
}

/// Balance after modifying the page `node`, reached from the root through `path`
/// (ancestors as (page, index of the child taken), root first). `appended` says the change
/// was one cell appended at the end of the right-most leaf (allows `balance_quick`).
pub fn balance(
    pager: &mut Pager,
    path: &[(Pgno, usize)],
    node: Node,
    appended: bool,
) -> Result<()> {
    let usable = pager.usable_size();
    let mut node = node;
    let mut depth = path.len();
    let mut quick_ok = appended;
    loop {
        if depth == 0 {
            if node.fits(usable) {
                if !node.is_leaf() && node.cells.is_empty() {
                    return balance_shallower(pager, node);
                }
                return write_node(pager, &node);
            }
            // balance_deeper
            let child_pg = freelist::allocate_page(pager)?;
            let child = Node {
                pgno: child_pg,
                ptype: node.ptype,
                cells: std::mem::take(&mut node.cells),
                right: node.right,
            };
            let root = Node {
                pgno: node.pgno,
                ptype: if node.intkey() {
                    PTYPE_TABLE_INTERIOR
                } else {
                    PTYPE_INDEX_INTERIOR
                },
                cells: Cells::new(),
                right: child_pg,
            };
            node = balance_nonroot(pager, root, 0, child)?;
            continue;
        }
        let fits = node.fits(usable);
        if fits && !underfull(&node, usable) {
            return write_node(pager, &node);
        }
        let Some(&(ppg, pidx)) = path.get(depth - 1) else {
            return Err(Error::new(SQLITE_INTERNAL, "btree: bad balance path"));
        };
        let parent = ParentView::read(pager, ppg, pidx)?;
        if parent.child_at(pidx)? != node.pgno {
            return Err(crate::corrupt!(ppg));
        }
        let next = if quick_ok
            && !fits
            && node.ptype == PTYPE_TABLE_LEAF
            && pidx == parent.ncells
            && ppg != 1
            && node.cells.len() > 1
        {
            balance_quick(pager, &parent, node, depth == 1)?
        } else {
            balance_nonroot_in_place(pager, &parent, pidx, node, depth == 1)?
        };
        match next {
            Some(n) => node = n,
            None => return Ok(()),
        }
        quick_ok = false;
        depth -= 1;
    }
}

/// What balancing a child needs from its parent page, read in place (no `Node` copy of
/// the parent): its header and the children and dividers around the child.
struct ParentView {
    pgno: Pgno,
    ptype: u8,
    ncells: usize,
    /// (index in the parent, child page) for the sibling set chosen for the child.
    children: Vec<(usize, Pgno)>,
    /// The dividers between those children, as on the page (child pointer included).
    dividers: Vec<Vec<u8>>,
}

impl ParentView {
    fn read(pager: &mut Pager, ppg: Pgno, pidx: usize) -> Result<ParentView> {
        let usable = pager.usable_size();
        if ppg < 1 || ppg > pager.page_count() {
            return Err(crate::corrupt!(ppg));
        }
        let data = pager.read(ppg)?;
        let h = parse_hdr(data, ppg, usable)?;
        if h.leaf || pidx > h.ncells {
            return Err(crate::corrupt!(ppg));
        }
        let (start, nold) = sibling_set(h.ncells, pidx);
        let mut children = Vec::with_capacity(nold);
        let mut dividers = Vec::with_capacity(nold);
        for ci in start..start + nold {
            if ci == h.ncells {
                children.push((ci, h.right));
                continue;
            }
            let at = cell_ptr(data, &h, ci, ppg, usable)?;
            let size = cell_size_at(data, h.ptype, at, ppg, usable)?;
            let c = data
                .get(at..at + size)
                .ok_or_else(|| crate::corrupt!(ppg))?;
            children.push((ci, get_u32(c, 0).ok_or_else(|| crate::corrupt!(ppg))?));
            if ci + 1 < start + nold {
                dividers.push(c.to_vec());
            }
        }
        Ok(ParentView {
            pgno: ppg,
            ptype: h.ptype,
            ncells: h.ncells,
            children,
            dividers,
        })
    }

    fn child_at(&self, ci: usize) -> Result<Pgno> {
        self.children
            .iter()
            .find(|&&(i, _)| i == ci)
            .map(|&(_, pg)| pg)
            .ok_or_else(|| crate::corrupt!(self.pgno))
    }
}

/// Replace dividers `start..start + nremove` of parent page `ppg` by `new_divs` and point
/// entry `start + new_divs.len()` (a cell's child or the right pointer) at `last_pg`, in
/// place when the page has room. Returns `None` when the parent needs no more balancing,
/// else the parent as a `Node` (overfull, underfull, or an empty interior root) for the
/// balance loop to carry on with.
fn update_parent(
    pager: &mut Pager,
    ppg: Pgno,
    start: usize,
    nremove: usize,
    new_divs: &[Vec<u8>],
    last_pg: Pgno,
    is_root: bool,
) -> Result<Option<Node>> {
    let usable = pager.usable_size();
    let (fits, ncells) = {
        let data = pager.read(ppg)?;
        let h = parse_hdr(data, ppg, usable)?;
        if h.leaf || start + nremove > h.ncells {
            return Err(crate::corrupt!(ppg));
        }
        let mut old_bytes = 0usize;
        for i in start..start + nremove {
            let at = cell_ptr(data, &h, i, ppg, usable)?;
            old_bytes += cell_size_at(data, h.ptype, at, ppg, usable)? + 2;
        }
        let new_bytes: usize = new_divs.iter().map(|d| cell_bytes_size(d) + 2).sum();
        let free = free_bytes(data, &h, ppg, usable)?;
        let ncells = h.ncells - nremove + new_divs.len();
        (free + old_bytes >= new_bytes && ncells <= 65535, ncells)
    };
    if !fits {
        let mut parent = load(pager, ppg)?;
        parent.cells.drain_to_vec(start..start + nremove);
        parent.cells.splice_in(start, new_divs);
        parent.set_child(start + new_divs.len(), last_pg)?;
        return Ok(Some(parent));
    }
    let data = pager.write(ppg)?;
    for _ in 0..nremove {
        drop_cell(data, ppg, usable, start)?;
    }
    for (j, d) in new_divs.iter().enumerate() {
        if !try_insert_in_place(data, ppg, usable, start + j, d)? {
            // The room was counted above: only a damaged page gets here.
            return Err(crate::corrupt!(ppg));
        }
    }
    let h = parse_hdr(data, ppg, usable)?;
    let li = start + new_divs.len();
    if li == h.ncells {
        if !put_u32(data, h.off + 8, last_pg) {
            return Err(crate::corrupt!(ppg));
        }
    } else {
        let at = cell_ptr(data, &h, li, ppg, usable)?;
        if !put_u32(data, at, last_pg) {
            return Err(crate::corrupt!(ppg));
        }
    }
    let free = free_bytes(data, &h, ppg, usable)?;
    let more = if is_root {
        ncells == 0
    } else {
        free > usable * 2 / 3
    };
    if more {
        return Ok(Some(load(pager, ppg)?));
    }
    Ok(None)
}

/// The sibling set of child `idx` of a parent with `n` cells: (first child index, count).
fn sibling_set(n: usize, idx: usize) -> (usize, usize) {
    let nold = (n + 1).min(3);
    let start = if idx == 0 {
        0
    } else if idx >= n {
        n + 1 - nold
    } else {
        idx - 1
    }
    .min(n + 1 - nold);
    (start, nold)
}

/// `balance_nonroot` with the parent edited in place (see `update_parent`).
fn balance_nonroot_in_place(
    pager: &mut Pager,
    parent: &ParentView,
    idx: usize,
    child: Node,
    parent_is_root: bool,
) -> Result<Option<Node>> {
    let start = parent.children.first().map_or(0, |&(i, _)| i);
    let pgs: Vec<Pgno> = parent.children.iter().map(|&(_, pg)| pg).collect();
    let (new_divs, last_pg) = redistribute(
        pager,
        parent.pgno,
        parent.ptype,
        &pgs,
        &parent.dividers,
        idx.checked_sub(start)
            .ok_or_else(|| crate::corrupt!(parent.pgno))?,
        child,
    )?;
    update_parent(
        pager,
        parent.pgno,
        start,
        parent.dividers.len(),
        &new_divs,
        last_pg,
        parent_is_root,
    )
}

/// Root interior page with no cells: pull its only child up.
fn balance_shallower(pager: &mut Pager, mut root: Node) -> Result<()> {
    let usable = pager.usable_size();
    let child_pg = root.right;
    if child_pg == root.pgno {
        return Err(crate::corrupt!(root.pgno));
    }
    let child = load(pager, child_pg)?;
    let moved = Node {
        pgno: root.pgno,
        ptype: child.ptype,
        cells: child.cells,
        right: child.right,
    };
    if moved.fits(usable) {
        write_node(pager, &moved)?;
        freelist::free_page(pager, child_pg)?;
        if !moved.is_leaf() && moved.cells.is_empty() {
            // Degenerate chain of single children: keep pulling up.
            return balance_shallower(pager, moved);
        }
        Ok(())
    } else {
        root.cells.clear();
        write_node(pager, &root)
    }
}

/// Append fast path: the last cell of `node` moves alone to a new right-most leaf.
fn balance_quick(
    pager: &mut Pager,
    parent: &ParentView,
    mut node: Node,
    parent_is_root: bool,
) -> Result<Option<Node>> {
    let usable = pager.usable_size();
    let Some(cell) = node.cells.pop() else {
        return Err(Error::new(
            SQLITE_INTERNAL,
            "btree: balance_quick on empty page",
        ));
    };
    if !node.fits(usable) {
        // More than one cell too many: fall back to the general case.
        node.cells.push(&cell);
        return balance_nonroot_in_place(pager, parent, parent.ncells, node, parent_is_root);
    }
    let new_pg = freelist::allocate_page(pager)?;
    let newleaf = Node {
        pgno: new_pg,
        ptype: PTYPE_TABLE_LEAF,
        cells: {
            let mut c = Cells::new();
            c.push(&cell);
            c
        },
        right: 0,
    };
    write_node(pager, &newleaf)?;
    write_node(pager, &node)?;
    let last = node
        .cells
        .last()
        .ok_or_else(|| crate::corrupt!(node.pgno))?;
    let key = table_leaf_cell_rowid(last, node.pgno)?;
    let mut div = node.pgno.to_be_bytes().to_vec();
    put_varint(&mut div, key as u64);
    update_parent(
        pager,
        parent.pgno,
        parent.ncells,
        0,
        &[div],
        new_pg,
        parent_is_root,
    )
}

/// Redistribute the cells of child `idx` of `parent` (given as `child`, possibly over- or
/// underfull) and up to two of its siblings. Returns the updated parent (not yet written;
/// it may itself be overfull or underfull). Used for a root given as a `Node`
/// (`balance_deeper`); other parents are edited in place (`balance_nonroot_in_place`).
pub fn balance_nonroot(
    pager: &mut Pager,
    mut parent: Node,
    idx: usize,
    child: Node,
) -> Result<Node> {
    let n = parent.cells.len();
    let (start, nold) = sibling_set(n, idx);
    let pgs: Vec<Pgno> = (start..start + nold)
        .map(|ci| parent.child(ci))
        .collect::<Result<_>>()?;
    let dividers: Vec<Vec<u8>> = parent.cells.drain_to_vec(start..start + nold - 1);
    let (new_divs, last_pg) = redistribute(
        pager,
        parent.pgno,
        parent.ptype,
        &pgs,
        &dividers,
        idx.saturating_sub(start),
        child,
    )?;
    parent.cells.splice_in(start, &new_divs);
    parent.set_child(start + new_divs.len(), last_pg)?;
    Ok(parent)
}

/// The core of `balance_nonroot`: the sibling pages `pgs` (child `ichild` of them given as
/// `child`, the others read from the pager) and the `dividers` between them (as on the
/// parent page `ppg` of type `ptype`) are redistributed over as few pages as fit; the new
/// pages are written. Returns the new dividers and the last new page (what the parent
/// entry after the dividers must point to).
fn redistribute(
    pager: &mut Pager,
    ppg: Pgno,
    parent_ptype: u8,
    pgs: &[Pgno],
    dividers: &[Vec<u8>],
    ichild: usize,
    child: Node,
) -> Result<(Vec<Vec<u8>>, Pgno)> {
    let usable = pager.usable_size();
    let nold = pgs.len();
    if nold == 0 || dividers.len() + 1 != nold || is_leaf(parent_ptype) {
        return Err(crate::corrupt!(ppg));
    }
    let ptype = child.ptype;
    let leaf = is_leaf(ptype);
    let intkey = is_intkey(ptype);
    if intkey != is_intkey(parent_ptype) {
        return Err(crate::corrupt!(ppg));
    }
    // Load the siblings (the modified child from memory).
    let mut olds: Vec<Node> = Vec::with_capacity(nold);
    let mut child = Some(child);
    for (j, &pg) in pgs.iter().enumerate() {
        if j == ichild {
            let c = child
                .take()
                .ok_or_else(|| Error::new(SQLITE_INTERNAL, "btree"))?;
            if c.pgno != pg {
                return Err(crate::corrupt!(ppg));
            }
            olds.push(c);
        } else {
            if pg < 2
                || pg == ppg
                || olds.iter().any(|o| o.pgno == pg)
                || pgs.get(ichild) == Some(&pg)
            {
                return Err(crate::corrupt!(ppg));
            }
            let s = load(pager, pg)?;
            if s.ptype != ptype {
                return Err(crate::corrupt!(pg));
            }
            olds.push(s);
        }
    }
    if child.is_some() {
        return Err(Error::new(
            SQLITE_INTERNAL,
            "btree: child not among siblings",
        ));
    }
    // Gather cells (dividers included where they carry keys) into one arena.
    let total: usize = olds.iter().map(|o| o.cells.len()).sum::<usize>() + nold;
    let mut cells = Cells::with_capacity(total, nold * usable);
    let last_right = olds.last().map_or(0, |o| o.right);
    let old_pgnos: Vec<Pgno> = olds.iter().map(|o| o.pgno).collect();
    for (j, o) in olds.iter().enumerate() {
        for c in o.cells.iter() {
            cells.push(c);
        }
        if let Some(div) = dividers.get(j) {
            if div.len() < 5 {
                return Err(crate::corrupt!(ppg));
            }
            if leaf {
                if !intkey {
                    cells.push(div.get(4..).unwrap_or(&[]));
                }
            } else {
                let mut d = div.clone();
                put_u32(&mut d, 0, o.right);
                cells.push(&d);
            }
        }
    }
    drop(olds);
    // Distribute.
    let extract = !leaf || !intkey;
    let cap = usable - hsize_of(ptype);
    let sz: Vec<usize> = cells.iter().map(|c| cell_bytes_size(c) + 2).collect();
    let counts = distribute(&sz, cap, extract).ok_or_else(|| crate::corrupt!(ppg))?;
    let k = counts.len();
    // Page numbers: reuse the old ones, allocate or free the difference.
    let mut pgnos: Vec<Pgno> = old_pgnos.iter().copied().take(k).collect();
    while pgnos.len() < k {
        pgnos.push(freelist::allocate_page(pager)?);
    }
    pgnos.sort_unstable();
    for &pg in old_pgnos.iter().skip(k) {
        freelist::free_page(pager, pg)?;
    }
    // Build new pages and dividers.
    let mut new_divs: Vec<Vec<u8>> = Vec::with_capacity(k.saturating_sub(1));
    let mut next_cell = 0usize;
    for (j, (&count, &pg)) in counts.iter().zip(pgnos.iter()).enumerate() {
        let mut page_cells = Cells::with_capacity(count, cap);
        for i in next_cell..next_cell + count {
            page_cells.push(
                cells
                    .get(i)
                    .ok_or_else(|| Error::new(SQLITE_INTERNAL, "btree: cell index"))?,
            );
        }
        next_cell += count;
        let mut node = Node {
            pgno: pg,
            ptype,
            cells: page_cells,
            right: 0,
        };
        if j + 1 < k {
            if extract {
                let mut d = cells
                    .get(next_cell)
                    .ok_or_else(|| Error::new(SQLITE_INTERNAL, "btree: divider missing"))?
                    .to_vec();
                next_cell += 1;
                if leaf {
                    let mut nd = pg.to_be_bytes().to_vec();
                    nd.append(&mut d);
                    new_divs.push(nd);
                } else {
                    node.right = get_u32(&d, 0).ok_or_else(|| crate::corrupt!(pg))?;
                    put_u32(&mut d, 0, pg);
                    new_divs.push(d);
                }
            } else {
                let last = node
                    .cells
                    .last()
                    .ok_or_else(|| Error::new(SQLITE_INTERNAL, "btree: empty page in split"))?;
                let key = table_leaf_cell_rowid(last, pg)?;
                let mut nd = pg.to_be_bytes().to_vec();
                put_varint(&mut nd, key as u64);
                new_divs.push(nd);
            }
        } else if !leaf {
            node.right = last_right;
        }
        write_node(pager, &node)?;
    }
    let last_pg = pgnos
        .last()
        .copied()
        .ok_or_else(|| Error::new(SQLITE_INTERNAL, "btree: no pages after balance"))?;
    Ok((new_divs, last_pg))
}

/// Split cells of sizes `sz` (bytes incl. the 2-byte pointer) over as few pages of capacity
/// `cap` as possible, then even them out right to left. Returns the number of cells per
/// page. With `extract`, one cell between two pages becomes the divider in the parent
/// (interior pages and index leaves). `None` if a cell does not fit a page at all.
pub fn distribute(sz: &[usize], cap: usize, extract: bool) -> Option<Vec<usize>> {
    let mut counts: Vec<usize> = Vec::new();
    let (mut cur, mut cur_sz, mut i) = (0usize, 0usize, 0usize);
    while let Some(&s) = sz.get(i) {
        if cur_sz + s <= cap {
            cur_sz += s;
            cur += 1;
            i += 1;
        } else {
            if cur == 0 {
                return None;
            }
            counts.push(cur);
            cur = 0;
            cur_sz = 0;
            if extract {
                i += 1;
            }
        }
    }
    counts.push(cur);
    let k = counts.len();
    if extract && k > 1 && cur == 0 {
        // The last cell became a divider with nothing after it: shift one cell right.
        let prev = counts.get_mut(k - 2)?;
        if *prev < 2 {
            return None;
        }
        *prev -= 1;
        *counts.get_mut(k - 1)? = 1;
    }
    // Even out, right to left (SQLite's second pass): move cells to the right page while
    // it stays no larger than the left one.
    let page_start = |counts: &[usize], j: usize| -> Option<usize> {
        Some(counts.get(..j)?.iter().sum::<usize>() + if extract { j } else { 0 })
    };
    let sum = |a: usize, n: usize| -> Option<usize> { Some(sz.get(a..a + n)?.iter().sum()) };
    for j in (1..k).rev() {
        let (mut cl, mut cr) = (*counts.get(j - 1)?, *counts.get(j)?);
        let ls = page_start(&counts, j - 1)?;
        let mut rs = page_start(&counts, j)?;
        let mut szl = sum(ls, cl)?;
        let mut szr = sum(rs, cr)?;
        while cl > 1 {
            let last_l = *sz.get(ls + cl - 1)?;
            let moved = if extract { *sz.get(rs - 1)? } else { last_l };
            let new_r = szr + moved;
            let new_l = szl - last_l;
            if new_r > cap || new_r > new_l {
                break;
            }
            cl -= 1;
            cr += 1;
            szl = new_l;
            szr = new_r;
            rs -= 1;
        }
        *counts.get_mut(j - 1)? = cl;
        *counts.get_mut(j)? = cr;
    }
    Some(counts)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::distribute;

    fn check(sz: &[usize], cap: usize, extract: bool) -> Vec<usize> {
        let c = distribute(sz, cap, extract).unwrap();
        let mut i = 0;
        let mut total = 0;
        for (j, &n) in c.iter().enumerate() {
            assert!(n >= 1 || (sz.is_empty() && c.len() == 1), "{c:?}");
            let used: usize = sz[i..i + n].iter().sum();
            assert!(used <= cap, "page {j} overfull: {used} > {cap}");
            i += n;
            total += n;
            if extract && j + 1 < c.len() {
                i += 1;
                total += 1;
            }
        }
        assert_eq!(total, sz.len());
        c
    }

    #[test]
    fn distribute_fills_and_evens_out() {
        // 10 cells of 100 into pages of 450: 3 pages, the last not nearly empty.
        let c = check(&[100; 10], 450, false);
        assert_eq!(c.len(), 3);
        assert!(c.iter().all(|&n| n >= 3), "{c:?}");
        // With dividers extracted: 9 cells in pages + 2 dividers... or fewer pages.
        let c = check(&[100; 10], 450, true);
        assert!(c.len() <= 3, "{c:?}");
        // A divider cannot be left with nothing after it.
        let c = check(&[100, 100, 100, 100, 100], 400, true);
        assert_eq!(c.len(), 2);
        assert_eq!(*c.last().unwrap() >= 1, true);
        // One cell too big for any page: corruption.
        assert!(distribute(&[10, 500], 450, false).is_none());
        // Empty input: one empty page.
        assert_eq!(distribute(&[], 450, false).unwrap(), vec![0]);
        // Uneven sizes.
        let sz: Vec<usize> = (0..200).map(|i| 5 + (i * 37) % 120).collect();
        for extract in [false, true] {
            check(&sz, 1000, extract);
        }
    }
}
