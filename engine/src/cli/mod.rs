//! cli (to be written)

/// Runs the `ringmaster` command line; returns the process exit code.
pub fn main() -> i32 {
    0
}
