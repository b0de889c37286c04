//! Static argument specs of the built-in modules.
