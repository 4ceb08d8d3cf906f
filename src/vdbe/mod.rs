//! The register-based virtual machine that runs compiled statements (VM engineer).
//!
//! `program.rs` is the contract with the code generator: SQLite's opcodes and semantics.

pub mod program;

pub use program::{FuncRef, Op, Opcode, Program, P4};
