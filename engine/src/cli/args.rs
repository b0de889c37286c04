//! ansible-playbook's command line, flag for flag, plus ringmaster's own options.

use std::path::PathBuf;

use clap::{ArgAction, Parser};

/// Runs Ansible playbooks, executing the defined tasks on the targeted hosts.
#[derive(Debug, Parser, Default)]
#[command(
    name = "ringmaster",
    // As with argparse, a flag given twice keeps its last value (`-l a -l b` is `b`).
    args_override_self = true,
    version,
    about = "Runs Ansible playbooks, executing the defined tasks on the targeted hosts.",
    long_about = "Runs Ansible playbooks, unchanged, natively and fast: the same flags, files and \
                  results as ansible-playbook. Options that parse but are not effective yet say \
                  so on standard error when used."
)]
pub struct Args {
    /// Playbook(s)
    #[arg(value_name = "playbook", required = true)]
    pub playbooks: Vec<PathBuf>,

    /// Causes more debug messages to be printed; repeat for more (-vvv)
    #[arg(short = 'v', long = "verbose", action = ArgAction::Count)]
    pub verbose: u8,

    /// Use this file to authenticate the connection
    #[arg(
        long = "private-key",
        visible_alias = "key-file",
        value_name = "PRIVATE_KEY_FILE",
        help_heading = "Connection Options"
    )]
    pub private_key: Option<PathBuf>,
    /// Connect as this user
    #[arg(
        short = 'u',
        long = "user",
        value_name = "REMOTE_USER",
        help_heading = "Connection Options"
    )]
    pub user: Option<String>,
    /// Connection type to use (default=ssh)
    #[arg(
        short = 'c',
        long = "connection",
        value_name = "CONNECTION",
        help_heading = "Connection Options"
    )]
    pub connection: Option<String>,
    /// Override the connection timeout in seconds
    #[arg(
        short = 'T',
        long = "timeout",
        value_name = "TIMEOUT",
        help_heading = "Connection Options"
    )]
    pub timeout: Option<u64>,
    /// Common arguments for ssh/sftp/scp (e.g. ProxyCommand)
    #[arg(
        long = "ssh-common-args",
        allow_hyphen_values = true,
        value_name = "SSH_COMMON_ARGS",
        help_heading = "Connection Options"
    )]
    pub ssh_common_args: Option<String>,
    /// Extra arguments for sftp only
    #[arg(
        long = "sftp-extra-args",
        allow_hyphen_values = true,
        value_name = "SFTP_EXTRA_ARGS",
        help_heading = "Connection Options"
    )]
    pub sftp_extra_args: Option<String>,
    /// Extra arguments for scp only
    #[arg(
        long = "scp-extra-args",
        allow_hyphen_values = true,
        value_name = "SCP_EXTRA_ARGS",
        help_heading = "Connection Options"
    )]
    pub scp_extra_args: Option<String>,
    /// Extra arguments for ssh only (e.g. -R)
    #[arg(
        long = "ssh-extra-args",
        allow_hyphen_values = true,
        value_name = "SSH_EXTRA_ARGS",
        help_heading = "Connection Options"
    )]
    pub ssh_extra_args: Option<String>,
    /// Ask for the connection password
    #[arg(
        short = 'k',
        long = "ask-pass",
        conflicts_with = "connection_password_file",
        help_heading = "Connection Options"
    )]
    pub ask_pass: bool,
    /// Connection password file
    #[arg(
        long = "connection-password-file",
        visible_alias = "conn-pass-file",
        value_name = "CONNECTION_PASSWORD_FILE",
        help_heading = "Connection Options"
    )]
    pub connection_password_file: Option<PathBuf>,

    /// Run handlers even if a task fails
    #[arg(long = "force-handlers")]
    pub force_handlers: bool,

    /// Run operations with become (does not imply password prompting)
    #[arg(
        short = 'b',
        long = "become",
        help_heading = "Privilege Escalation Options"
    )]
    pub become_: bool,
    /// Privilege escalation method to use (default=sudo)
    #[arg(
        long = "become-method",
        value_name = "BECOME_METHOD",
        help_heading = "Privilege Escalation Options"
    )]
    pub become_method: Option<String>,
    /// Run operations as this user (default=root)
    #[arg(
        long = "become-user",
        value_name = "BECOME_USER",
        help_heading = "Privilege Escalation Options"
    )]
    pub become_user: Option<String>,
    /// Ask for privilege escalation password
    #[arg(
        short = 'K',
        long = "ask-become-pass",
        conflicts_with = "become_password_file",
        help_heading = "Privilege Escalation Options"
    )]
    pub ask_become_pass: bool,
    /// Become password file
    #[arg(
        long = "become-password-file",
        visible_alias = "become-pass-file",
        value_name = "BECOME_PASSWORD_FILE",
        help_heading = "Privilege Escalation Options"
    )]
    pub become_password_file: Option<PathBuf>,

    /// Only run plays and tasks tagged with these values (repeatable, comma separated)
    #[arg(short = 't', long = "tags", value_name = "TAGS")]
    pub tags: Vec<String>,
    /// Only run plays and tasks whose tags do not match these values (repeatable)
    #[arg(long = "skip-tags", value_name = "SKIP_TAGS")]
    pub skip_tags: Vec<String>,
    /// Don't make any changes; instead, try to predict some of the changes that may occur
    #[arg(short = 'C', long = "check")]
    pub check: bool,
    /// When changing files and templates, show the differences
    #[arg(short = 'D', long = "diff")]
    pub diff: bool,
    /// Inventory host path or comma separated host list (repeatable)
    #[arg(
        short = 'i',
        long = "inventory",
        visible_alias = "inventory-file",
        value_name = "INVENTORY"
    )]
    pub inventory: Vec<String>,
    /// Outputs a list of matching hosts; does not execute anything else
    #[arg(long = "list-hosts")]
    pub list_hosts: bool,
    /// Further limit selected hosts to an additional pattern
    #[arg(short = 'l', long = "limit", value_name = "SUBSET")]
    pub limit: Option<String>,
    /// Clear the fact cache for every host in inventory
    #[arg(long = "flush-cache")]
    pub flush_cache: bool,
    /// Set additional variables as key=value or YAML/JSON, if filename prepend with @ (repeatable)
    #[arg(
        short = 'e',
        long = "extra-vars",
        value_name = "EXTRA_VARS",
        allow_hyphen_values = true
    )]
    pub extra_vars: Vec<String>,
    /// The vault identity to use (repeatable)
    #[arg(long = "vault-id", value_name = "VAULT_IDS")]
    pub vault_id: Vec<String>,
    /// Ask for vault password
    #[arg(
        short = 'J',
        long = "ask-vault-password",
        visible_alias = "ask-vault-pass",
        conflicts_with = "vault_password_file"
    )]
    pub ask_vault_password: bool,
    /// Vault password file (repeatable)
    #[arg(
        long = "vault-password-file",
        visible_alias = "vault-pass-file",
        value_name = "VAULT_PASSWORD_FILES"
    )]
    pub vault_password_file: Vec<PathBuf>,
    /// Number of hosts worked on in parallel (default=5)
    #[arg(short = 'f', long = "forks", value_name = "FORKS")]
    pub forks: Option<usize>,
    /// Prepend colon-separated path(s) to the module library (repeatable)
    #[arg(short = 'M', long = "module-path", value_name = "MODULE_PATH")]
    pub module_path: Vec<String>,
    /// Perform a syntax check on the playbook, but do not execute it
    #[arg(long = "syntax-check")]
    pub syntax_check: bool,
    /// List all tasks that would be executed
    #[arg(long = "list-tasks")]
    pub list_tasks: bool,
    /// List all available tags
    #[arg(long = "list-tags")]
    pub list_tags: bool,
    /// One-step-at-a-time: confirm each task before running
    #[arg(long = "step")]
    pub step: bool,
    /// Start the playbook at the task matching this name
    #[arg(long = "start-at-task", value_name = "START_AT_TASK")]
    pub start_at_task: Option<String>,
    /// Machine-readable events, one JSON object per line: `json` (on stdout, instead of
    /// the console output) or `json:PATH` (to a file, next to the console output)
    #[arg(
        long = "output",
        value_name = "FORMAT",
        help_heading = "ringmaster Options"
    )]
    pub output: Option<String>,
    /// Count unreachable hosts as failed for `max_fail_percentage` (Ansible counts them
    /// only in the batch size, so a batch can lose every host to unreachability without
    /// breaching the budget)
    #[arg(
        long = "count-unreachable-in-budget",
        help_heading = "ringmaster Options"
    )]
    pub count_unreachable_in_budget: bool,
    /// Set task timeout limit in seconds
    #[arg(long = "task-timeout", value_name = "TASK_TIMEOUT")]
    pub task_timeout: Option<u64>,
}

impl Args {
    /// Tags given with `-t`, split on commas, blanks dropped.
    pub fn tag_list(&self) -> Vec<String> {
        split_tags(&self.tags)
    }

    pub fn skip_tag_list(&self) -> Vec<String> {
        split_tags(&self.skip_tags)
    }

    /// True when the run only lists or checks and never contacts a host.
    pub fn is_listing(&self) -> bool {
        self.list_hosts || self.list_tasks || self.list_tags || self.syntax_check
    }
}

fn split_tags(values: &[String]) -> Vec<String> {
    values
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}
