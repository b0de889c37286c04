//! ringmaster's integration tests: one binary, shared helpers in `util`.

mod corpus;
mod util;
