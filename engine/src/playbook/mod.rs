//! playbook (to be written)
