//! slope
