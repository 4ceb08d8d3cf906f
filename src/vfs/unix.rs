//! Unix VFS: files, fcntl locks at SQLite's offsets, per-inode lock table. (vfs agent)
