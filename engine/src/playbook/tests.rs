//! Loader and listing tests against fixtures in `testdata/`; expected listings were
//! recorded from ansible-playbook 2.19 (`expected/*.txt`, `PYTHONHASHSEED=3` so that the
//! play TAGS line, a Python set, prints in source order).
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::PathBuf;

use super::*;
use crate::source::SourceError;

pub(super) fn testdata() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/playbook/testdata")
}

fn opts() -> LoadOptions<'static> {
    LoadOptions {
        roles_path: Vec::new(),
        ..LoadOptions::default()
    }
}

pub(super) fn load(rel: &str) -> Result<Playbook, SourceError> {
    load_playbook(&testdata().join(rel), &opts())
}

fn load_ok(rel: &str) -> Playbook {
    match load(rel) {
        Ok(pb) => pb,
        Err(e) => panic!("{rel} failed to load:\n{}", e.render()),
    }
}

/// The error of loading `rel`: message, and the file name, line and column it points at.
pub(super) fn load_err(rel: &str) -> (String, Option<(String, u32, u32)>, Option<String>) {
    match load(rel) {
        Ok(_) => panic!("{rel} loaded but should fail"),
        Err(e) => {
            let at = e.span.as_ref().map(|s| {
                let name = s
                    .path()
                    .strip_prefix(testdata())
                    .unwrap_or(s.path())
                    .display()
                    .to_string();
                (name, s.line, s.col)
            });
            (e.message, at, e.help)
        }
    }
}

pub(super) fn at(file: &str, line: u32, col: u32) -> Option<(String, u32, u32)> {
    Some((file.to_string(), line, col))
}

/// A listing that must succeed.
fn listed(result: Result<String, SourceError>) -> String {
    result.unwrap_or_else(|e| panic!("listing failed:\n{}", e.render()))
}

fn expected(name: &str) -> String {
    let path = testdata().join("expected").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn tags(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

// ---- listings, compared with recorded ansible-playbook output ----

#[test]
fn list_tasks_matches_ansible_for_roles_blocks_imports_and_tags() {
    let pb = load_ok("p1.yml");
    let f = TagFilter::default();
    assert_eq!(
        listed(format_list_tasks(&pb, "p1.yml", &f, &opts())),
        expected("p1.list-tasks.txt")
    );
    assert_eq!(
        listed(format_list_tags(&pb, "p1.yml", &f, &opts())),
        expected("p1.list-tags.txt")
    );
    // Both at once: `--list-tags` alone lists `never` tasks too.
    let both = ListMode {
        tasks: true,
        tags: true,
    };
    assert_eq!(
        listed(format_listing(&pb, "p1.yml", &f, both, &|p| play_header(
            p,
            &opts()
        ))),
        expected("p1.list-both.txt")
    );
}

#[test]
fn list_tasks_applies_tags_and_skip_tags() {
    let pb = load_ok("p1.yml");
    let only = TagFilter::from_cli(&tags(&["never,blk"]), &[]);
    assert_eq!(
        listed(format_list_tasks(&pb, "p1.yml", &only, &opts())),
        expected("p1.list-tasks.tags-never-blk.txt")
    );
    let skip = TagFilter::from_cli(&[], &tags(&["webtag,ctag"]));
    assert_eq!(
        listed(format_list_tasks(&pb, "p1.yml", &skip, &opts())),
        expected("p1.list-tasks.skip-webtag-ctag.txt")
    );
    let tagged = TagFilter::from_cli(&tags(&["tagged"]), &[]);
    let both = ListMode {
        tasks: true,
        tags: true,
    };
    assert_eq!(
        listed(format_listing(&pb, "p1.yml", &tagged, both, &|p| {
            play_header(p, &opts())
        })),
        expected("p1.list-both.tags-tagged.txt")
    );
}

#[test]
fn import_playbook_roles_listed_twice_and_dependencies() {
    let pb = load_ok("p2.yml");
    let f = TagFilter::default();
    assert_eq!(
        listed(format_list_tasks(&pb, "p2.yml", &f, &opts())),
        expected("p2.list-tasks.txt")
    );
    assert_eq!(
        listed(format_list_tags(&pb, "p2.yml", &f, &opts())),
        expected("p2.list-tags.txt")
    );
    let only = TagFilter::from_cli(&tags(&["ct", "deptag"]), &[]);
    assert_eq!(
        listed(format_list_tasks(&pb, "p2.yml", &only, &opts())),
        expected("p2.list-tasks.tags-ct-deptag.txt")
    );
}

#[test]
fn site_listing_templated_import_nested_dirs_and_import_role() {
    let pb = load_ok("site.yml");
    let f = TagFilter::default();
    assert_eq!(
        listed(format_list_tasks(&pb, "site.yml", &f, &opts())),
        expected("site.list-tasks.txt")
    );
    assert_eq!(
        listed(format_list_tags(&pb, "site.yml", &f, &opts())),
        expected("site.list-tags.txt")
    );
    let skip = TagFilter::from_cli(&[], &tags(&["inner", "untagged"]));
    assert_eq!(
        listed(format_list_tasks(&pb, "site.yml", &skip, &opts())),
        expected("site.list-tasks.skip-inner-untagged.txt")
    );
}

// ---- the AST ----

fn tasks_of(blocks: &[Block]) -> Vec<&Task> {
    fn walk<'a>(entries: &'a [TaskOrBlock], out: &mut Vec<&'a Task>) {
        for e in entries {
            match e {
                TaskOrBlock::Task(t) => out.push(t),
                TaskOrBlock::Block(b) => {
                    walk(&b.block, out);
                    walk(&b.rescue, out);
                    walk(&b.always, out);
                }
            }
        }
    }
    let mut out = Vec::new();
    for b in blocks {
        walk(&b.block, &mut out);
        walk(&b.rescue, &mut out);
        walk(&b.always, &mut out);
    }
    out
}

fn arg<'a>(t: &'a Task, k: &str) -> Option<&'a str> {
    t.args.get(k).and_then(|n| n.as_str())
}

