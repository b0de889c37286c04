//! One play: its variables and prompts, host selection and order, `serial` batches,
//! fact gathering (`gathering` implicit/explicit/smart), the sections with their
//! handler flushes (linear, or per host under `free`), and the end-of-batch checks.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use indexmap::IndexMap;
use tokio::sync::mpsc::Sender;

use super::{
    Inherited, PlayRun, PlayVarsCx, RunOptions, States, collect_handlers, free, handlers, prompt,
    state,
};
use crate::cli::Loaded;
use crate::exec::budget::{self, BatchCounts};
use crate::exec::plan;
use crate::playbook::{Play, Task};
use crate::report::Event;
use crate::source::SourceError;
use crate::template::{Scope, py_str};
use crate::vars;

use crate::vars::keyword_error;

/// What every play of a run shares.
pub(super) struct PlayInputs<'a> {
    pub states: &'a States,
    pub inventory_cell: &'a Arc<Mutex<Arc<crate::inventory::Inventory>>>,
    pub dirs: &'a Arc<Vec<crate::inventory::VarsDir>>,
    pub events: &'a Sender<Event>,
}

/// Runs one play; `Ok(false)` stops the run.
pub(super) async fn run_play(
    loaded: &Loaded,
    opts: &RunOptions,
    play: &Play,
    cx: &PlayInputs<'_>,
    start_at: &mut Option<String>,
) -> Result<bool, SourceError> {
    let (states, dirs, events) = (cx.states, cx.dirs, cx.events);
    let inventory = match cx.inventory_cell.lock() {
        Ok(g) => g.clone(),
        Err(p) => p.into_inner().clone(),
    };
    let templar = &loaded.templar;
    let groups = inventory.groups_map();
    let pre_magic = vars::play_magic(&opts.run, "", &groups, &[]);
    let mut layers = vars::play_layers(play, &loaded.extra_vars, &pre_magic, templar)?;
    let scope = Arc::new(Scope::new(vars::with_magic(&layers, &pre_magic)));
    let specs = prompt::prompt_specs(play, &loaded.extra_vars, templar, &scope);
    let scope = if specs.is_empty() {
        scope
    } else {
        let (values, warn) = prompt::run_prompts(&specs);
        if warn {
            let _ = events
                .send(Event::Warning {
                    message: "Not prompting as we are not in interactive mode".into(),
                })
                .await;
        }
        layers.push(vars::Level::VarsPrompt, values);
        Arc::new(Scope::new(vars::with_magic(&layers, &pre_magic)))
    };
    let (patterns, name) = vars::play_head(play, templar, &scope)?;
    let pattern_refs: Vec<&str> = patterns.iter().map(String::as_str).collect();
    let selection = inventory.select_with_warnings(&pattern_refs)?;
    for w in &selection.warnings {
        let _ = events.send(Event::Warning { message: w.clone() }).await;
    }
    let keyword = |k: &str| -> Result<Option<minijinja::Value>, SourceError> {
        match play.keywords.get(k) {
            Some(n) => templar
                .render_node(n, &scope)
                .map(Some)
                .map_err(|e| keyword_error(k, e)),
            None => Ok(None),
        }
    };
    let order = keyword("order")?
        .filter(|v| !v.is_none())
        .map(|v| py_str(&v));
    let order = plan::HostOrder::parse(order.as_deref())
        .map_err(|e| SourceError::new(&play.span, e.to_string()))?;
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(opts.random_seed);
    let all = plan::order_hosts(selection.hosts.clone(), order, |h| h.as_str(), &mut rng);
    if all.is_empty() {
        let _ = events
            .send(Event::PlayStart {
                name,
                batch: Vec::new(),
            })
            .await;
        let _ = events.send(Event::NoHostsMatched).await;
        return Ok(true);
    }
    let serial = match keyword("serial")? {
        Some(v) => plan::parse_serial(&v).map_err(|e| SourceError::new(&play.span, e.message))?,
        None => Vec::new(),
    };
    let max_fail = match keyword("max_fail_percentage")? {
        Some(v) => budget::parse_max_fail_percentage(&v)
            .map_err(|e| SourceError::new(&play.span, e.to_string()))?,
        None => None,
    };
    let truthy = |v: Option<minijinja::Value>| {
        v.map(|v| match v.as_str() {
            Some(s) => crate::cli::parse_bool(s).unwrap_or(false),
            None => v.is_true(),
        })
    };
    // `gathering`: implicit gathers unless `gather_facts: false`, explicit only with
    // `gather_facts: true`, smart like implicit but not for hosts already gathered.
    let gather_kw = truthy(keyword("gather_facts")?);
    let gathering = loaded.config.gathering.as_str();
    let gather = match gathering {
        "explicit" => gather_kw == Some(true),
        _ => gather_kw.unwrap_or(true),
    };
    let smart = gathering == "smart";
    let force_handlers = opts.force_handlers || truthy(keyword("force_handlers")?).unwrap_or(false);
    let any_errors_fatal = truthy(keyword("any_errors_fatal")?).unwrap_or(false);
    // The free strategy checks neither max_fail_percentage nor any_errors_fatal.
    let free = keyword("strategy")?.is_some_and(|s| py_str(&s) == "free");
    let max_fail_set = max_fail.is_some();
    let (max_fail, any_errors_fatal) = if free {
        (None, false)
    } else {
        (max_fail, any_errors_fatal)
    };
    let mut handlers = Vec::new();
    collect_handlers(&play.handlers, &mut handlers);
    handlers::template_handler_names(&mut handlers, templar, &scope);
    let mut play_kw = IndexMap::new();
    for (k, kw) in play.keywords.iter() {
        play_kw.insert(k.to_string(), kw.value.clone());
    }
    for (batch_no, batch) in plan::plan_batches(&all, &serial).into_iter().enumerate() {
        let batch_started: Vec<String> = batch
            .iter()
            .filter(|h| state::with_state(states, h, |s| s.active()))
            .cloned()
            .collect();
        let magic = vars::play_magic(&opts.run, &name, &groups, &all);
        let mut magic = magic;
        magic.insert(
            "ansible_play_batch".into(),
            crate::template::VarValue::Data(minijinja::Value::from(batch_started.clone())),
        );
        // Recorded: ansible_play_hosts = the play's hosts that have not failed.
        let play_hosts: Vec<String> = all
            .iter()
            .filter(|h| state::with_state(states, h, |s| s.active()))
            .cloned()
            .collect();
        magic.insert(
            "ansible_play_hosts".into(),
            crate::template::VarValue::Data(minijinja::Value::from(play_hosts.clone())),
        );
        magic.insert(
            "play_hosts".into(),
            crate::template::VarValue::Data(minijinja::Value::from(play_hosts)),
        );
        let inventory_now = match cx.inventory_cell.lock() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        };
        let mut hostvars_layers = vars::VarLayers::new();
        hostvars_layers.push(
            crate::vars::Level::ExtraVars,
            loaded
                .extra_vars
                .iter()
                .map(|(k, v)| (k.clone(), crate::template::VarValue::Raw(v.clone())))
                .collect(),
        );
        let vars_cx = PlayVarsCx::new(
            layers.clone(),
            hostvars_layers,
            inventory_now,
            dirs.clone(),
            magic,
            states.clone(),
        );
        let mut run = PlayRun {
            loaded,
            opts,
            play,
            vars: vars_cx,
            events: events.clone(),
            states: states.clone(),
            inventory_cell: cx.inventory_cell.clone(),
            batch: batch.clone(),
            batch_failed: HashSet::new(),
            batch_unreachable: HashSet::new(),
            notified: vec![HashSet::new(); handlers.len()],
            pending_notify: Vec::new(),
            handler_inherited: vec![None; handlers.len()],
            flushing: false,
            handlers: handlers.clone(),
            play_kw: play_kw.clone(),
            max_fail,
            play_any_errors_fatal: any_errors_fatal,
            start_at: start_at.take(),
            stop_play: false,
            stop_run: false,
            stop_batch: false,
            end_play: false,
            fatal_error: None,
            force_handlers,
            free: None,
        };
        run.emit(Event::PlayStart {
            name: name.clone(),
            batch: batch.clone(),
        })
        .await;
        let inh = Inherited {
            kw: play_kw.clone(),
            whens: play.import_when.clone(),
            ..Inherited::default()
        };
        // Handlers are flushed after pre_tasks, after roles + tasks, after post_tasks.
        let sections: [Vec<&crate::playbook::Block>; 3] = [
            play.pre_tasks.iter().collect(),
            play.roles.iter().chain(&play.tasks).collect(),
            play.post_tasks.iter().collect(),
        ];
        if free {
            if batch_no == 0 && max_fail_set {
                run.emit(Event::Warning {
                    message: free::MAX_FAIL_WARNING.into(),
                })
                .await;
            }
            run.run_free(&batch_started, gather, &sections, &inh).await;
        } else {
            let to_gather: Vec<String> = batch_started
                .iter()
                .filter(|h| !smart || !state::with_state(states, h, |s| s.facts_gathered))
                .cloned()
                .collect();
            if gather && !to_gather.is_empty() {
                run.gather_facts(&to_gather).await;
            }
            run.run_sections(&sections, &inh).await;
        }
        if let Some(e) = run.fatal_error.take() {
            return Err(e);
        }
        *start_at = run.start_at.take();
        for h in &batch {
            state::with_state(states, h, |s| s.ended = false);
        }
        if run.stop_run {
            return Ok(false);
        }
        let counts = BatchCounts {
            batch_size: batch.len(),
            failed: run.batch_failed.len(),
            unreachable: run.batch_unreachable.len(),
        };
        if budget::whole_batch_failed(counts) {
            return Ok(false);
        }
        if run.end_play {
            break;
        }
    }
    Ok(true)
}

