//! Errors: message, file, line and column, as ansible-playbook 2.19 reports them (with
//! ringmaster's "did you mean" hints and including-line locations added).
#![allow(clippy::expect_used, clippy::unwrap_used)]

use super::tests::{at, load_err, testdata};
use super::{LoadOptions, TagFilter, format_list_tasks};

#[test]
fn unknown_play_keyword_points_at_the_key_with_a_suggestion() {
    let (msg, loc, help) = load_err("errors/unknown_play_keyword.yml");
    assert_eq!(msg, "'hots' is not a valid attribute for a Play");
    assert_eq!(loc, at("errors/unknown_play_keyword.yml", 1, 3));
    assert_eq!(help.as_deref(), Some("did you mean 'hosts'?"));
}

#[test]
fn play_without_hosts() {
    let (msg, loc, _) = load_err("errors/no_hosts.yml");
    assert_eq!(msg, "The field 'hosts' is required but was not set.");
    assert_eq!(loc, at("errors/no_hosts.yml", 1, 3));
}

#[test]
fn playbook_must_be_a_list() {
    let (msg, loc, _) = load_err("errors/not_a_list.yml");
    assert!(
        msg.starts_with("A playbook must be a list of plays, got a mapping instead: "),
        "{msg}"
    );
    assert_eq!(loc.map(|l| (l.1, l.2)), Some((1, 1)));
}

#[test]
fn conflicting_actions() {
    let (msg, loc, _) = load_err("errors/conflicting_actions.yml");
    assert_eq!(msg, "conflicting action statements: debug, command");
    assert_eq!(loc, at("errors/conflicting_actions.yml", 5, 7));
    let (msg, _, _) = load_err("errors/local_action_conflict.yml");
    assert_eq!(msg, "conflicting action statements: ping, debug");
    // `public` belongs in include_role's args; as a task key it is another action.
    let (msg, _, _) = load_err("errors/include_role_public.yml");
    assert_eq!(msg, "conflicting action statements: include_role, public");
}

#[test]
fn unknown_module_and_misspelled_task_keyword() {
    let (msg, loc, help) = load_err("errors/unknown_module.yml");
    assert_eq!(
        msg,
        "couldn't resolve module/action 'debg'. This often indicates a misspelling, missing \
         collection, or incorrect module path."
    );
    assert_eq!(loc, at("errors/unknown_module.yml", 4, 7));
    assert_eq!(help.as_deref(), Some("did you mean 'debug'?"));

    let (msg, loc, help) = load_err("errors/unknown_task_keyword.yml");
    assert!(
        msg.starts_with("couldn't resolve module/action 'whenn'."),
        "{msg}"
    );
    assert_eq!(loc, at("errors/unknown_task_keyword.yml", 4, 7));
    assert_eq!(help.as_deref(), Some("did you mean 'when'?"));
}

#[test]
fn no_action_in_task() {
    let (msg, loc, _) = load_err("errors/no_action.yml");
    assert_eq!(msg, "no module/action detected in task.");
    assert_eq!(loc, at("errors/no_action.yml", 3, 7));
}

#[test]
fn unknown_block_loop_control_with_and_import_playbook_keywords() {
    let (msg, loc, help) = load_err("errors/unknown_block_keyword.yml");
    assert_eq!(msg, "'rescu' is not a valid attribute for a Block");
    assert_eq!(loc, at("errors/unknown_block_keyword.yml", 5, 7));
    assert_eq!(help.as_deref(), Some("did you mean 'rescue'?"));

    let (msg, loc, _) = load_err("errors/unknown_loop_control.yml");
    assert_eq!(msg, "'lop_var' is not a valid attribute for a LoopControl");
    assert_eq!(loc, at("errors/unknown_loop_control.yml", 6, 9));

    let (msg, loc, _) = load_err("errors/unknown_with_lookup.yml");
    assert_eq!(msg, "'with_itemz' is not a valid attribute for a Task");
    assert_eq!(loc, at("errors/unknown_with_lookup.yml", 4, 7));

    let (msg, loc, _) = load_err("errors/listen_on_task.yml");
    assert_eq!(msg, "'listen' is not a valid attribute for a Task");
    assert_eq!(loc, at("errors/listen_on_task.yml", 4, 7));

    let (msg, loc, _) = load_err("errors/unknown_import_playbook_keyword.yml");
    assert_eq!(
        msg,
        "'hostz' is not a valid attribute for a PlaybookInclude"
    );
    assert_eq!(loc, at("errors/unknown_import_playbook_keyword.yml", 2, 3));
}

