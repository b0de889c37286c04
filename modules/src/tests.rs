//! Behaviour a playbook author notices. Expected messages come from ansible-core 2.19.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::collections::HashMap;

use crate::{
    ArgProblem, ArgType, ArgValue, FreeForm, ModuleKind, ProblemKind, UnknownKeys, accepted_names,
    all_specs, lookup, suggest, validate,
};

fn s(text: &str) -> ArgValue {
    ArgValue::Str(text.to_string())
}

fn check(module: &str, args: &[(&str, ArgValue)]) -> Vec<ArgProblem> {
    let spec = lookup(module).unwrap_or_else(|| panic!("{module} is not registered"));
    validate(spec, args, false)
}

fn kinds(problems: &[ArgProblem]) -> Vec<ProblemKind> {
    problems.iter().map(|p| p.kind).collect()
}

#[test]
fn lookup_accepts_short_fqcn_legacy_and_aliases() {
    let copy = lookup("copy").expect("copy");
    assert_eq!(copy.name, "ansible.builtin.copy");
    assert_eq!(lookup("ansible.builtin.copy"), Some(copy));
    assert_eq!(lookup("ansible.legacy.copy"), Some(copy));
    assert_eq!(
        lookup("systemd").map(|s| s.name),
        Some("ansible.builtin.systemd_service")
    );
    assert_eq!(lookup("ansible.builtin.systemd"), lookup("systemd_service"));
    assert_eq!(lookup("yum").map(|s| s.name), Some("ansible.builtin.dnf"));
    assert_eq!(
        lookup("ansible.legacy.yum").map(|s| s.name),
        Some("ansible.builtin.dnf")
    );
    assert_eq!(
        lookup("patch").map(|s| s.name),
        Some("ringmaster.builtin.patch")
    );
    assert!(lookup("ringmaster.builtin.snapshot").is_some());
    // ringmaster's modules are not in ansible's collections.
    assert_eq!(lookup("ansible.builtin.patch"), None);
    assert_eq!(lookup("cpy"), None);
    assert_eq!(lookup("community.general.copy"), None);
}

#[test]
fn names_and_aliases_are_unique_across_the_registry() {
    let mut seen: HashMap<String, &str> = HashMap::new();
    for spec in all_specs() {
        for name in accepted_names(spec) {
            if let Some(other) = seen.insert(name.clone(), spec.name) {
                panic!("{name} names both {other} and {}", spec.name);
            }
        }
        let mut options: HashMap<&str, &str> = HashMap::new();
        for option in spec.options {
            for name in std::iter::once(&option.name).chain(option.aliases) {
                if let Some(other) = options.insert(name, option.name) {
                    panic!(
                        "{}: {name} names options {other} and {}",
                        spec.name, option.name
                    );
                }
            }
        }
    }
}

#[test]
fn registry_covers_every_builtin_module_and_marks_native_ones() {
    let count = all_specs()
        .filter(|s| s.name.starts_with("ansible.builtin."))
        .count();
    // 72 module files in ansible-core 2.19, minus async_wrapper and systemd (an alias).
    assert_eq!(count, 70);
    for native in [
        "command",
        "shell",
        "raw",
        "script",
        "debug",
        "set_fact",
        "assert",
        "fail",
        "ping",
        "pause",
        "wait_for",
        "stat",
        "file",
        "copy",
        "template",
        "lineinfile",
        "blockinfile",
        "fetch",
        "slurp",
        "tempfile",
        "setup",
        "gather_facts",
        "reboot",
        "apt",
        "dnf",
        "yum",
        "package",
        "package_facts",
        "service",
        "systemd",
        "systemd_service",
        "wait_for_connection",
        "apt_repository",
        "include_vars",
        "add_host",
        "group_by",
        "meta",
        "include_tasks",
        "import_tasks",
        "include_role",
        "import_role",
        "import_playbook",
        "patch",
        "snapshot",
        "validate",
    ] {
        assert!(
            lookup(native).is_some_and(|s| s.native),
            "{native} should be native"
        );
    }
    for other in ["uri", "user", "git", "get_url"] {
        assert!(
            lookup(other).is_some_and(|s| !s.native),
            "{other} is not native yet"
        );
    }
}

#[test]
fn kinds_and_free_form() {
    assert_eq!(lookup("debug").map(|s| s.kind), Some(ModuleKind::Action));
    assert_eq!(
        lookup("include_tasks").map(|s| s.kind),
        Some(ModuleKind::Action)
    );
    assert_eq!(lookup("apt").map(|s| s.kind), Some(ModuleKind::Module));
    assert_eq!(
        lookup("command").map(|s| s.free_form),
        Some(FreeForm::Allowed)
    );
    assert_eq!(
        lookup("meta").map(|s| s.free_form),
        Some(FreeForm::Required)
    );
    assert_eq!(lookup("copy").map(|s| s.free_form), Some(FreeForm::None));
    assert_eq!(
        lookup("set_fact").map(|s| s.unknown_keys),
        Some(UnknownKeys::Accept)
    );
}

