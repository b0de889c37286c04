//! Templating behaviour. Expected values were recorded from ansible-core 2.19
//! (`ansible-playbook -i localhost, -c local` with `debug` / `set_fact` + `type_debug` tasks).

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::sync::Arc;

use indexmap::IndexMap;
use minijinja::Value;

use super::*;
use crate::source::{SourceFile, Span};
use crate::yaml::{Mapping, Node, Value as Y};

pub(super) fn span() -> Span {
    Span::synthetic("test")
}

pub(super) fn s(text: &str) -> Node {
    Node::new(Y::Str(text.to_string()), span())
}

pub(super) fn raw(text: &str) -> VarValue {
    VarValue::Raw(s(text))
}

pub(super) fn data(json: &str) -> VarValue {
    let j: serde_json::Value = serde_json::from_str(json).expect("test json");
    VarValue::Raw(Node::from_json(&j, &span()))
}

pub(super) fn scope(vars: Vec<(&str, VarValue)>) -> Arc<Scope> {
    Arc::new(Scope::new(
        vars.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
    ))
}

pub(super) fn templar() -> Templar {
    Templar::new(TemplarConfig::default())
}

/// Renders and returns (python repr, python type name).
pub(super) fn render(t: &Templar, sc: &Arc<Scope>, text: &str) -> (String, &'static str) {
    let v = t
        .render_str(text, &span(), sc)
        .unwrap_or_else(|e| panic!("{text}: {}", e.message));
    (py_repr(&v), py_type_name(&v))
}

pub(super) fn out(t: &Templar, sc: &Arc<Scope>, text: &str) -> String {
    let v = t
        .render_str(text, &span(), sc)
        .unwrap_or_else(|e| panic!("{text}: {}", e.message));
    py_str(&v)
}

pub(super) fn err(t: &Templar, sc: &Arc<Scope>, text: &str) -> String {
    match t.render_str(text, &span(), sc) {
        Ok(v) => panic!("{text}: expected an error, got {}", py_repr(&v)),
        Err(e) => e.message,
    }
}

