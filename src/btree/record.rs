//! SQLite's record format: header of serial types (varints), then the values. (b-tree agent)
