//! Strategy `free` (ansible-core 2.19 `plugins/strategy/free.py`): every host of the
//! batch goes through the play's tasks on its own, without waiting for the others;
//! at most `forks` tasks run at once over all hosts. Each host flushes its own
//! handlers when it reaches a flush point. `max_fail_percentage` and
//! `any_errors_fatal` are not applied (ansible warns); `run_once` still runs on every
//! host (ansible warns), and its failure fails every host of the batch.
//!
//! Console: ansible's default callback prints no banner when a task starts under
//! `free`; it prints `TASK [...]` before a result whose task is not the one of the
//! last banner printed. [`BannerGate`] does that for all hosts' events.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::Poll;

use tokio::sync::Semaphore;
use tokio::sync::mpsc::Sender;

use super::PlayRun;
use super::block::Inherited;
use super::state::with_state;
use crate::playbook::Block;
use crate::report::Event;

/// Which task a banner belongs to (file, offset, printed name, handler or not).
pub type TaskKey = String;

/// Prints a task's banner before its first result after another task's.
pub struct BannerGate {
    last: tokio::sync::Mutex<Option<TaskKey>>,
    out: Sender<Event>,
}

impl BannerGate {
    pub fn new(out: Sender<Event>) -> Arc<BannerGate> {
        Arc::new(BannerGate {
            last: tokio::sync::Mutex::new(None),
            out,
        })
    }

    /// Sends `e`, preceded by `banner` when `e` is a result of a task other than the
    /// last announced one.
    pub async fn send(&self, task: Option<&(TaskKey, Event)>, e: Event) {
        let mut last = self.last.lock().await;
        if let Some((key, banner)) = task
            && shows_banner(&e)
            && last.as_ref() != Some(key)
        {
            let _ = self.out.send(banner.clone()).await;
            *last = Some(key.clone());
        }
        let _ = self.out.send(e).await;
    }
}

/// Events the default callback prints under a task banner.
fn shows_banner(e: &Event) -> bool {
    matches!(
        e,
        Event::HostResult { .. }
            | Event::Included { .. }
            | Event::HostError { .. }
            | Event::Retry { .. }
            | Event::Display { .. }
    )
}

/// What a host's own run under `free` shares with the others.
#[derive(Clone)]
pub struct FreeCx {
    pub gate: Arc<BannerGate>,
    /// `forks` slots shared by every host's tasks.
    pub permits: Arc<Semaphore>,
    /// The whole batch (a failed `run_once` task fails all of it).
    pub batch: Arc<Vec<String>>,
    /// The task this host runs now, with its banner.
    pub current: Option<(TaskKey, Event)>,
    warned_run_once: Arc<AtomicBool>,
    warned_any_errors_fatal: Arc<AtomicBool>,
    /// An error ended the run: every host stops.
    aborted: Arc<AtomicBool>,
}

impl FreeCx {
    /// Whether to warn about `run_once` now (once per play).
    pub fn warn_run_once(&self) -> bool {
        !self.warned_run_once.swap(true, Ordering::Relaxed)
    }

    pub fn abort(&self) {
        self.aborted.store(true, Ordering::Relaxed);
    }

    pub fn aborted(&self) -> bool {
        self.aborted.load(Ordering::Relaxed)
    }

    pub fn warn_any_errors_fatal(&self) -> bool {
        !self.warned_any_errors_fatal.swap(true, Ordering::Relaxed)
    }
}

pub const RUN_ONCE_WARNING: &str = "Using run_once with the free strategy is not currently supported. This task will still be executed for every host in the inventory list.";
pub const ANY_ERRORS_FATAL_WARNING: &str = "Using any_errors_fatal with the free strategy is not supported, as tasks are executed independently on each host";
pub const MAX_FAIL_WARNING: &str = "Using max_fail_percentage with the free strategy is not supported, as tasks are executed independently on each host";

type HostFuture<'a> = Pin<Box<dyn Future<Output = ()> + 'a>>;

