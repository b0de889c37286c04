//! The `ringmaster` command line: ansible-playbook's flags, config and exit codes.

mod args;
mod config;
mod execute;
mod extra_vars;
mod listing;

use std::io::Write as _;
use std::path::{Path, PathBuf};

use clap::Parser as _;
use indexmap::IndexMap;

pub use args::Args;
pub use config::{Config, parse_bool};
pub use extra_vars::parse_extra_vars;

use crate::inventory::{self, Inventory};
use crate::playbook::{self, LoadOptions, Playbook};
use crate::source::SourceError;
use crate::template::{Templar, TemplarConfig};
use crate::yaml::{Mapping, Node, Value};

/// Ansible's exit codes.
pub mod exit {
    pub const OK: i32 = 0;
    pub const ERROR: i32 = 1;
    pub const HOST_FAILED: i32 = 2;
    /// Also what ansible-playbook uses for parse errors.
    pub const PARSER_ERROR: i32 = 4;
    pub const BAD_OPTIONS: i32 = 5;
    /// argparse rejects unknown flags with 2, as ansible-playbook does.
    pub const USAGE: i32 = 2;
}

/// An error that ends the run, with the exit code ansible-playbook gives for it.
#[derive(Debug)]
pub struct Failure {
    pub error: SourceError,
    pub code: i32,
}

impl Failure {
    /// The error with the exit code its class calls for (4 for bad input, 1 otherwise).
    fn parse(error: SourceError) -> Self {
        Failure {
            code: error.exit_code(),
            error,
        }
    }

    fn general(error: SourceError) -> Self {
        Failure {
            error,
            code: exit::ERROR,
        }
    }
}

/// Runs the `ringmaster` command line; returns the process exit code.
pub fn main() -> i32 {
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(e) => {
            use clap::error::ErrorKind;
            let code = match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => exit::OK,
                _ => exit::USAGE,
            };
            let _ = e.print();
            return code;
        }
    };
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    // Not locked: the reporter task writes to stdout while the run goes on.
    let mut out = std::io::stdout();
    match run(&args, &cwd, &mut out) {
        Ok(code) => code,
        Err(f) => {
            let _ = out.flush();
            eprintln!("{}", f.error.render());
            f.code
        }
    }
}

/// Everything one invocation reads before it runs anything.
pub struct Loaded {
    pub config: Config,
    /// Shared with each play's variables (`hostvars`); `--limit` is already applied.
    pub inventory: std::sync::Arc<Inventory>,
    pub extra_vars: IndexMap<String, Node>,
    pub templar: Templar,
    /// Each playbook as named on the command line, loaded.
    pub playbooks: Vec<(String, Playbook)>,
    /// How the inventory was read, for `meta: refresh_inventory`.
    pub inventory_source: InventorySource,
}

/// The `-i` sources (resolved against `cwd`) and `--limit` the inventory came from.
#[derive(Debug, Clone)]
pub struct InventorySource {
    pub sources: Vec<String>,
    pub cwd: PathBuf,
    pub limit: Option<String>,
}

impl InventorySource {
    /// Reads the inventory again (`meta: refresh_inventory`), with the same limit.
    pub fn reload(&self) -> Result<Inventory, SourceError> {
        let mut inventory = inventory::load(&self.sources, &self.cwd)?;
        if let Some(limit) = &self.limit {
            inventory.apply_limit(limit, &self.cwd)?;
        }
        Ok(inventory)
    }
}

/// Runs one invocation, writing what ansible-playbook writes to stdout into `out`.
pub fn run(args: &Args, cwd: &Path, out: &mut dyn std::io::Write) -> Result<i32, Failure> {
    let loaded = load(args, cwd)?;
    if args.is_listing() {
        let text = listing::render(args, &loaded)?;
        let _ = out.write_all(text.as_bytes());
        return Ok(exit::OK);
    }
    let _ = out.flush();
    Ok(execute::execute(args, &loaded))
}

/// The listing modes on already loaded input; returns the exit code (errors are printed).
pub fn run_listing(args: &Args, loaded: &Loaded, out: &mut dyn std::io::Write) -> i32 {
    match listing::render(args, loaded) {
        Ok(text) => {
            let _ = out.write_all(text.as_bytes());
            exit::OK
        }
        Err(f) => {
            eprintln!("{}", f.error.render());
            f.code
        }
    }
}