fn base_scope() -> Arc<Scope> {
    scope(vec![
        ("d", data(r#"{"a": 1}"#)),
        ("l", data(r#"[1, "a", true, null]"#)),
    ])
}

#[test]
fn native_types_follow_ansible_2_19() {
    let t = templar();
    let sc = base_scope();
    // set_fact x: "{{ ... }}" then x | type_debug, recorded from ansible 2.19
    assert_eq!(render(&t, &sc, "{{ '1' }}"), ("'1'".into(), "str"));
    assert_eq!(render(&t, &sc, "{{ 1 + 1 }}"), ("2".into(), "int"));
    assert_eq!(render(&t, &sc, "a{{ 1 }}"), ("'a1'".into(), "str"));
    assert_eq!(render(&t, &sc, "{{ 'yes' }}"), ("'yes'".into(), "str"));
    assert_eq!(render(&t, &sc, "{{ [1,2] }}"), ("[1, 2]".into(), "list"));
    assert_eq!(render(&t, &sc, "{{ d }}"), ("{'a': 1}".into(), "dict"));
    assert_eq!(render(&t, &sc, "{{ none }}"), ("None".into(), "NoneType"));
    assert_eq!(render(&t, &sc, " {{ 1 }}"), ("' 1'".into(), "str"));
    assert_eq!(
        render(&t, &sc, "{{ '[1, 2]' }}"),
        ("'[1, 2]'".into(), "str")
    );
    assert_eq!(render(&t, &sc, "{{ 1 }}{{ 2 }}"), ("'12'".into(), "str"));
    assert_eq!(render(&t, &sc, "{{ 1 }}\n"), ("1".into(), "int"));
    assert_eq!(render(&t, &sc, "{{ 1 }}{# c #}"), ("1".into(), "int"));
    assert_eq!(render(&t, &sc, "{{ [1] }} "), ("'[1] '".into(), "str"));
}

#[test]
fn values_inside_strings_print_like_python() {
    let t = templar();
    let sc = base_scope();
    // recorded: "list [1, 'a', True, None] dict {'a': 1} b True n  f 1.0 s its {'k': \"a'b\"}"
    assert_eq!(
        out(
            &t,
            &sc,
            "list {{ l }} dict {{ d }} b {{ true }} n {{ none }} f {{ 1.0 }} s {{ 'it''s' }} {{ {'k': \"a'b\"} }}"
        ),
        "list [1, 'a', True, None] dict {'a': 1} b True n  f 1.0 s its {'k': \"a'b\"}"
    );
    // recorded: "3.0 1e+20 0.1 2.5 2 1180591620717411303424 1.5e-07 1e+17 -0.0"
    assert_eq!(
        out(
            &t,
            &sc,
            "{{ 3.0 }} {{ 1e20 }} {{ 0.1 }} {{ 10/4 }} {{ 10//4 }} {{ 2**70 }} {{ 1.5e-7 }} {{ 100000000000000000.0 }} {{ -0.0 }}"
        ),
        "3.0 1e+20 0.1 2.5 2 1180591620717411303424 1.5e-07 1e+17 -0.0"
    );
    // recorded: "['a', 1] {1: 'x', 'k': None} a True,1 [True]"
    assert_eq!(
        out(
            &t,
            &sc,
            "{{ ('a', 1) }} {{ {1: 'x', 'k': none} }} {{ ['a'] | join(',') }} {{ [true, 1] | join(',') }} {{ [true] | string }}"
        ),
        "['a', 1] {1: 'x', 'k': None} a True,1 [True]"
    );
}

#[test]
fn undefined_variables_are_errors_naming_them() {
    let t = templar();
    let sc = base_scope();
    // recorded: 'foo' is undefined (print, filter, for loop, if, comparison)
    assert_eq!(err(&t, &sc, "{{ foo }}"), "'foo' is undefined");
    assert_eq!(err(&t, &sc, "{{ foo | upper }}"), "'foo' is undefined");
    assert_eq!(
        err(&t, &sc, "{% for x in foo %}{{x}}{% endfor %}"),
        "'foo' is undefined"
    );
    assert_eq!(
        err(&t, &sc, "{% if foo %}y{% endif %}"),
        "'foo' is undefined"
    );
    // recorded: object of type 'dict' has no attribute 'zz'
    assert_eq!(
        err(&t, &sc, "{{ d.zz }}"),
        "object of type 'dict' has no attribute 'zz'"
    );
    // recorded: "1 False False"
    assert_eq!(
        out(
            &t,
            &sc,
            "{{ foo.bar | default(1) }} {{ foo.bar is defined }} {{ d.zz is defined }}"
        ),
        "1 False False"
    );
    // recorded: "5 e True"
    assert_eq!(
        out(
            &t,
            &sc,
            "{{ d.zz | default(5) }} {{ '' | default('e', true) }} {{ 'yes' | bool }}"
        ),
        "5 e True"
    );
    // recorded: The filter plugin 'ansible.builtin.mandatory' failed: Mandatory variable 'undefined_x' not defined.
    assert_eq!(
        err(
            &t,
            &sc,
            "{{ d.a | default(5) }} {{ undefined_x | mandatory }}"
        ),
        "The filter plugin 'ansible.builtin.mandatory' failed: Mandatory variable 'undefined_x' not defined."
    );
    assert_eq!(
        err(&t, &sc, "{{ undefined_x | mandatory('give it') }}"),
        "The filter plugin 'ansible.builtin.mandatory' failed: give it"
    );
}

#[test]
fn runtime_and_syntax_errors() {
    let t = templar();
    let sc = base_scope();
    // recorded: Error rendering template: division by zero
    assert!(err(&t, &sc, "{{ 1/0 }}").starts_with("Error rendering template:"));
    // recorded: Syntax error in template: unexpected 'end of print statement'
    assert!(err(&t, &sc, "{{ 1 + }}").starts_with("Syntax error in template:"));
    assert!(t.check_syntax("{{ 1 + }}", &span()).is_err());
    assert!(t.check_syntax("{% if %}", &span()).is_err());
    assert!(t.check_syntax("{{ a | default(1) }}", &span()).is_ok());
    assert!(t.check_syntax("no jinja here", &span()).is_ok());
}

#[test]
fn syntax_error_in_block_scalar_points_at_the_template_line() {
    let t = templar();
    let text = "- debug:\n    msg: |\n      line one\n      {{ 1 + }}\n";
    let file = SourceFile::new("play.yml", text);
    let offset = text.find('|').expect("pipe");
    let at = Span::new(file, offset, 2, 10);
    let e = t
        .check_syntax("line one\n{{ 1 + }}\n", &at)
        .expect_err("syntax error");
    assert_eq!(
        (
            e.span.as_ref().map(|s| s.line),
            e.span.as_ref().map(|s| s.col)
        ),
        (Some(4), Some(7))
    );
}

#[test]
fn variables_are_templated_lazily_and_once() {
    let t = templar();
    let sc = scope(vec![
        ("a", raw("{{ b }}-x")),
        ("b", raw("{{ 40 + 2 }}")),
        ("broken", raw("{{ nope }}")),
        ("lst", raw("{{ [b, b] }}")),
    ]);
    assert_eq!(render(&t, &sc, "{{ a }}"), ("'42-x'".into(), "str"));
    assert_eq!(render(&t, &sc, "{{ b }}"), ("42".into(), "int"));
    assert_eq!(render(&t, &sc, "{{ lst }}"), ("[42, 42]".into(), "list"));
    // `broken` is never read, so it is never an error.
    assert_eq!(render(&t, &sc, "{{ b + 1 }}"), ("43".into(), "int"));
    assert_eq!(err(&t, &sc, "{{ broken }}"), "'nope' is undefined");
}

#[test]
fn recursive_variables_are_detected() {
    let t = templar();
    let sc = scope(vec![("a", raw("{{ b }}")), ("b", raw("{{ a }}"))]);
    assert_eq!(
        err(&t, &sc, "{{ a }}"),
        "Recursive loop detected in template: a -> b -> a"
    );
}

#[test]
fn child_scopes_see_loop_variables() {
    let t = templar();
    let parent = scope(vec![
        ("greeting", raw("hello {{ item }}")),
        ("x", raw("{{ 1 }}")),
    ]);
    for (i, name) in ["a", "b"].iter().enumerate() {
        let mut extra = IndexMap::new();
        extra.insert("item".to_string(), VarValue::Data(Value::from(*name)));
        extra.insert("idx".to_string(), VarValue::Data(Value::from(i as i64)));
        let child = Arc::new(Scope::child(&parent, extra));
        assert_eq!(
            out(&t, &child, "{{ greeting }} {{ idx }} {{ x }}"),
            format!("hello {name} {i} 1")
        );
    }
}

#[test]
fn unsafe_strings_are_never_templated() {
    let t = templar();
    let sc = scope(vec![(
        "u",
        VarValue::Raw(Node::new(Y::Unsafe("{{ a }}".into()), span())),
    )]);
    assert_eq!(out(&t, &sc, "{{ u }}"), "{{ a }}");
    let node = Node::new(Y::Unsafe("{{ a }}".into()), span());
    assert_eq!(
        py_str(&t.render_node(&node, &sc).expect("render")),
        "{{ a }}"
    );
}

#[test]
fn render_node_templates_maps_lists_and_keys() {
    let t = templar();
    let sc = scope(vec![("k", data(r#""name""#)), ("n", data("3"))]);
    let mut m = Mapping::default();
    m.entries.push((s("{{ k }}"), s("{{ n * 2 }}")));
    m.entries.push((
        s("list"),
        Node::new(
            Y::Seq(vec![
                s("{{ n }}"),
                s("x{{ n }}"),
                Node::new(Y::Int(5), span()),
            ]),
            span(),
        ),
    ));
    let v = t
        .render_node(&Node::new(Y::Map(m), span()), &sc)
        .expect("render");
    assert_eq!(py_repr(&v), "{'name': 6, 'list': [3, 'x3', 5]}");
}

#[test]
fn conditions_must_be_booleans() {
    let t = templar();
    let sc = scope(vec![("x", data("1")), ("s", data(r#""abc""#))]);
    assert!(t.eval_condition("x == 1", &span(), &sc).expect("cond"));
    assert!(
        !t.eval_condition("x is not defined", &span(), &sc)
            .expect("cond")
    );
    assert!(t.eval_condition("{{ true }}", &span(), &sc).expect("cond"));
    // recorded: Conditional result (True) was derived from value of type 'str' at '...'.
    let e = t.eval_condition("'abc'", &span(), &sc).expect_err("str");
    assert!(
        e.message
            .starts_with("Conditional result (True) was derived from value of type 'str'"),
        "{}",
        e.message
    );
    let e = t.eval_condition("none", &span(), &sc).expect_err("none");
    assert_eq!(
        e.message,
        "Conditional result (False) was derived from value of type 'NoneType' at '<unknown>'. Conditionals must have a boolean result."
    );
    let e = t.eval_condition("[]", &span(), &sc).expect_err("list");
    assert!(e.message.contains("of type 'list'"));
    // recorded: Error while evaluating conditional: 'foo' is undefined
    let e = t
        .eval_condition("foo == 'x'", &span(), &sc)
        .expect_err("undefined");
    assert_eq!(
        e.message,
        "Error while evaluating conditional: 'foo' is undefined"
    );
    // `when: 1` (not a string): recorded "Conditional expressions must be strings."
    let e = t
        .eval_condition_node(&Node::new(Y::Int(1), span()), &sc)
        .expect_err("int");
    assert_eq!(e.message, "Conditional expressions must be strings.");
    assert!(
        t.eval_condition_node(&Node::new(Y::Bool(true), span()), &sc)
            .expect("bool")
    );
}

#[test]
fn eval_expr_gives_native_values() {
    let t = templar();
    let sc = scope(vec![("xs", data("[3, 1, 2]"))]);
    let v = t.eval_expr("xs | sort", &span(), &sc).expect("expr");
    assert_eq!(py_repr(&v), "[1, 2, 3]");
    let v = t
        .eval_expr("{{ xs | length }}", &span(), &sc)
        .expect("expr");
    assert_eq!(py_repr(&v), "3");
}

#[test]
fn omit_is_a_recognisable_placeholder() {
    let t = templar();
    let sc = base_scope();
    let v = t.render_str("{{ omit }}", &span(), &sc).expect("omit");
    assert!(is_omit(&v));
    assert!(py_str(&v).starts_with("__omit_place_holder__"));
    let v = t
        .render_str("{{ d.x | default(omit) }}", &span(), &sc)
        .expect("omit");
    assert!(is_omit(&v));
}

#[test]
fn hostvars_are_lazy_and_iterable() {
    let t = templar();
    let web1 = scope(vec![
        ("ansible_host", data(r#""10.0.0.1""#)),
        ("x", raw("{{ ansible_host }}:22")),
    ]);
    let web2 = scope(vec![("ansible_host", data(r#""10.0.0.2""#))]);
    let hosts = vec!["web1".to_string(), "web2".to_string()];
    let (w1, w2) = (web1.clone(), web2.clone());
    let hv = hostvars_value(hosts, move |h| match h {
        "web1" => Some(w1.clone()),
        "web2" => Some(w2.clone()),
        _ => None,
    });
    let sc = scope(vec![
        ("hostvars", VarValue::Data(hv)),
        ("h", data(r#""web2""#)),
    ]);
    assert_eq!(out(&t, &sc, "{{ hostvars['web1'].x }}"), "10.0.0.1:22");
    assert_eq!(
        out(&t, &sc, "{{ hostvars[h]['ansible_host'] }}"),
        "10.0.0.2"
    );
    assert_eq!(
        out(&t, &sc, "{% for h in hostvars %}{{ h }} {% endfor %}"),
        "web1 web2 "
    );
    assert_eq!(out(&t, &sc, "{{ hostvars['nope'] is defined }}"), "False");
}

#[test]
fn pycompat_methods_work() {
    let t = templar();
    let sc = scope(vec![("m", data(r#"{"a": 1}"#))]);
    assert_eq!(out(&t, &sc, "{{ 'a,b'.split(',') }}"), "['a', 'b']");
    assert_eq!(out(&t, &sc, "{{ 'abc'.startswith('a') }}"), "True");
    assert_eq!(
        out(
            &t,
            &sc,
            "{% for k, v in m.items() %}{{ k }}={{ v }}{% endfor %}"
        ),
        "a=1"
    );
}

#[test]
fn a_variable_is_templated_once_per_scope() {
    let t = templar();
    // Each templating of `stamp` runs the command again; reading it twice must not.
    let sc = scope(vec![("stamp", raw("{{ lookup('pipe', 'date +%s%N') }}"))]);
    let v = out(&t, &sc, "{{ stamp }} {{ stamp }}");
    let (a, b) = v.split_once(' ').expect("two values");
    assert_eq!(a, b);
}

#[test]
fn magic_vars_and_now() {
    // recorded: now() | type_debug -> datetime; now(fmt='%Y') -> str; now().year -> int;
    // vars['a'] and vars.a -> 1
    let t = templar();
    let sc = scope(vec![("a", raw("{{ 1 }}"))]);
    assert_eq!(out(&t, &sc, "{{ now() | type_debug }}"), "datetime");
    assert_eq!(out(&t, &sc, "{{ now(fmt='%Y') | type_debug }}"), "str");
    assert_eq!(out(&t, &sc, "{{ now().year | type_debug }}"), "int");
    assert_eq!(out(&t, &sc, "{{ now().strftime('%Y') | length }}"), "4");
    assert_eq!(out(&t, &sc, "{{ vars['a'] }} {{ vars.a }}"), "1 1");
}

#[test]
fn loop_lookups_match_ansible() {
    // recorded from ansible-core 2.19
    let t = templar();
    let sc = scope(vec![]);
    assert_eq!(
        out(&t, &sc, "{{ lookup('nested', [1, 2], ['a', 'b']) }}"),
        "[[1, 'a'], [1, 'b'], [2, 'a'], [2, 'b']]"
    );
    assert_eq!(
        out(&t, &sc, "{{ query('together', [1, 2], ['a']) }}"),
        "[[1, 'a'], [2, None]]"
    );
    assert_eq!(
        out(
            &t,
            &sc,
            "{{ query('subelements', [{'n': 1, 'g': ['x', 'y']}], 'g') }}"
        ),
        "[[{'n': 1}, 'x'], [{'n': 1}, 'y']]"
    );
    assert_eq!(
        out(
            &t,
            &sc,
            "{{ query('subelements', [{'n': 1}], 'g', {'skip_missing': True}) }}"
        ),
        "[]"
    );
}

#[test]
fn errors_inside_variables_point_at_the_variable() {
    let t = templar();
    let file = SourceFile::new("group_vars/all.yml", "x: \"{{ nope }}\"\n");
    let node = Node::new(Y::Str("{{ nope }}".into()), Span::new(file, 3, 1, 4));
    let sc = scope(vec![("x", VarValue::Raw(node))]);
    let e = t
        .render_str("{{ x }}", &span(), &sc)
        .expect_err("undefined");
    assert_eq!(e.message, "'nope' is undefined");
    let at = e.span.expect("span");
    assert_eq!(
        (at.path().display().to_string(), at.line, at.col),
        ("group_vars/all.yml".into(), 1, 4)
    );
}

#[test]
fn fqcn_filter_names_work() {
    let t = templar();
    let sc = scope(vec![]);
    assert_eq!(
        out(&t, &sc, "{{ {'a': 1} | ansible.builtin.to_json }}"),
        "{\"a\": 1}"
    );
    assert_eq!(out(&t, &sc, "{{ 'x' is ansible.builtin.string }}"), "True");
    // recorded: Syntax error in template: No filter named 'version'.
    assert_eq!(
        err(&t, &sc, "{{ 'x' | nosuchfilter }}"),
        "Syntax error in template: No filter named 'nosuchfilter'."
    );
}

#[test]
fn templar_and_scope_are_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Templar>();
    assert_send_sync::<Scope>();
    let t = templar();
    let sc = scope(vec![("n", raw("{{ 20 + 1 }}"))]);
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let (t, sc) = (t.clone(), sc.clone());
            std::thread::spawn(move || out(&t, &sc, &format!("{{{{ n * 2 + {i} }}}}")))
        })
        .collect();
    let got: Vec<String> = handles
        .into_iter()
        .map(|h| h.join().expect("thread"))
        .collect();
    assert_eq!(got, vec!["42", "43", "44", "45"]);
}

#[test]
fn inline_if_without_else_prints_nothing() {
    // recorded: "{{ 'x' if false }}" -> ""
    let t = templar();
    let sc = scope(vec![("force", data("false"))]);
    assert_eq!(out(&t, &sc, "cmd {{ '--force' if force }}"), "cmd ");
    assert_eq!(
        err(&t, &sc, "{{ force.x }}"),
        "object of type 'bool' has no attribute 'x'"
    );
}

#[test]
#[ignore = "timing probe, run by hand"]
fn timing_probe() {
    let t = templar();
    let start = std::time::Instant::now();
    for h in 0..2000 {
        let sc = scope(vec![
            ("name", VarValue::Data(Value::from(format!("web{h}")))),
            ("port", raw("{{ 8000 + 80 }}")),
            ("url", raw("http://{{ name }}:{{ port }}/")),
            ("pkgs", data(r#"["nginx", "curl", "git"]"#)),
        ]);
        let v = out(
            &t,
            &sc,
            "{{ url }} {{ pkgs | join(',') }} {{ name | upper }}",
        );
        assert!(v.starts_with("http://web"));
        assert!(
            t.eval_condition("port | int > 80 and 'nginx' in pkgs", &span(), &sc)
                .expect("cond")
        );
    }
    eprintln!("2000 hosts: {:?}", start.elapsed());
}

#[test]
fn file_and_template_lookups_search_role_and_playbook_dirs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let role = dir.path().join("roles/web");
    std::fs::create_dir_all(role.join("files")).expect("mkdir");
    std::fs::create_dir_all(role.join("templates")).expect("mkdir");
    std::fs::create_dir_all(dir.path().join("files")).expect("mkdir");
    std::fs::write(role.join("files/motd"), "role motd\n\n").expect("write");
    std::fs::write(dir.path().join("files/only_play"), "play file").expect("write");
    std::fs::write(role.join("templates/t.j2"), "hello {{ who }}\n").expect("write");
    std::fs::write(dir.path().join("inc.j2"), "[{{ who }}]").expect("write");
    let t = Templar::new(TemplarConfig {
        search_paths: vec![dir.path().to_path_buf()],
        ..TemplarConfig::default()
    });
    let sc = scope(vec![
        (
            "role_path",
            VarValue::Data(Value::from(role.display().to_string())),
        ),
        (
            "playbook_dir",
            VarValue::Data(Value::from(dir.path().display().to_string())),
        ),
        ("who", data(r#""world""#)),
    ]);
    // The file lookup strips trailing whitespace (rstrip=True by default).
    assert_eq!(out(&t, &sc, "{{ lookup('file', 'motd') }}"), "role motd");
    assert_eq!(
        out(&t, &sc, "{{ lookup('file', 'only_play') }}"),
        "play file"
    );
    assert_eq!(
        out(&t, &sc, "{{ lookup('template', 't.j2') }}"),
        "hello world\n"
    );
    assert_eq!(out(&t, &sc, "{% include 'inc.j2' %}!"), "[world]!");
    assert_eq!(
        out(
            &t,
            &sc,
            "{{ lookup('first_found', ['nope', 'motd']) | basename }}"
        ),
        "motd"
    );
    assert_eq!(
        err(&t, &sc, "{{ lookup('file', 'missing') }}"),
        "The lookup plugin 'file' failed: Unable to access the file 'missing': File not found. Use -vvvvv to see paths searched."
    );
}

#[test]
fn values_convert_to_json_for_modules() {
    let t = templar();
    let sc = scope(vec![(
        "d",
        data(r#"{"b": [1, 2.5, null, true], "a": "x"}"#),
    )]);
    let v = t.render_str("{{ d }}", &span(), &sc).expect("render");
    assert_eq!(
        value_to_json(&v).to_string(),
        r#"{"b":[1,2.5,null,true],"a":"x"}"#
    );
}

#[test]
fn guards_apply_per_variable() {
    let t = templar();
    let sc = scope(vec![("a", data("1"))]);
    // `b` is guarded in one tag, so it is fine elsewhere only when not printed.
    assert_eq!(
        out(&t, &sc, "{% if b is defined %}{{ b }}{% endif %}ok"),
        "ok"
    );
    assert_eq!(out(&t, &sc, "{{ a | default(b) }}"), "1");
    // `c` is never guarded: an error even though `b` is.
    assert_eq!(
        err(&t, &sc, "{{ b | default(1) }}{{ c | upper }}"),
        "'c' is undefined"
    );
}

#[test]
fn variables_that_read_undefined_values_are_undefined() {
    // recorded from ansible-core 2.19: ["a", false, "b", "c"]
    let t = templar();
    let sc = scope(vec![
        ("x", raw("{{ foo }}")),
        ("y", raw("{{ d.nope }}")),
        ("z", raw("pre {{ foo }}")),
        ("d", data(r#"{"a": 1}"#)),
    ]);
    assert_eq!(
        out(
            &t,
            &sc,
            "{{ [x | default('a'), x is defined, y | default('b'), z | default('c')] }}"
        ),
        "['a', False, 'b', 'c']"
    );
    assert_eq!(err(&t, &sc, "{{ x }}"), "'foo' is undefined");
    assert_eq!(
        err(&t, &sc, "{{ y }}"),
        "object of type 'dict' has no attribute 'nope'"
    );
}
