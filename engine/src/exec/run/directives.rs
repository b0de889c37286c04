//! What the executor does after a task beyond recording results: `meta`, dynamic
//! includes (`include_tasks`, `include_role`), and inventory changes (`add_host`,
//! `group_by`).

use std::sync::Arc;

use indexmap::IndexMap;
use serde_json::{Map, Value as J};

use super::PlayRun;
use super::actions::Directive;
use super::block::Inherited;
use super::state::with_state;
use crate::inventory::Inventory;
use crate::playbook::Task;
use crate::report::Event;
use crate::source::SourceError;
use crate::template::VarValue;
use crate::vars::Level;
use crate::yaml::Node;

/// A directive of one host (and loop item, with its loop variables).
pub struct ItemDirective {
    pub host: String,
    pub directive: Directive,
    pub vars: IndexMap<String, VarValue>,
    pub label: Option<J>,
}

/// One include to run: the hosts that asked for it with the same file (or role)
/// and the same loop item, in the order first asked (ansible's IncludedFile).
struct Include<T> {
    what: T,
    vars: IndexMap<String, VarValue>,
    label: Option<J>,
    hosts: Vec<String>,
}

fn add_include<T: PartialEq>(list: &mut Vec<Include<T>>, what: T, d: ItemDirective) {
    match list
        .iter_mut()
        .find(|i| i.what == what && i.label == d.label)
    {
        Some(i) => i.hosts.push(d.host),
        None => list.push(Include {
            what,
            vars: d.vars,
            label: d.label,
            hosts: vec![d.host],
        }),
    }
}