#[test]
fn suggests_module_names() {
    assert_eq!(suggest("cpy"), Some("copy"));
    assert_eq!(suggest("lineinfle"), Some("lineinfile"));
    assert_eq!(
        suggest("ansible.builtin.templte"),
        Some("ansible.builtin.template")
    );
    assert_eq!(
        suggest("ansible.legacy.templte"),
        Some("ansible.builtin.template")
    );
    assert_eq!(suggest("sytemd"), Some("systemd"));
    assert_eq!(suggest("xyzzy_frobnicate"), None);
}

#[test]
fn unknown_argument_uses_ansibles_words_and_suggests() {
    let problems = check("copy", &[("contnt", s("x")), ("dest", s("/tmp/x"))]);
    let unknown = problems
        .iter()
        .find(|p| p.kind == ProblemKind::UnknownArgument)
        .expect("unknown argument reported");
    assert_eq!(unknown.arg.as_deref(), Some("contnt"));
    assert_eq!(unknown.suggestion, Some("content"));
    // Real ansible lists the module's own parameters; ours adds `decrypt`, which copy's
    // action plugin takes before the module runs.
    assert_eq!(
        unknown.message,
        "Unsupported parameters for (copy) module: contnt. Supported parameters include: \
         _original_basename, attributes, backup, checksum, content, decrypt, dest, \
         directory_mode, follow, force, group, local_follow, mode, owner, remote_src, selevel, \
         serole, setype, seuser, src, unsafe_writes, validate (attr)."
    );
    assert!(!unknown.is_warning());
}

#[test]
fn ignored_arguments_are_warnings() {
    let problems = check(
        "fetch",
        &[("src", s("/a")), ("dest", s("/b")), ("flatt", s("yes"))],
    );
    assert_eq!(kinds(&problems), vec![ProblemKind::IgnoredArgument]);
    assert!(problems[0].is_warning());
    assert_eq!(problems[0].suggestion, Some("flat"));
}

#[test]
fn aliases_of_arguments_are_accepted() {
    for key in ["path", "dest", "name"] {
        assert_eq!(check("file", &[(key, s("/tmp/x"))]), vec![], "file {key}");
    }
    assert_eq!(
        check(
            "copy",
            &[("content", s("x")), ("dest", s("/x")), ("attr", s("+i"))]
        ),
        vec![]
    );
    assert_eq!(check("apt", &[("pkg", s("vim"))]), vec![]);
    assert_eq!(
        check("assert", &[("that", ArgValue::List(1)), ("msg", s("no"))]),
        vec![]
    );
}

#[test]
fn missing_required_arguments() {
    let problems = check("copy", &[("content", s("x"))]);
    assert_eq!(kinds(&problems), vec![ProblemKind::MissingRequired]);
    assert_eq!(problems[0].message, "missing required arguments: dest");
    // A null value still counts as given (ansible runs `stat: path: null`).
    assert_eq!(check("stat", &[("path", ArgValue::Null)]), vec![]);
    let problems = check("include_role", &[("tasks_from", s("x"))]);
    assert_eq!(problems[0].message, "missing required arguments: name");
}

#[test]
fn templated_values_are_never_rejected() {
    for (module, key) in [
        ("file", "state"),
        ("stat", "follow"),
        ("wait_for", "timeout"),
    ] {
        let problems = check(module, &[("path", s("/x")), (key, ArgValue::Templated)]);
        assert_eq!(problems, vec![], "{module} {key}");
    }
}

#[test]
fn value_outside_choices_lists_the_valid_ones() {
    let problems = check("file", &[("path", s("/x")), ("state", s("banana"))]);
    assert_eq!(kinds(&problems), vec![ProblemKind::NotAChoice]);
    assert_eq!(
        problems[0].message,
        "value of state must be one of: absent, directory, file, hard, link, touch, got: banana"
    );
    let problems = check("file", &[("path", s("/x")), ("state", s("drectory"))]);
    assert_eq!(problems[0].suggestion, Some("directory"));
    // `state: yes` is True for YAML; ansible says "got: True".
    let problems = check(
        "file",
        &[("path", s("/x")), ("state", ArgValue::Bool(true))],
    );
    assert_eq!(
        problems[0].message,
        "value of state must be one of: absent, directory, file, hard, link, touch, got: True"
    );
    assert_eq!(
        check("file", &[("path", s("/x")), ("state", s("touch"))]),
        vec![]
    );
}

