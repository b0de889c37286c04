//! Pure parts of the package modules, from recorded outputs (tests/fixtures/apt/).