#[test]
fn missing_import_file_points_at_the_import() {
    let (msg, loc, _) = load_err("errors/missing_import.yml");
    let missing = testdata().join("errors/nope.yml");
    assert_eq!(
        msg,
        format!(
            "Could not find or access '{}' on the Ansible Controller.",
            missing.display()
        )
    );
    assert_eq!(loc, at("errors/missing_import.yml", 3, 21));
}

#[test]
fn include_cycles_name_the_chain() {
    let (msg, loc, _) = load_err("errors/ti_cyc.yml");
    assert!(msg.starts_with("import cycle detected: "), "{msg}");
    assert!(
        msg.contains("ti_a.yml -> ") && msg.ends_with("ti_a.yml"),
        "{msg}"
    );
    assert_eq!(loc.map(|l| l.0), Some("errors/ti_b.yml".to_string()));

    let (msg, loc, _) = load_err("errors/cyc_a.yml");
    assert!(msg.starts_with("import cycle detected: "), "{msg}");
    assert!(msg.ends_with("cyc_a.yml"), "{msg}");
    assert_eq!(loc, at("errors/cyc_b.yml", 1, 3));
}

#[test]
fn role_errors() {
    let (msg, loc, _) = load_err("errors/role_not_found.yml");
    let dir = testdata().join("errors");
    assert_eq!(
        msg,
        format!(
            "the role 'nope' was not found in {}:{}",
            dir.join("roles").display(),
            dir.display()
        )
    );
    assert_eq!(loc, at("errors/role_not_found.yml", 3, 7));

    let (msg, loc, help) = load_err("err_bad_meta_key.yml");
    assert_eq!(msg, "'foo' is not a valid attribute for a RoleMetadata");
    assert_eq!(loc, at("roles/badmeta/meta/main.yml", 1, 1));
    assert_eq!(help, None);

    let (msg, loc, _) = load_err("err_meta_not_dict.yml");
    assert_eq!(
        msg,
        "the 'meta/main.yml' for role badmeta2 is not a dictionary"
    );
    assert_eq!(
        loc.map(|l| l.0),
        Some("roles/badmeta2/meta/main.yml".to_string())
    );

    let (msg, loc, _) = load_err("err_role_cycle.yml");
    assert!(
        msg.starts_with("A recursion loop was detected with the roles specified.")
            && msg.ends_with("cyc1 -> cyc2 -> cyc1"),
        "{msg}"
    );
    assert_eq!(loc, at("roles/cyc2/meta/main.yml", 1, 16));

    let (msg, _, _) = load_err("err_tasks_from_missing.yml");
    assert_eq!(msg, "Could not find specified file in role: tasks/nope");
}

#[test]
fn module_arguments_are_checked_at_their_line() {
    let (msg, loc, help) = load_err("errors/bad_module_arg.yml");
    assert!(msg.contains("srcc"), "{msg}");
    assert_eq!(loc, at("errors/bad_module_arg.yml", 9, 9));
    assert_eq!(help.as_deref(), Some("did you mean 'src'?"));
    // `k=v` arguments are located token by token.
    let (msg, loc, _) = load_err("errors/bad_module_choice.yml");
    assert!(msg.contains("bogus"), "{msg}");
    assert_eq!(loc, at("errors/bad_module_choice.yml", 3, 25));
}

#[test]
fn misspelled_keyword_next_to_a_module_is_a_conflict_like_ansible() {
    // Ansible sees two action candidates before resolving either.
    let (msg, loc, _) = load_err("errors/misspelled_register.yml");
    assert_eq!(msg, "conflicting action statements: command, registr");
    assert_eq!(loc, at("errors/misspelled_register.yml", 4, 7));
}