#[test]
fn actions_and_args_in_every_form() {
    let pb = load_ok("site.yml");
    let play = &pb.plays[0];
    assert_eq!(play.display_name(), "Site");
    assert_eq!(play.hosts_text(), "web,db");
    let tasks = tasks_of(&play.tasks);

    let copy = tasks[0];
    assert_eq!(copy.action, "ansible.builtin.copy");
    assert_eq!(copy.action_as_written, "ansible.builtin.copy");
    assert_eq!((copy.action_span.line, copy.action_span.col), (8, 7));
    assert_eq!(arg(copy, "mode"), Some("0644"));
    let dest = copy
        .args
        .key_node("dest")
        .map(|n| (n.span.line, n.span.col));
    assert_eq!(dest, Some((10, 9)));
    assert_eq!((copy.span.line, copy.span.col), (7, 7));

    // Free form: `k=v` stays in the command line except the keys command takes; `args:`
    // merged under the module's own args.
    let cmd = tasks[1];
    assert_eq!(cmd.action, "ansible.builtin.command");
    assert_eq!(arg(cmd, "_raw_params"), Some("echo hi"));
    assert_eq!(arg(cmd, "chdir"), Some("/tmp"));
    assert_eq!(arg(cmd, "creates"), Some("/tmp/x"));

    let ping = tasks[2];
    assert_eq!(ping.action, "ansible.builtin.ping");
    assert_eq!(
        ping.delegate_to.as_ref().and_then(|n| n.as_str()),
        Some("localhost")
    );

    let debug = tasks[3];
    assert_eq!(debug.action_as_written, "debug");
    assert_eq!(arg(debug, "msg"), Some("hello world"));

    let looped = tasks[4];
    assert!(looped.keywords.contains("with_items"));
    assert!(looped.keywords.contains("loop_control"));
    assert_eq!(arg(looped, "msg"), Some("{{ item }}"));

    // The import's `when` stays on the block that stands for it.
    let import_block = play
        .tasks
        .iter()
        .flat_map(|b| &b.block)
        .find_map(|e| match e {
            TaskOrBlock::Block(b) if matches!(b.origin, BlockOrigin::ImportTasks { .. }) => Some(b),
            _ => None,
        });
    let import_block = import_block.expect("import_tasks block");
    assert!(import_block.keywords.contains("when"));
    match &import_block.origin {
        BlockOrigin::ImportTasks { file } => assert!(file.ends_with("tasks/debian.yml")),
        other => panic!("unexpected origin {other:?}"),
    }

    let names: Vec<String> = tasks.iter().map(|t| t.display_name()).collect();
    assert!(names.contains(&"recover".to_string()));
    assert!(names.contains(&"app : app more".to_string()));
}

