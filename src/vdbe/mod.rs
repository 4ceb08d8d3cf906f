//! The register-based virtual machine that runs compiled statements (VM engineer).
//!
//! `program.rs` is the contract with the code generator: SQLite's opcodes and semantics.
//! `exec.rs` runs a program (see its header for the state diagram and operand deviations),
//! `cursor.rs` holds the cursor kinds, `mem.rs` SQLite's value semantics (affinity,
//! arithmetic, comparison), `rec.rs` the record codec, `sorter.rs` the sorter, `explain.rs` the EXPLAIN listing.

pub mod cursor;
pub mod exec;
pub mod explain;
pub mod mem;
pub mod program;
pub mod rec;
pub mod sorter;

pub use exec::{StepResult, Vm, VmHost};
pub use program::{FuncRef, Op, Opcode, Program, P4};
#[cfg(test)]
mod tests;
