//! vars (to be written)