#[test]
fn handlers_roles_and_listen() {
    let pb = load_ok("site.yml");
    let play = &pb.plays[0];
    let handlers = tasks_of(&play.handlers);
    let names: Vec<String> = handlers.iter().map(|t| t.display_name()).collect();
    // Role handlers come before the play's own, as Ansible orders them.
    assert_eq!(names, ["app : app handler", "restart app", "extra handler"]);
    assert!(handlers.iter().all(|h| h.is_handler));
    assert_eq!(handlers[1].listen, ["app changed"]);
    assert!(handlers[1].answers_to_name("restart app"));
    assert!(handlers[0].answers_to_name("app : app handler"));
    assert!(handlers[0].answers_to_name("app handler"));

    let app = tasks_of(&play.tasks)
        .into_iter()
        .find_map(|t| t.role.clone().filter(|r| r.name == "app"))
        .expect("app role");
    assert!(app.allow_duplicates);
    assert_eq!(app.tasks_from.as_deref(), Some("setup"));
    assert!(app.defaults.get("app_port").is_some());
    assert!(app.vars.get("app_user").is_some());
    let dep = tasks_of(&play.tasks)
        .into_iter()
        .find_map(|t| t.role.clone().filter(|r| r.name == "dep"))
        .expect("dep role");
    assert_eq!(dep.dep_chain, ["app"]);
}

#[test]
fn role_entries_params_and_dedup_identity() {
    let pb = load_ok("p2.yml");
    let play = &pb.plays[1];
    assert_eq!(play.roles.len(), 5);
    let roles: Vec<_> = play.roles.iter().filter_map(|b| b.role.clone()).collect();
    assert_eq!(roles[0].dedup_key, roles[1].dedup_key);
    assert_ne!(roles[2].dedup_key, roles[3].dedup_key);
    assert!(play.roles[2].keywords.contains("vars"));
    // `- name: web` is a role name, not a param.
    assert_eq!(roles[4].name, "web");
    assert!(roles[4].params.is_empty());

    // The imported play carries the import's tags and vars.
    let child = &pb.plays[0];
    assert_eq!(child.tags, ["childtag", "imptag"]);
    assert_eq!(child.import_vars.len(), 1);
    assert!(child.basedir.ends_with("sub"));
}

#[test]
fn syntax_hook_sees_names_args_and_when() {
    use std::cell::RefCell;
    let seen = RefCell::new(Vec::new());
    let hook = |text: &str, span: &crate::source::Span| {
        seen.borrow_mut().push((text.to_string(), span.line));
        Ok(())
    };
    let options = LoadOptions {
        roles_path: Vec::new(),
        check_syntax: Some(&hook),
        ..LoadOptions::default()
    };
    assert!(load_playbook(&testdata().join("site.yml"), &options).is_ok());
    let seen = seen.borrow().clone();
    // `when` is a bare expression: checked as `{{ expr }}`; k=v args at their line.
    assert!(
        seen.contains(&("{{ os == 'debian' }}".to_string(), 24)),
        "{seen:?}"
    );
    assert!(seen.contains(&("{{ item }}".to_string(), 19)), "{seen:?}");

    let failing = |text: &str, span: &crate::source::Span| {
        if text == "{{ item }}" {
            Err(SourceError::new(span, "unexpected end of template"))
        } else {
            Ok(())
        }
    };
    let options = LoadOptions {
        roles_path: Vec::new(),
        check_syntax: Some(&failing),
        ..LoadOptions::default()
    };
    let err = load_playbook(&testdata().join("site.yml"), &options).err();
    assert_eq!(
        err.map(|e| (e.message, e.span.map(|s| s.line))),
        Some(("unexpected end of template".to_string(), Some(19)))
    );
}