impl PlayRun<'_> {
    /// The linear strategy over the play's sections (handlers flushed after each).
    async fn run_sections(&mut self, sections: &[Vec<&crate::playbook::Block>], inh: &Inherited) {
        for section in sections {
            for block in section {
                if self.stop_play || self.stop_batch {
                    break;
                }
                let hosts: Vec<String> = self
                    .batch
                    .iter()
                    .filter(|h| state::with_state(&self.states, h, |s| s.active()))
                    .cloned()
                    .collect();
                if hosts.is_empty() {
                    break;
                }
                self.run_block(block, &hosts, inh).await;
            }
            if !self.stop_play {
                self.flush_handlers().await;
            }
        }
    }

    /// `Gathering Facts`: the `setup` module on each host of the batch.
    pub(super) async fn gather_facts(&mut self, hosts: &[String]) {
        let span = self.play.span.clone();
        let task = Task {
            name: Some(crate::yaml::Node::new(
                crate::yaml::Value::Str("Gathering Facts".into()),
                span.clone(),
            )),
            action: "ansible.builtin.setup".into(),
            action_as_written: "gather_facts".into(),
            action_span: span.clone(),
            args: Default::default(),
            keywords: Default::default(),
            delegate_to: None,
            kind: crate::playbook::TaskKind::Module,
            is_handler: false,
            tags: vec!["always".into()],
            listen: Vec::new(),
            role: None,
            span,
        };
        let inh = Inherited {
            kw: self.play_kw.clone(),
            ..Inherited::default()
        };
        let mut task = task;
        for key in ["gather_subset", "gather_timeout", "fact_path"] {
            if let Some(kw) = self.play.keywords.entries.get(key) {
                task.args.insert(
                    crate::yaml::Node::new(
                        crate::yaml::Value::Str(key.into()),
                        kw.key_span.clone(),
                    ),
                    kw.value.clone(),
                );
            }
        }
        let saved = self.start_at.take();
        self.run_task(&task, hosts, &inh).await;
        self.start_at = saved;
    }
}
