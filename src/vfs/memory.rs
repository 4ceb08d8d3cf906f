//! In-memory VFS for `:memory:` databases and tests. (vfs agent)
