//! to_yaml / to_nice_yaml against PyYAML 6 (`yaml.safe_dump(d, allow_unicode=True,
//! default_flow_style=False, indent=4)` and `default_flow_style=None`), recorded.

#![allow(clippy::expect_used)]

use super::filters::from_json_value;
use super::yaml_emit::{YamlStyle, dump};

const INPUT: &str = r##"{"s00": "null", "s01": "~", "s02": "123", "s03": "1.5", "s04": "yes", "s05": "a: b", "s06": "- x", "s07": "-x", "s08": "#c", "s09": "x #y", "s10": "", "s11": " lead", "s12": "trail ", "s13": "multi\nline", "s14": "it's", "s15": "\u00e9", "s16": "@x", "s17": "%x", "s18": "`x", "s19": "true", "s20": "on", "s21": "0o17", "s22": "0x1f", "s23": "1e3", "s24": "2001-01-01", "s25": ":x", "s26": "x:", "s27": "?x", "s28": "!x", "s29": "&x", "s30": "*x", "s31": "|x", "s32": ">x", "s33": "'q'", "s34": "\"dq\"", "s35": "{a}", "s36": "[a]", "s37": "a,b", "s38": "key: [1]", "s39": "1_000", "s40": ".5", "s41": "+1", "s42": "1:20", "s43": "y", "s44": "n", "s45": "Null", "s46": "NULL", "s47": "a\tb", "s48": "...", "s49": "---", "s50": "x---", "list": ["null", "~", "123", "1.5", "yes", "a: b", "- x", "-x", "#c", "x #y", "", " lead", "trail ", "multi\nline", "it's", "\u00e9", "@x", "%x", "`x", "true", "on", "0o17", "0x1f", "1e3", "2001-01-01", ":x", "x:", "?x", "!x", "&x", "*x", "|x", ">x", "'q'", "\"dq\"", "{a}", "[a]", "a,b", "key: [1]", "1_000", ".5", "+1", "1:20", "y", "n", "Null", "NULL", "a\tb", "...", "---", "x---"]}"##;

const NICE: &str = r#"list:
- 'null'
- '~'
- '123'
- '1.5'
- 'yes'
- 'a: b'
- '- x'
- -x
- '#c'
- 'x #y'
- ''
- ' lead'
- 'trail '
- 'multi

    line'
- it's
- é
- '@x'
- '%x'
- '`x'
- 'true'
- 'on'
- 0o17
- '0x1f'
- 1e3
- '2001-01-01'
- :x
- 'x:'
- ?x
- '!x'
- '&x'
- '*x'
- '|x'
- '>x'
- '''q'''
- '"dq"'
- '{a}'
- '[a]'
- a,b
- 'key: [1]'
- '1_000'
- '.5'
- '+1'
- '1:20'
- y
- n
- 'Null'
- 'NULL'
- "a\tb"
- '...'
- '---'
- x---
s00: 'null'
s01: '~'
s02: '123'
s03: '1.5'
s04: 'yes'
s05: 'a: b'
s06: '- x'
s07: -x
s08: '#c'
s09: 'x #y'
s10: ''
s11: ' lead'
s12: 'trail '
s13: 'multi

    line'
s14: it's
s15: é
s16: '@x'
s17: '%x'
s18: '`x'
s19: 'true'
s20: 'on'
s21: 0o17
s22: '0x1f'
s23: 1e3
s24: '2001-01-01'
s25: :x
s26: 'x:'
s27: ?x
s28: '!x'
s29: '&x'
s30: '*x'
s31: '|x'
s32: '>x'
s33: '''q'''
s34: '"dq"'
s35: '{a}'
s36: '[a]'
s37: a,b
s38: 'key: [1]'
s39: '1_000'
s40: '.5'
s41: '+1'
s42: '1:20'
s43: y
s44: n
s45: 'Null'
s46: 'NULL'
s47: "a\tb"
s48: '...'
s49: '---'
s50: x---
"#;

const FLOW: &str = r#"list: ['null', '~', '123', '1.5', 'yes', 'a: b', '- x', -x, '#c', 'x #y', '', ' lead',
  'trail ', 'multi

    line', it's, é, '@x', '%x', '`x', 'true', 'on', 0o17, '0x1f', 1e3, '2001-01-01',
  ':x', 'x:', '?x', '!x', '&x', '*x', '|x', '>x', '''q''', '"dq"', '{a}', '[a]', 'a,b',
  'key: [1]', '1_000', '.5', '+1', '1:20', y, n, 'Null', 'NULL', "a\tb", '...', '---',
  x---]
s00: 'null'
s01: '~'
s02: '123'
s03: '1.5'
s04: 'yes'
s05: 'a: b'
s06: '- x'
s07: -x
s08: '#c'
s09: 'x #y'
s10: ''
s11: ' lead'
s12: 'trail '
s13: 'multi

  line'
s14: it's
s15: é
s16: '@x'
s17: '%x'
s18: '`x'
s19: 'true'
s20: 'on'
s21: 0o17
s22: '0x1f'
s23: 1e3
s24: '2001-01-01'
s25: :x
s26: 'x:'
s27: ?x
s28: '!x'
s29: '&x'
s30: '*x'
s31: '|x'
s32: '>x'
s33: '''q'''
s34: '"dq"'
s35: '{a}'
s36: '[a]'
s37: a,b
s38: 'key: [1]'
s39: '1_000'
s40: '.5'
s41: '+1'
s42: '1:20'
s43: y
s44: n
s45: 'Null'
s46: 'NULL'
s47: "a\tb"
s48: '...'
s49: '---'
s50: x---
"#;

fn input() -> minijinja::Value {
    let j: serde_json::Value = serde_json::from_str(INPUT).expect("json");
    from_json_value(&j)
}

#[test]
fn to_nice_yaml_matches_pyyaml() {
    let style = YamlStyle {
        indent: 4,
        flow_leaves: false,
        sort_keys: true,
        width: 80,
    };
    assert_eq!(dump(&input(), &style), NICE);
}

#[test]
fn to_yaml_matches_pyyaml_including_line_wrapping() {
    let style = YamlStyle {
        indent: 2,
        flow_leaves: true,
        sort_keys: true,
        width: 80,
    };
    assert_eq!(dump(&input(), &style), FLOW);
}
