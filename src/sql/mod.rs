//! SQL front end: parse (sqlite3-parser) → resolve → plan → codegen. (SQL/VDBE agent)
