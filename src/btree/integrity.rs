//! `PRAGMA integrity_check` (placeholder replaced below).
use super::Btree;
use crate::error::Result;
use crate::pager::Pgno;

pub fn check(_bt: &mut Btree, _roots: &[Pgno], _max: usize) -> Result<Vec<String>> {
    Err(crate::error::Error::new(
        crate::error::codes::SQLITE_INTERNAL,
        "integrity_check: not implemented yet",
    ))
}
