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
    // Trailing newlines of the source are kept on string results (recorded).
    assert_eq!(render(&t, &sc, "b {{ 2 }}\n"), ("'b 2\\n'".into(), "str"));
    assert_eq!(
        render(&t, &sc, "{{ 'a' }}\n\n"),
        ("'a\\n\\n'".into(), "str")
    );
    assert_eq!(
        render(&t, &sc, "{% if true %}y{% endif %}\n"),
        ("'y\\n'".into(), "str")
    );
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
fn nothing_is_html_escaped() {
    let t = templar();
    let sc = scope(vec![("x", data(r#""<b>&""#))]);
    assert_eq!(
        out(&t, &sc, "{{ x }} /var/www/index.html"),
        "<b>& /var/www/index.html"
    );
}

#[test]
fn string_filters_fail_on_undefined_even_in_guarded_templates() {
    let t = templar();
    let sc = scope(vec![]);
    assert_eq!(
        err(&t, &sc, "{% if x is defined %}{% endif %}{{ x | upper }}"),
        "'x' is undefined"
    );
    assert_eq!(
        out(
            &t,
            &sc,
            "{{ 'hello World' | capitalize }} {{ 'xxaxx' | trim('x') }} {{ 'aaa' | replace('a', 'b', 2) }}"
        ),
        "Hello world a bba"
    );
}
