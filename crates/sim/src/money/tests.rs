//! Tests of the whole money world.
