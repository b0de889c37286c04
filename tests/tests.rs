//! ringmaster's integration tests: one binary, shared helpers in `util`.