#[test]
fn static_import_names_are_templated_with_extra_vars_over_play_vars() {
    let mut extra = crate::yaml::Mapping::default();
    let span = crate::source::Span::synthetic("extra vars");
    extra.insert(
        crate::yaml::Node::new(crate::yaml::Value::Str("os".into()), span.clone()),
        crate::yaml::Node::new(crate::yaml::Value::Str("missing_os".into()), span),
    );
    let options = LoadOptions {
        roles_path: Vec::new(),
        extra_vars: extra,
        ..LoadOptions::default()
    };
    let err = load_playbook(&testdata().join("site.yml"), &options)
        .err()
        .map(|e| e.message);
    assert!(
        err.as_deref()
            .is_some_and(|m| m.contains("tasks/missing_os.yml")),
        "{err:?}"
    );
}

#[test]
fn vars_files_feed_static_import_names_and_notify_forms() {
    let pb = load_ok("vars_files.yml");
    let tasks = tasks_of(&pb.plays[0].tasks);
    let names: Vec<String> = tasks.iter().map(|t| t.display_name()).collect();
    assert_eq!(names[0], "debian task");
    let notify_both = tasks.iter().find(|t| t.display_name() == "notify both");
    assert_eq!(
        notify_both.map(|t| t.notify()),
        Some(vec!["a".into(), "b".into()])
    );
    let notify_one = tasks.iter().find(|t| t.display_name() == "notify one");
    assert_eq!(notify_one.map(|t| t.notify()), Some(vec!["a".to_string()]));
}

#[test]
fn role_tags_reach_dependencies_and_empty_task_entries_are_skipped() {
    let pb = load_ok("role_keywords.yml");
    assert_eq!(
        listed(format_list_tasks(
            &pb,
            "role_keywords.yml",
            &TagFilter::default(),
            &opts()
        )),
        expected("role_keywords.list-tasks.txt")
    );
    let role_block = &pb.plays[0].roles[0];
    assert!(role_block.keywords.contains("when"));
    assert!(matches!(role_block.origin, BlockOrigin::Role));
    let include = tasks_of(&pb.plays[0].tasks)
        .into_iter()
        .find(|t| t.kind == TaskKind::IncludeRole)
        .map(|t| arg(t, "name").map(str::to_string));
    assert_eq!(include, Some(Some("web".to_string())));
}

#[test]
fn templar_hooks_template_import_names_and_catch_jinja_syntax_errors() {
    let templar = crate::template::Templar::new(Default::default());
    let hooks = TemplarHooks::new(&templar);
    let options = hooks.options(Vec::new(), Default::default());
    let pb = load_playbook(&testdata().join("templar.yml"), &options);
    let pb = pb.unwrap_or_else(|e| panic!("{}", e.render()));
    let names: Vec<String> = tasks_of(&pb.plays[0].tasks)
        .iter()
        .map(|t| t.display_name())
        .collect();
    assert_eq!(names[0], "debian task");
    assert!(names.contains(&"fine {{ os }}".to_string()));

    // ansible-playbook only finds these when the task runs; ringmaster refuses them at
    // load, before any host is touched.
    for (file, line) in [
        ("errors/bad_jinja_name.yml", 3),
        ("errors/bad_jinja_when.yml", 5),
    ] {
        let err = load_playbook(&testdata().join(file), &options).err();
        let err = err.unwrap_or_else(|| panic!("{file} should fail"));
        assert_eq!(
            err.span.as_ref().map(|s| s.line),
            Some(line),
            "{}",
            err.render()
        );
    }
}

#[test]
fn roles_with_argument_specs_get_ansibles_validation_task_first() {
    let pb = load_ok("argspecs.yml");
    assert_eq!(
        listed(format_list_tasks(
            &pb,
            "argspecs.yml",
            &TagFilter::default(),
            &opts()
        )),
        expected("argspecs.list-tasks.txt")
    );
    let skip = TagFilter::from_cli(&[], &tags(&["always"]));
    assert_eq!(
        listed(format_list_tasks(&pb, "argspecs.yml", &skip, &opts())),
        expected("argspecs.list-tasks.skip-always.txt")
    );
    let first = tasks_of(&pb.plays[0].roles)[0];
    assert_eq!(first.action, "ansible.builtin.validate_argument_spec");
    let provided = first
        .args
        .get("provided_arguments")
        .and_then(|n| n.as_map());
    assert!(provided.is_some_and(|m| m.get("app_port").is_some()));
}