/// Reads config, extra vars, the inventory and every playbook; reports bad input.
pub fn load(args: &Args, cwd: &Path) -> Result<Loaded, Failure> {
    let config = Config::load_from_process().map_err(Failure::general)?;
    for pb in &args.playbooks {
        let path = cwd.join(pb);
        if !path.exists() {
            return Err(Failure::general(SourceError::plain(format!(
                "the playbook: {} could not be found",
                pb.display()
            ))));
        }
        if !path.is_file() {
            return Err(Failure::general(SourceError::plain(format!(
                "the playbook: {} does not appear to be a file",
                pb.display()
            ))));
        }
    }
    warn_ineffective(args);
    let extra_vars = parse_extra_vars(&args.extra_vars, cwd).map_err(Failure::parse)?;

    let sources = if args.inventory.is_empty() {
        config.inventory.clone()
    } else {
        args.inventory.clone()
    };
    let mut inventory = inventory::load(&sources, cwd).map_err(Failure::parse)?;
    for w in &inventory.warnings {
        warn(w);
    }
    if let Some(limit) = &args.limit {
        inventory
            .apply_limit(limit, cwd)
            .map_err(Failure::general)?;
        let selected = inventory
            .select_with_warnings(&["all"])
            .map_err(Failure::general)?;
        if selected.hosts.is_empty() && !inventory.hosts.is_empty() {
            for w in &selected.warnings {
                warn(w);
            }
            return Err(Failure::general(SourceError::plain(
                "Specified inventory, host pattern and/or --limit leaves us with no hosts to target.",
            )));
        }
    }

    let mut search_paths = Vec::new();
    if let Some(dir) = args
        .playbooks
        .first()
        .and_then(|first| cwd.join(first).parent().map(Path::to_path_buf))
    {
        search_paths.push(dir);
    }
    let templar = Templar::new(TemplarConfig {
        search_paths,
        ..TemplarConfig::default()
    });

    let extra_mapping = Mapping {
        entries: extra_vars
            .iter()
            .map(|(k, v)| (Node::new(Value::Str(k.clone()), v.span.clone()), v.clone()))
            .collect(),
    };
    let hooks = crate::playbook::TemplarHooks::new(&templar);
    let opts = LoadOptions {
        read_yaml: &read_yaml_warning,
        ..hooks.options(config.roles_path.clone(), extra_mapping)
    };
    let mut playbooks = Vec::new();
    for pb in &args.playbooks {
        let loaded = playbook::load_playbook(&cwd.join(pb), &opts).map_err(Failure::parse)?;
        for w in &loaded.warnings {
            eprintln!("{}", w.render_as("WARNING"));
        }
        for play in &loaded.plays {
            crate::exec::check_play_keywords(play).map_err(Failure::parse)?;
        }
        playbooks.push((pb.display().to_string(), loaded));
    }
    Ok(Loaded {
        config,
        inventory: std::sync::Arc::new(inventory),
        extra_vars,
        templar,
        playbooks,
        inventory_source: InventorySource {
            sources,
            cwd: cwd.to_path_buf(),
            limit: args.limit.clone(),
        },
    })
}

/// Reads a playbook-side YAML file, printing what ansible warns about (duplicate keys)
/// with its location.
fn read_yaml_warning(path: &Path) -> Result<Node, SourceError> {
    let file = crate::source::SourceFile::read(path)?;
    let (mut docs, warnings) = crate::yaml::load_all_with_warnings(file.clone())?;
    for w in warnings {
        let mut e = SourceError::new(&w.span, w.message);
        e.help = w.help;
        eprintln!("{}", e.render_as("WARNING"));
    }
    if docs.is_empty() {
        return Ok(Node::new(
            Value::Null,
            crate::source::Span::new(file, 0, 1, 1),
        ));
    }
    Ok(docs.swap_remove(0))
}

/// Prints `[WARNING]: ...` on stderr, as ansible does.
pub fn warn(msg: &str) {
    eprintln!("[WARNING]: {msg}");
}

/// Flags that parse (so scripts keep working) but change nothing yet say so.
fn warn_ineffective(args: &Args) {
    let mut unused = Vec::new();
    if args.step {
        unused.push("--step");
    }
    if !args.vault_id.is_empty() || !args.vault_password_file.is_empty() || args.ask_vault_password
    {
        unused.push("vault options");
    }
    if !args.module_path.is_empty() {
        unused.push("--module-path (ringmaster's modules are built in)");
    }
    for flag in unused {
        warn(&format!(
            "{flag} is accepted but has no effect in this version of ringmaster"
        ));
    }
}