#[test]
fn bool_int_list_dict_conversions_follow_ansible() {
    let stat = |value: ArgValue| check("stat", &[("path", s("/x")), ("follow", value)]);
    for ok in [
        s("yes"),
        s(" Off "),
        s("1"),
        s("t"),
        ArgValue::Int(0),
        ArgValue::Float(1.0),
    ] {
        assert_eq!(stat(ok.clone()), vec![], "{ok:?}");
    }
    let problems = stat(s("maybe"));
    assert_eq!(kinds(&problems), vec![ProblemKind::WrongType]);
    assert!(
        problems[0]
            .message
            .starts_with("argument 'follow' is of type str and we were unable to convert to bool: The value 'maybe' is not a valid boolean."),
        "{}",
        problems[0].message
    );
    assert_eq!(kinds(&stat(ArgValue::Int(2))), vec![ProblemKind::WrongType]);
    assert_eq!(kinds(&stat(ArgValue::Dict)), vec![ProblemKind::WrongType]);

    let wait = |value: ArgValue| check("wait_for", &[("timeout", value)]);
    for ok in [
        s("12"),
        s(" 12 "),
        s("1e3"),
        s("12.0"),
        ArgValue::Float(1.0),
        ArgValue::Bool(true),
    ] {
        assert_eq!(wait(ok.clone()), vec![], "{ok:?}");
    }
    let problems = wait(s("abc"));
    assert_eq!(
        problems[0].message,
        "argument 'timeout' is of type str and we were unable to convert to int: \"abc\" cannot be converted to an int"
    );
    assert_eq!(
        kinds(&wait(ArgValue::Float(1.5))),
        vec![ProblemKind::WrongType]
    );
    assert_eq!(
        kinds(&wait(ArgValue::List(1))),
        vec![ProblemKind::WrongType]
    );

    // list: a comma-separated string or a number is fine, a mapping is not.
    let hosts = |value: ArgValue| check("wait_for", &[("exclude_hosts", value)]);
    assert_eq!(hosts(s("a,b")), vec![]);
    assert_eq!(hosts(ArgValue::Int(5)), vec![]);
    assert_eq!(kinds(&hosts(ArgValue::Dict)), vec![ProblemKind::WrongType]);

    // dict: k=v or JSON strings are fine, a list or a bare word is not.
    let headers = |value: ArgValue| check("uri", &[("url", s("http://x")), ("headers", value)]);
    assert_eq!(headers(s("a=1")), vec![]);
    assert_eq!(headers(s("{\"a\": 1}")), vec![]);
    assert_eq!(
        kinds(&headers(ArgValue::List(1))),
        vec![ProblemKind::WrongType]
    );
    assert_eq!(kinds(&headers(s("plain"))), vec![ProblemKind::WrongType]);

    // str accepts anything (ansible converts it).
    for value in [
        ArgValue::Int(5),
        ArgValue::List(2),
        ArgValue::Dict,
        ArgValue::Bool(false),
    ] {
        assert_eq!(
            check("stat", &[("path", value.clone())]),
            vec![],
            "{value:?}"
        );
    }
}

#[test]
fn float_conversions() {
    let timeout = |value: ArgValue| check("uri", &[("url", s("http://x")), ("timeout", value)]);
    let uri_timeout = lookup("uri")
        .and_then(|s| s.option("timeout"))
        .map(|o| o.ty);
    // uri's timeout is an int in ansible-core 2.19.
    assert_eq!(uri_timeout, Some(ArgType::Int));
    assert_eq!(kinds(&timeout(s("x"))), vec![ProblemKind::WrongType]);
}

#[test]
fn free_keys_and_free_form() {
    let set_fact = lookup("set_fact").expect("set_fact");
    let args = [("anything", ArgValue::Int(1)), ("cacheable", s("yes"))];
    assert_eq!(validate(set_fact, &args, false), vec![]);
    let add_host = lookup("add_host").expect("add_host");
    assert_eq!(
        validate(
            add_host,
            &[("hostname", s("h")), ("ansible_port", ArgValue::Int(22))],
            false
        ),
        vec![]
    );

    let meta = lookup("meta").expect("meta");
    assert_eq!(validate(meta, &[], true), vec![]);
    assert_eq!(
        kinds(&validate(meta, &[], false)),
        vec![ProblemKind::FreeFormMissing]
    );

    let include = lookup("include_tasks").expect("include_tasks");
    assert_eq!(validate(include, &[], true), vec![]);
    assert_eq!(
        validate(
            include,
            &[("file", s("x.yml")), ("apply", ArgValue::Dict)],
            false
        ),
        vec![]
    );
    assert_eq!(
        kinds(&validate(include, &[], false)),
        vec![ProblemKind::RequiredOneOf]
    );
    let import = lookup("import_tasks").expect("import_tasks");
    assert_eq!(
        kinds(&validate(import, &[("apply", ArgValue::Dict)], true)),
        vec![ProblemKind::UnknownArgument]
    );

    let copy = lookup("copy").expect("copy");
    let problems = validate(copy, &[("dest", s("/x")), ("content", s("x"))], true);
    assert_eq!(kinds(&problems), vec![ProblemKind::FreeFormNotAllowed]);
    assert!(
        problems[0]
            .message
            .starts_with("Action 'ansible.builtin.copy' does not support raw params.")
    );

    let command = lookup("command").expect("command");
    assert_eq!(validate(command, &[("chdir", s("/tmp"))], true), vec![]);
    let problems = validate(command, &[("chdir", s("/tmp"))], false);
    assert_eq!(
        problems[0].message,
        "one of the following is required: free_form, cmd, argv"
    );
}

