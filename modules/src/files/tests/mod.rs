//! Tests of the file modules.