/// Polls every future until all are done (they share one tokio task; the modules
/// they start run on their own).
async fn join_all(mut futures: Vec<HostFuture<'_>>) {
    let mut done = vec![false; futures.len()];
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in futures.iter_mut().enumerate() {
            if done[i] {
                continue;
            }
            match f.as_mut().poll(cx) {
                Poll::Ready(()) => done[i] = true,
                Poll::Pending => pending = true,
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
}

impl<'a> PlayRun<'a> {
    /// A copy of this batch's run for `host` alone under `free`.
    fn for_host(&self, host: &str, free: FreeCx) -> PlayRun<'a> {
        PlayRun {
            loaded: self.loaded,
            opts: self.opts,
            play: self.play,
            vars: self.vars.clone(),
            events: self.events.clone(),
            states: self.states.clone(),
            inventory_cell: self.inventory_cell.clone(),
            batch: vec![host.to_string()],
            batch_failed: Default::default(),
            batch_unreachable: Default::default(),
            handlers: self.handlers.clone(),
            notified: vec![Default::default(); self.handlers.len()],
            pending_notify: Vec::new(),
            handler_inherited: self.handler_inherited.clone(),
            flushing: false,
            play_kw: self.play_kw.clone(),
            max_fail: None,
            play_any_errors_fatal: false,
            start_at: self.start_at.clone(),
            stop_play: false,
            stop_run: false,
            stop_batch: false,
            end_play: false,
            fatal_error: None,
            force_handlers: self.force_handlers,
            free: Some(free),
        }
    }

    /// Runs the batch under `free`: facts (when `gather`), then the sections with a
    /// handler flush after each, every host on its own.
    pub(super) async fn run_free(
        &mut self,
        hosts: &[String],
        gather: bool,
        sections: &[Vec<&Block>],
        inh: &Inherited,
    ) {
        let free = FreeCx {
            gate: BannerGate::new(self.events.clone()),
            permits: Arc::new(Semaphore::new(self.opts.forks.max(1))),
            batch: Arc::new(self.batch.clone()),
            current: None,
            warned_run_once: Default::default(),
            warned_any_errors_fatal: Default::default(),
            aborted: Default::default(),
        };
        let mut runs: Vec<PlayRun<'a>> = hosts
            .iter()
            .map(|h| self.for_host(h, free.clone()))
            .collect();
        let futures: Vec<HostFuture<'_>> = runs
            .iter_mut()
            .map(|run| Box::pin(run.host_flow(gather, sections, inh)) as HostFuture<'_>)
            .collect();
        join_all(futures).await;
        let mut start_at_used = false;
        for run in runs {
            self.batch_unreachable.extend(run.batch_unreachable);
            self.stop_run |= run.stop_run;
            self.end_play |= run.end_play;
            if self.fatal_error.is_none() {
                self.fatal_error = run.fatal_error;
            }
            start_at_used |= run.start_at.is_none();
        }
        if start_at_used {
            self.start_at = None;
        }
        for h in hosts {
            if with_state(&self.states, h, |s| s.failed) {
                self.batch_failed.insert(h.clone());
            }
        }
    }

    /// One host's way through the play.
    async fn host_flow(&mut self, gather: bool, sections: &[Vec<&Block>], inh: &Inherited) {
        let host = self.batch.clone();
        let smart_skip = self.loaded.config.gathering == "smart"
            && with_state(&self.states, &host[0], |s| s.facts_gathered);
        if gather && !smart_skip {
            self.gather_facts(&host).await;
        }
        for section in sections {
            for block in section {
                if self.stop_play || self.stop_batch {
                    break;
                }
                if !with_state(&self.states, &host[0], |s| s.active()) {
                    break;
                }
                self.run_block(block, &host, inh).await;
            }
            if !self.stop_play {
                self.flush_handlers().await;
            }
        }
    }

    /// A failed `run_once` task under `free` fails every other host of the batch
    /// (ansible marks them failed in the play iterator; they count nothing).
    pub(super) fn free_fail_batch(&self) {
        let Some(free) = &self.free else { return };
        for h in free.batch.iter() {
            with_state(&self.states, h, |s| {
                if s.active() {
                    s.failed = true;
                    s.ended = true;
                }
            });
        }
    }
}