#[test]
fn mutually_exclusive_arguments() {
    let problems = check(
        "copy",
        &[("content", s("x")), ("src", s("a")), ("dest", s("/x"))],
    );
    assert_eq!(kinds(&problems), vec![ProblemKind::MutuallyExclusive]);
    assert_eq!(problems[0].arg.as_deref(), Some("src"));
    assert_eq!(
        problems[0].message,
        "parameters are mutually exclusive: content|src"
    );
    let problems = check("copy", &[("dest", s("/x"))]);
    assert_eq!(
        problems[0].message,
        "one of the following is required: content, src"
    );
    let problems = check("debug", &[("msg", s("a")), ("var", s("b"))]);
    assert_eq!(
        problems[0].message,
        "parameters are mutually exclusive: msg|var"
    );
    // Through an alias: apt's `name` is `package`.
    let problems = check("apt", &[("name", s("vim")), ("deb", s("/x.deb"))]);
    assert_eq!(kinds(&problems), vec![ProblemKind::MutuallyExclusive]);
    let command = lookup("command").expect("command");
    let problems = validate(command, &[("cmd", s("ls"))], true);
    assert_eq!(
        problems[0].message,
        "parameters are mutually exclusive: free_form|cmd|argv"
    );
}

#[test]
fn reserved_argument_prefix() {
    let problems = check("ping", &[("_ansible_check_mode", ArgValue::Bool(true))]);
    assert_eq!(kinds(&problems), vec![ProblemKind::ReservedArgument]);
}

#[test]
fn ringmaster_modules() {
    assert_eq!(
        check("patch", &[("backend", s("apt")), ("name", s("a,b"))]),
        vec![]
    );
    let problems = check("patch", &[("backend", s("pacman"))]);
    assert_eq!(kinds(&problems), vec![ProblemKind::NotAChoice]);
    assert_eq!(
        check("ringmaster.builtin.snapshot", &[("state", s("reverted"))]),
        vec![]
    );
    let problems = check("validate", &[("fail_fast", s("yes"))]);
    assert_eq!(problems[0].message, "missing required arguments: checks");
    assert_eq!(check("validate", &[("checks", ArgValue::List(2))]), vec![]);
}

#[test]
fn backend_dispatching_modules_require_nothing_themselves() {
    // `package: name=bash` runs with apt although the docs call `state` required.
    assert_eq!(check("package", &[("name", s("bash"))]), vec![]);
    assert_eq!(
        check(
            "package",
            &[("name", s("bash")), ("update_cache", s("yes"))]
        ),
        vec![]
    );
    // systemd as service backend needs no name for a daemon reload.
    assert_eq!(
        check("service", &[("daemon_reload", ArgValue::Bool(true))]),
        vec![]
    );
}

#[test]
fn constraint_groups_name_real_options() {
    for spec in all_specs() {
        let groups = spec
            .mutually_exclusive
            .iter()
            .chain(spec.required_one_of)
            .chain(spec.required_together);
        for group in groups {
            for member in group.iter() {
                assert!(
                    *member == "_raw_params" || spec.option(member).is_some(),
                    "{}: constraint names unknown option {member}",
                    spec.name
                );
                if *member == "_raw_params" {
                    assert_ne!(spec.free_form, FreeForm::None, "{}", spec.name);
                }
            }
        }
    }
}

#[test]
fn templated_values_pass_every_option_of_every_module() {
    for spec in all_specs() {
        let args: Vec<(&str, ArgValue)> = spec
            .options
            .iter()
            .map(|o| (o.name, ArgValue::Templated))
            .collect();
        let problems = validate(spec, &args, false);
        assert!(
            problems
                .iter()
                .all(|p| !matches!(p.kind, ProblemKind::WrongType | ProblemKind::NotAChoice)),
            "{}: {problems:?}",
            spec.name
        );
    }
}

#[test]
fn short_typos_get_no_far_fetched_suggestion() {
    assert_eq!(suggest("ab"), None);
    assert_eq!(suggest("ap"), Some("apt"));
}
