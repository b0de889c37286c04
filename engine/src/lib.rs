//! ringmaster's engine: reads Ansible playbooks, inventories and variables, templates
//! them, and (later) runs them.

pub mod cli;
pub mod exec;
pub mod inventory;
pub mod playbook;
pub mod report;
pub mod source;
pub mod template;
pub mod transport;
pub mod vars;
pub mod yaml;
