//! Real servers on loopback for examples and tests (being written).
