//! Deterministic fleet simulator (being written).
