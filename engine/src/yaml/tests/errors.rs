//! Bad input: every error names the place and what was expected; nothing panics.
