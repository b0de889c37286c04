//! inventory (to be written)