impl PlayRun<'_> {
    pub(super) async fn run_directives(
        &mut self,
        task: &Task,
        inh: &Inherited,
        directives: Vec<ItemDirective>,
        failed: &mut Vec<String>,
    ) {
        let mut includes: Vec<Include<String>> = Vec::new();
        let mut roles: Vec<Include<Map<String, J>>> = Vec::new();
        for d in directives {
            let host = d.host.clone();
            match d.directive.clone() {
                Directive::Meta(m) => self.meta(&m, &host).await,
                Directive::IncludeTasks(file) => add_include(&mut includes, file, d),
                Directive::IncludeRole(args) => add_include(&mut roles, args, d),
                Directive::AddHost { name, groups, vars } => {
                    let span = task.action_span.clone();
                    let res = self.change_inventory(|inv| {
                        for g in &groups {
                            inv.add_group(g, &span)?;
                        }
                        inv.add_host(&name, None, None, &span, None)?;
                        for g in &groups {
                            inv.add_child(g, &name, &span)?;
                        }
                        for (k, v) in &vars {
                            inv.set_host_var(&name, k, Node::from_json(v, &span))?;
                        }
                        Ok(())
                    });
                    self.fail_on_error(res, &host, failed).await;
                }
                Directive::GroupBy { key, parents } => {
                    let span = task.action_span.clone();
                    let res = self.change_inventory(|inv| {
                        inv.add_group(&key, &span)?;
                        for p in &parents {
                            inv.add_group(p, &span)?;
                            inv.add_child(p, &key, &span)?;
                        }
                        inv.add_child(&key, &host, &span)
                    });
                    self.fail_on_error(res, &host, failed).await;
                }
                Directive::None => {}
            }
        }
        let hooks = crate::playbook::TemplarHooks::new(&self.loaded.templar);
        let opts = hooks.options(self.opts.roles_path.clone(), Default::default());
        // Recorded: every `included:` line comes before the included tasks run.
        let mut loaded = Vec::new();
        for inc in includes {
            let base = match &task.role {
                Some(role) => role.path.join("tasks"),
                None => self.play.basedir.clone(),
            };
            let shown = base.join(&inc.what);
            let blocks = crate::playbook::load_include_tasks(&inc.what, self.play, task, &opts);
            if blocks.is_err() && !shown.exists() {
                self.include_missing(&inc.what, &shown, &inc.hosts, failed)
                    .await;
                continue;
            }
            self.emit(Event::Included {
                path: if shown.exists() {
                    shown.display().to_string()
                } else {
                    inc.what.clone()
                },
                hosts: inc.hosts.clone(),
                item_label: inc.label.clone(),
            })
            .await;
            loaded.push((inc, blocks));
        }
        for inc in &roles {
            self.emit(Event::Included {
                path: inc
                    .what
                    .get("name")
                    .and_then(J::as_str)
                    .unwrap_or_default()
                    .to_string(),
                hosts: inc.hosts.clone(),
                item_label: inc.label.clone(),
            })
            .await;
        }
        for (inc, blocks) in loaded {
            let hosts = &inc.hosts;
            let inner = with_vars(inh, &inc.vars);
            match blocks {
                Ok(blocks) => {
                    for b in &blocks {
                        let left = Box::pin(self.run_block(b, hosts, &inner)).await;
                        failed.extend(left.failed);
                    }
                }
                Err(e) => self.include_failed(e, hosts, failed).await,
            }
        }
        for inc in roles {
            let hosts = &inc.hosts;
            let mapping =
                match Node::from_json(&J::Object(inc.what.clone()), &task.action_span).value {
                    crate::yaml::Value::Map(m) => m,
                    _ => Default::default(),
                };
            let inner = with_vars(inh, &inc.vars);
            match crate::playbook::load_include_role(&mapping, self.play, task, &opts) {
                Ok((block, handlers)) => {
                    for h in handlers {
                        let mut more = Vec::new();
                        super::collect_handlers(std::slice::from_ref(&h), &mut more);
                        if let Some(first) = hosts.first() {
                            let scope = self.vars.host_scope(first, &inner.layers);
                            super::handlers::template_handler_names(
                                &mut more,
                                &self.loaded.templar,
                                &scope,
                            );
                        }
                        for t in more {
                            self.handlers.push(t);
                            self.notified.push(Default::default());
                            let for_handler = Inherited {
                                rescuable: false,
                                ..inner.clone()
                            };
                            self.handler_inherited.push(Some(for_handler));
                        }
                    }
                    let left = Box::pin(self.run_block(&block, hosts, &inner)).await;
                    failed.extend(left.failed);
                }
                Err(e) => self.include_failed(e, hosts, failed).await,
            }
        }
    }

    /// An `include_tasks` file that does not exist: each host that included it fails
    /// with ansible's result (no `[ERROR]` block, no `included:` line; 88), and its
    /// include does not count `ok`.
    async fn include_missing(
        &mut self,
        file: &str,
        path: &std::path::Path,
        hosts: &[String],
        failed: &mut Vec<String>,
    ) {
        let p = path.display();
        let reason = format!(
            "Could not find or access '{p}' on the Ansible Controller: Unable to retrieve \
             file contents.\nCould not find or access '{p}' on the Ansible Controller.\nIf \
             you are using a module and expect the file to exist on the remote, see the \
             remote_src option: [Errno 2] No such file or directory: '{p}'"
        );
        let mut result = Map::new();
        result.insert("changed".into(), J::Bool(false));
        result.insert("failed".into(), J::Bool(true));
        result.insert("include".into(), J::String(file.to_string()));
        result.insert("reason".into(), J::String(reason));
        for h in hosts {
            self.emit(Event::HostResult {
                host: h.clone(),
                delegated_to: None,
                status: crate::report::HostStatus::Failed,
                ignored: false,
                item_label: None,
                result: result.clone(),
                no_log: false,
            })
            .await;
            with_state(&self.states, h, |s| {
                s.failed = true;
                s.processed = true;
                s.counters.ok = s.counters.ok.saturating_sub(1);
                s.counters.failed += 1;
            });
            self.batch_failed.insert(h.clone());
            failed.push(h.clone());
        }
    }

    /// A file or role that cannot be included fails the hosts that included it.
    async fn include_failed(&mut self, e: SourceError, hosts: &[String], failed: &mut Vec<String>) {
        self.emit(Event::Warning {
            message: e.render(),
        })
        .await;
        for h in hosts {
            with_state(&self.states, h, |s| {
                s.failed = true;
                s.processed = true;
                s.counters.failed += 1;
            });
            self.batch_failed.insert(h.clone());
            failed.push(h.clone());
        }
    }

    async fn fail_on_error(
        &mut self,
        res: Result<(), SourceError>,
        host: &str,
        failed: &mut Vec<String>,
    ) {
        if let Err(e) = res {
            self.include_failed(e, &[host.to_string()], failed).await;
        }
    }

    /// Applies `f` to a copy of the inventory and makes the copy current.
    fn change_inventory(
        &mut self,
        f: impl FnOnce(&mut Inventory) -> Result<(), SourceError>,
    ) -> Result<(), SourceError> {
        let mut inv = (*self.vars.inventory()).clone();
        f(&mut inv)?;
        inv.reconcile();
        let inv = Arc::new(inv);
        self.vars.set_inventory(inv.clone());
        match self.inventory_cell.lock() {
            Ok(mut g) => *g = inv,
            Err(p) => *p.into_inner() = inv,
        }
        Ok(())
    }

    /// The batch's hosts (under `free` this run is one host's, the batch is shared).
    fn whole_batch(&self) -> Vec<String> {
        match &self.free {
            Some(free) => free.batch.to_vec(),
            None => self.batch.clone(),
        }
    }

    async fn meta(&mut self, name: &str, host: &str) {
        match name {
            "flush_handlers" => Box::pin(self.flush_handlers()).await,
            "end_play" => {
                for h in self.whole_batch() {
                    with_state(&self.states, &h, |s| s.ended = true);
                }
                self.end_play = true;
                self.stop_batch = true;
            }
            "end_batch" => self.stop_batch = true,
            "end_host" => with_state(&self.states, host, |s| s.ended = true),
            "clear_host_errors" => {
                for h in self.whole_batch() {
                    with_state(&self.states, &h, |s| s.failed = false);
                    self.batch_failed.remove(&h);
                }
            }
            "refresh_inventory" => {
                // The sources are read again (hosts added by add_host are gone, as in
                // ansible); later tasks and plays see the new inventory.
                let reloaded = self.loaded.inventory_source.reload();
                let result = reloaded.and_then(|fresh| {
                    self.change_inventory(|inv| {
                        *inv = fresh;
                        Ok(())
                    })
                });
                if let Err(e) = result {
                    self.emit(Event::Warning {
                        message: format!("refresh_inventory failed: {}", e.render()),
                    })
                    .await;
                }
            }
            // Recorded (94): the facts of every host of the play go (a `set_fact`
            // variable, cacheable or not, stays).
            "clear_facts" => {
                for h in self.whole_batch() {
                    with_state(&self.states, &h, super::state::clear_facts);
                }
            }
            "end_role" => with_state(&self.states, host, |s| s.role_ended = true),
            "reset_connection" => {
                let scope = self.vars.host_scope(host, &[]);
                self.opts.connector.reset(host, &scope).await;
            }
            // noop changes nothing.
            _ => {}
        }
    }
}

/// The inherited context plus a loop item's variables (the included tasks see the
/// item that included them).
fn with_vars(inh: &Inherited, vars: &IndexMap<String, VarValue>) -> Inherited {
    let mut out = inh.clone();
    if !vars.is_empty() {
        out.layers.push((Level::IncludeParams, vars.clone()));
    }
    out
}
