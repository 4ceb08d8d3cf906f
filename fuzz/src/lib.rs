//! Shared bodies of the fuzz targets (see `bodies.rs`).
pub mod bodies;
