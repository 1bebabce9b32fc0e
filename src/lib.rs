//! The root package of the slope workspace: it owns the lessons (`examples/`) and their
//! end-to-end tests (`tests/`), and re-exports the three crates so that one dependency on
//! `slope` reaches all of them.

pub use explore;
pub use loss;
pub use model;