#[test]
fn removed_include_and_bad_tags() {
    let (msg, loc, _) = load_err("errors/removed_include.yml");
    assert!(
        msg.starts_with("The 'ansible.builtin.include' action plugin has been removed."),
        "{msg}"
    );
    assert_eq!(loc, at("errors/removed_include.yml", 3, 7));
    let (msg, loc, _) = load_err("errors/tags_not_a_list.yml");
    assert_eq!(msg, "tags must be specified as a list");
    assert_eq!(loc, at("errors/tags_not_a_list.yml", 2, 9));
}

#[test]
fn rendered_error_names_file_line_and_hint() {
    let err = super::tests::load("errors/unknown_play_keyword.yml").err();
    let text = err.map(|e| e.render()).unwrap_or_default();
    assert!(
        text.starts_with("[ERROR]: 'hots' is not a valid attribute for a Play"),
        "{text}"
    );
    assert!(text.contains("unknown_play_keyword.yml:1:3"), "{text}");
    assert!(text.ends_with("did you mean 'hosts'?"), "{text}");
}

#[test]
fn vars_must_be_a_mapping_of_identifiers() {
    let (msg, loc, help) = load_err("errors/bad_var_name.yml");
    assert_eq!(msg, "Invalid variable name 'bad-name'.");
    assert_eq!(loc, at("errors/bad_var_name.yml", 3, 5));
    assert!(help.is_some_and(|h| h.starts_with("Variable names must be strings")));
    let (msg, loc, _) = load_err("errors/task_vars_not_dict.yml");
    assert_eq!(msg, "Vars in a Task must be specified as a dictionary.");
    assert_eq!(loc, at("errors/task_vars_not_dict.yml", 4, 13));
}

#[test]
fn handler_blocks_only_at_top_level() {
    assert!(super::tests::load("handler_block.yml").is_ok());
    let (msg, loc, _) = load_err("errors/nested_handler_block.yml");
    assert_eq!(msg, "Using a block as a handler is not supported.");
    assert_eq!(loc, at("errors/nested_handler_block.yml", 5, 11));
}

#[test]
fn keyword_values_of_the_wrong_type() {
    let (msg, loc, _) = load_err("errors/bool_keyword.yml");
    assert_eq!(
        msg,
        "Error processing keyword 'gather_facts': The value 'maybe' could not be converted to \
         'bool'."
    );
    assert_eq!(loc, at("errors/bool_keyword.yml", 2, 17));

    // ansible-playbook only fails on these when the play runs.
    let (msg, loc, _) = load_err("errors/serial_percent.yml");
    assert_eq!(msg, "serial percentage must be an integer ('12.5%')");
    assert_eq!(loc, at("errors/serial_percent.yml", 2, 15));
    let (msg, loc, help) = load_err("errors/bad_order.yml");
    assert!(msg.starts_with("order must be one of inventory, "), "{msg}");
    assert_eq!(loc, at("errors/bad_order.yml", 2, 10));
    assert_eq!(help.as_deref(), Some("did you mean 'sorted'?"));
}

#[test]
fn role_errors_point_at_the_role_name_and_the_from_file() {
    let (msg, loc, _) = load_err("errors/role_name_not_found.yml");
    assert!(
        msg.starts_with("the role 'nosuchrole' was not found in "),
        "{msg}"
    );
    assert_eq!(loc, at("errors/role_name_not_found.yml", 3, 13));
    let (msg, loc, _) = load_err("err_tasks_from_span.yml");
    assert_eq!(msg, "Could not find specified file in role: tasks/nope");
    assert_eq!(loc, at("err_tasks_from_span.yml", 5, 21));
}

#[test]
fn listing_fails_on_an_undefined_variable_in_hosts() {
    let pb = super::tests::load("errors/undefined_in_hosts.yml").expect("loads");
    let opts = LoadOptions {
        roles_path: Vec::new(),
        ..LoadOptions::default()
    };
    let err = format_list_tasks(&pb, "x.yml", &TagFilter::default(), &opts).err();
    let err = err.expect("undefined target");
    assert_eq!(
        err.message,
        "Error processing keyword 'hosts': 'target' is undefined"
    );
    let loc = err.span.map(|s| (s.line, s.col));
    assert_eq!(loc, Some((2, 10)));
}
