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
use crate::yaml::Node;

impl PlayRun<'_> {
    pub(super) async fn run_directives(
        &mut self,
        task: &Task,
        inh: &Inherited,
        directives: Vec<(String, Directive)>,
        failed: &mut Vec<String>,
    ) {
        let mut includes: IndexMap<String, Vec<String>> = IndexMap::new();
        let mut roles: Vec<(Map<String, J>, Vec<String>)> = Vec::new();
        for (host, d) in directives {
            match d {
                Directive::Meta(m) => self.meta(&m, &host).await,
                Directive::IncludeTasks(file) => includes.entry(file).or_default().push(host),
                Directive::IncludeRole(args) => match roles.iter_mut().find(|(a, _)| *a == args) {
                    Some((_, hosts)) => hosts.push(host),
                    None => roles.push((args, vec![host])),
                },
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
        for (file, hosts) in includes {
            let base = match &task.role {
                Some(role) => role.path.join("tasks"),
                None => self.play.basedir.clone(),
            };
            let shown = base.join(&file);
            self.emit(Event::Included {
                path: if shown.exists() {
                    shown.display().to_string()
                } else {
                    file.clone()
                },
                hosts: hosts.clone(),
            })
            .await;
            match crate::playbook::load_include_tasks(&file, self.play, task, &opts) {
                Ok(blocks) => {
                    for b in &blocks {
                        let left = Box::pin(self.run_block(b, &hosts, inh)).await;
                        failed.extend(left.failed);
                    }
                }
                Err(e) => self.include_failed(e, &hosts, failed).await,
            }
        }
        for (args, hosts) in roles {
            self.emit(Event::Included {
                path: args
                    .get("name")
                    .and_then(J::as_str)
                    .unwrap_or_default()
                    .to_string(),
                hosts: hosts.clone(),
            })
            .await;
            let mapping = match Node::from_json(&J::Object(args), &task.action_span).value {
                crate::yaml::Value::Map(m) => m,
                _ => Default::default(),
            };
            match crate::playbook::load_include_role(&mapping, self.play, task, &opts) {
                Ok((block, handlers)) => {
                    for h in handlers {
                        let mut more = Vec::new();
                        super::collect_handlers(std::slice::from_ref(&h), &mut more);
                        for t in more {
                            self.handlers.push(t);
                            self.notified.push(Default::default());
                        }
                    }
                    let left = Box::pin(self.run_block(&block, &hosts, inh)).await;
                    failed.extend(left.failed);
                }
                Err(e) => self.include_failed(e, &hosts, failed).await,
            }
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

    async fn meta(&mut self, name: &str, host: &str) {
        match name {
            "flush_handlers" => Box::pin(self.flush_handlers()).await,
            "end_play" => {
                for h in self.batch.clone() {
                    with_state(&self.states, &h, |s| s.ended = true);
                }
                self.end_play = true;
                self.stop_batch = true;
            }
            "end_batch" => self.stop_batch = true,
            "end_host" => with_state(&self.states, host, |s| s.ended = true),
            "clear_host_errors" => {
                for h in self.batch.clone() {
                    with_state(&self.states, &h, |s| s.failed = false);
                    self.batch_failed.remove(&h);
                }
            }
            // noop, refresh_inventory (the inventory is read once per run),
            // reset_connection, clear_facts and end_role change nothing here.
            _ => {}
        }
    }
}
