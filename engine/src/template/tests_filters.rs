//! Filter behaviour; expected values recorded from ansible-core 2.19.
