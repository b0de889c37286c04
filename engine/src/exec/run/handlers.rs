//! Handlers: notifications by name or `listen` topic, and flushing (definition order,
//! once per flush, not on failed hosts unless `--force-handlers`).

use super::PlayRun;
use super::block::Inherited;
use super::state::with_state;
use crate::playbook::Task;

impl PlayRun<'_> {
    pub(super) async fn notify(&mut self, task: &Task, host: &str) {
        for name in task.notify() {
            let mut found = false;
            for (i, h) in self.handlers.iter().enumerate() {
                if h.answers_to_name(&name) || h.listen.contains(&name) {
                    found = true;
                    self.notified[i].insert(host.to_string());
                }
            }
            if !found && self.fatal_error.is_none() {
                // Recorded: ansible stops the run here (exit 1, no recap).
                self.fatal_error = Some(format!(
                    "The requested handler '{name}' was not found in either the main handlers list nor in the listening handlers list"
                ));
                self.stop_play = true;
            }
        }
    }

    /// Runs the notified handlers (definition order, once each) on their hosts.
    pub async fn flush_handlers(&mut self) {
        for i in 0..self.handlers.len() {
            if self.stop_play {
                return;
            }
            let hosts: Vec<String> = self
                .batch
                .iter()
                .filter(|h| self.notified[i].contains(*h))
                .filter(|h| {
                    with_state(&self.states, h, |s| {
                        !s.unreachable && !s.ended && (!s.failed || self.force_handlers)
                    })
                })
                .cloned()
                .collect();
            self.notified[i].clear();
            if hosts.is_empty() {
                continue;
            }
            let handler = self.handlers[i].clone();
            let inh = Inherited {
                kw: self.play_kw.clone(),
                ..Inherited::default()
            };
            self.run_task(&handler, &hosts, &inh).await;
        }
    }
}