#[test]
fn play_names_and_hosts_are_templated_like_post_validation() {
    let pb = load_ok("play_header.yml");
    let f = TagFilter::default();
    assert_eq!(
        listed(format_list_tasks(&pb, "play_header.yml", &f, &opts())),
        expected("play_header.list-tasks.txt")
    );
    let mut extra = crate::yaml::Mapping::default();
    let span = crate::source::Span::synthetic("extra vars");
    let s = |v: &str| crate::yaml::Node::new(crate::yaml::Value::Str(v.into()), span.clone());
    extra.insert(s("grp"), s("localhost"));
    let with_extra = LoadOptions {
        extra_vars: extra,
        ..opts()
    };
    assert_eq!(
        listed(format_list_tasks(&pb, "play_header.yml", &f, &with_extra)),
        expected("play_header.list-tasks.extra-vars.txt")
    );
}

#[test]
fn import_names_see_statement_block_and_role_vars() {
    let pb = load_ok("import_vars.yml");
    assert_eq!(
        listed(format_list_tasks(
            &pb,
            "import_vars.yml",
            &TagFilter::default(),
            &opts()
        )),
        expected("import_vars.list-tasks.txt")
    );
}

#[test]
fn dynamic_includes_load_on_demand_with_the_including_tasks_tags_and_role() {
    let pb = load_ok("p1.yml");
    let play = &pb.plays[0];
    let tasks = tasks_of(&play.tasks);
    let include = tasks
        .iter()
        .find(|t| t.kind == TaskKind::IncludeTasks)
        .expect("include_tasks");
    let blocks = load_include_tasks("inc.yml", play, include, &opts()).expect("inc.yml");
    let loaded = tasks_of(&blocks);
    assert_eq!(loaded[0].display_name(), "included task");
    assert_eq!(loaded[0].tags, ["included", "inctag", "playtag"]);

    let missing = load_include_tasks("nope.yml", play, include, &opts()).err();
    let span = missing.and_then(|e| e.span).map(|s| (s.line, s.col));
    assert_eq!(
        span,
        Some((include.action_span.line, include.action_span.col))
    );

    let include_role = tasks
        .iter()
        .find(|t| t.kind == TaskKind::IncludeRole)
        .expect("include_role");
    let (block, handlers) =
        load_include_role(&include_role.args, play, include_role, &opts()).expect("web");
    assert_eq!(
        tasks_of(&[block])[0].display_name(),
        "web : web task {{ x }}"
    );
    assert!(handlers.is_empty());
}

#[test]
fn falsy_names_show_the_action_and_tags_are_templated_with_play_vars() {
    let pb = load_ok("falsy_names.yml");
    assert_eq!(
        listed(format_list_tasks(
            &pb,
            "falsy_names.yml",
            &TagFilter::default(),
            &opts()
        )),
        expected("falsy_names.list-tasks.txt")
    );
}

#[test]
fn strict_off_accepts_what_ansible_only_refuses_at_run_time() {
    let lenient = LoadOptions {
        strict: false,
        ..opts()
    };
    for file in ["errors/bad_module_arg.yml", "errors/bad_module_choice.yml"] {
        let loaded = load_playbook(&testdata().join(file), &lenient);
        assert!(loaded.is_ok(), "{file}");
    }
}

#[test]
fn warnings_for_what_ansible_only_warns_about() {
    let pb = load_ok("warnings.yml");
    let warnings: Vec<(String, u32, u32)> = pb
        .warnings
        .iter()
        .map(|w| {
            let s = w.span.as_ref().expect("located");
            (w.message.clone(), s.line, s.col)
        })
        .collect();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(
        warnings[0]
            .0
            .ends_with("empty.yml is empty and had no tasks to include")
    );
    assert_eq!((warnings[0].1, warnings[0].2), (3, 21));
    assert!(warnings[1].0.starts_with("include_tasks file '"));
    assert_eq!((warnings[1].1, warnings[1].2), (4, 22));
}
