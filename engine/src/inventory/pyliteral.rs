//! Python's `ast.literal_eval` as the INI inventory applies it to every value
//! (`host k=v` and, in ansible-core 2.19, `[g:vars]` too): numbers, strings, `True`,
//! `False`, `None`, lists, tuples, sets and dicts become typed values; anything that is
//! not a Python literal stays the original string.
//!
//! Ansible's post-processing is applied too: tuples and sets become lists, complex
//! numbers and `...` become their text, bytes become text.

use std::sync::OnceLock;

use regex::Regex;

use crate::source::Span;
use crate::yaml::{Mapping, Node, Value};

/// The value Ansible stores for the INI value `text`; an error (Python's TypeError
/// message) for a dict with a list or dict as key.
pub fn ini_value(text: &str, span: &Span) -> Result<Node, String> {
    Ok(match literal_eval(text)? {
        Some(lit) => lit.into_node(span),
        None => Node::new(Value::Str(text.to_string()), span.clone()),
    })
}

/// A Python literal before conversion to a [`Node`].
#[derive(Debug, Clone, PartialEq)]
enum Lit {
    None,
    Bool(bool),
    Int(i64),
    /// An integer beyond 64 bits, kept as its decimal text.
    BigInt(String),
    Float(f64),
    Complex(f64, f64),
    Str(String),
    Ellipsis,
    List(Vec<Lit>),
    Dict(Vec<(Lit, Lit)>),
}

impl Lit {
    fn into_node(self, span: &Span) -> Node {
        let v = match self {
            Lit::None => Value::Null,
            Lit::Bool(b) => Value::Bool(b),
            Lit::Int(i) => Value::Int(i),
            Lit::BigInt(s) => Value::Str(s),
            Lit::Float(f) => Value::Float(f),
            Lit::Complex(re, im) => Value::Str(complex_repr(re, im)),
            Lit::Str(s) => Value::Str(s),
            Lit::Ellipsis => Value::Str("...".into()),
            Lit::List(items) => Value::Seq(items.into_iter().map(|i| i.into_node(span)).collect()),
            Lit::Dict(entries) => {
                let mut m = Mapping::default();
                for (k, v) in entries {
                    m.insert(k.into_node(span), v.into_node(span));
                }
                Value::Map(m)
            }
        };
        Node::new(v, span.clone())
    }
}

/// Python's `repr(float)` for the parts of a complex number (`1.0` prints as `1`).
fn float_part(f: f64) -> String {
    if f == 0.0 && f.is_sign_negative() {
        "-0".to_string()
    } else if f.fract() == 0.0 && f.abs() < 1e16 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

fn complex_repr(re: f64, im: f64) -> String {
    if re == 0.0 && re.is_sign_positive() {
        format!("{}j", float_part(im))
    } else {
        let sign = if im < 0.0 || (im == 0.0 && im.is_sign_negative()) {
            "-"
        } else {
            "+"
        };
        format!("({}{sign}{}j)", float_part(re), float_part(im.abs()))
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Lit(Lit),
    /// A string literal; adjacent ones concatenate. `bool` = bytes literal.
    Str(String, bool),
    Name(String),
    Punct(char),
}

fn number_regex() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        let d = r"[0-9](?:_?[0-9])*";
        let exp = format!(r"[eE][+-]?{d}");
        let pointfloat = format!(r"(?:{d}\.(?:{d})?|\.{d})(?:{exp})?");
        let expfloat = format!(r"{d}{exp}");
        let pattern = format!(
            r"^(?:(?P<imag>(?:{pointfloat}|{expfloat}|{d})[jJ])|(?P<float>{pointfloat}|{expfloat})|(?P<hex>0[xX](?:_?[0-9a-fA-F])+)|(?P<oct>0[oO](?:_?[0-7])+)|(?P<bin>0[bB](?:_?[01])+)|(?P<dec>[1-9](?:_?[0-9])*|0(?:_?0)*))"
        );
        // Invariant: a constant pattern; every test compiles it.
        Regex::new(&pattern).unwrap_or_else(|e| panic!("number pattern: {e}"))
    })
}

fn lex_number(s: &str) -> Option<(Lit, usize)> {
    let c = number_regex().captures(s)?;
    let len = c.get(0)?.end();
    // `0644`, `1abc`: Python's tokenizer rejects a number running into a name.
    if s[len..]
        .chars()
        .next()
        .is_some_and(|ch| ch.is_alphanumeric() || ch == '_' || ch == '.')
    {
        return None;
    }
    let text = c.get(0)?.as_str().replace('_', "");
    let lit = if c.name("imag").is_some() {
        Lit::Complex(0.0, text[..text.len() - 1].parse().ok()?)
    } else if c.name("float").is_some() {
        Lit::Float(text.parse().ok()?)
    } else {
        let (digits, radix) = if c.name("hex").is_some() {
            (&text[2..], 16)
        } else if c.name("oct").is_some() {
            (&text[2..], 8)
        } else if c.name("bin").is_some() {
            (&text[2..], 2)
        } else {
            (text.as_str(), 10)
        };
        match i64::from_str_radix(digits, radix) {
            Ok(i) => Lit::Int(i),
            Err(_) if radix == 10 => Lit::BigInt(digits.trim_start_matches('0').to_string()),
            Err(_) => Lit::BigInt(u128::from_str_radix(digits, radix).ok()?.to_string()),
        }
    };
    Some((lit, len))
}

/// Reads a quoted string starting at `s[0]` (a quote); returns its value and length.
fn lex_string(s: &str, raw: bool, bytes: bool) -> Option<(String, usize)> {
    let quote = s.chars().next()?;
    let triple: String = std::iter::repeat_n(quote, 3).collect();
    let (delim, mut i) = if s.starts_with(&triple) {
        (triple.as_str(), 3)
    } else {
        (&s[..1], 1)
    };
    let mut out = String::new();
    loop {
        let rest = &s[i..];
        if rest.starts_with(delim) {
            return Some((out, i + delim.len()));
        }
        let ch = rest.chars().next()?;
        if ch == '\n' && delim.len() == 1 {
            return None;
        }
        if bytes && !ch.is_ascii() {
            return None;
        }
        if ch != '\\' {
            out.push(ch);
            i += ch.len_utf8();
            continue;
        }
        let next = rest[1..].chars().next()?;
        if raw {
            out.push('\\');
            out.push(next);
            i += 1 + next.len_utf8();
            continue;
        }
        i += 1 + next.len_utf8();
        match next {
            '\n' => {}
            '\\' | '\'' | '"' => out.push(next),
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'f' => out.push('\x0c'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\x0b'),
            '0'..='7' => {
                let mut value = next.to_digit(8)?;
                for _ in 0..2 {
                    match s[i..].chars().next().and_then(|c| c.to_digit(8)) {
                        Some(d) => {
                            value = value * 8 + d;
                            i += 1;
                        }
                        None => break,
                    }
                }
                out.push(char::from_u32(value)?);
            }
            'x' | 'u' | 'U' if !(bytes && next != 'x') => {
                let n = match next {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let hex = s.get(i..i + n)?;
                if !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                    return None;
                }
                out.push(char::from_u32(u32::from_str_radix(hex, 16).ok()?)?);
                i += n;
            }
            // `\N{NAME}` needs the Unicode name table; treat as not a literal.
            'N' if !bytes => return None,
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
}

fn tokenize(s: &str) -> Option<Vec<Tok>> {
    let mut toks = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let rest = &s[i..];
        let ch = rest.chars().next()?;
        if ch == ' ' || ch == '\t' || ch == '\x0c' {
            i += 1;
        } else if ch == '#' {
            break;
        } else if rest.starts_with("...") {
            toks.push(Tok::Lit(Lit::Ellipsis));
            i += 3;
        } else if ch.is_ascii_digit()
            || (ch == '.' && rest[1..].starts_with(|c: char| c.is_ascii_digit()))
        {
            let (lit, len) = lex_number(rest)?;
            toks.push(Tok::Lit(lit));
            i += len;
        } else if ch == '\'' || ch == '"' {
            let (text, len) = lex_string(rest, false, false)?;
            toks.push(Tok::Str(text, false));
            i += len;
        } else if ch.is_alphabetic() || ch == '_' {
            let len = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            let name = &rest[..len];
            if rest[len..].starts_with(['\'', '"']) {
                let prefix = name.to_ascii_lowercase();
                let (raw, bytes) = match prefix.as_str() {
                    "r" => (true, false),
                    "u" => (false, false),
                    "b" => (false, true),
                    "br" | "rb" => (true, true),
                    _ => return None,
                };
                let (text, slen) = lex_string(&rest[len..], raw, bytes)?;
                toks.push(Tok::Str(text, bytes));
                i += len + slen;
            } else {
                toks.push(Tok::Name(name.to_string()));
                i += len;
            }
        } else if "()[]{},:+-".contains(ch) {
            toks.push(Tok::Punct(ch));
            i += 1;
        } else {
            return None;
        }
    }
    Some(toks)
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
    /// Set when a list/dict/set is used as a dict key or set element.
    unhashable: Option<&'static str>,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(&Tok::Punct(c)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn at_close(&self) -> bool {
        matches!(self.peek(), Some(Tok::Punct(')' | ']' | '}')) | None)
    }

    /// `a, b, c` (a tuple when there is a comma) up to a closing bracket or the end.
    fn expr_list(&mut self) -> Option<(Vec<Lit>, bool)> {
        let mut items = vec![self.expr()?];
        let mut comma = false;
        while self.eat(',') {
            comma = true;
            if self.at_close() {
                break;
            }
            items.push(self.expr()?);
        }
        Some((items, comma))
    }

    /// A literal, with Python's allowance for `-1`, `+1.5` and `1+2j`.
    fn expr(&mut self) -> Option<Lit> {
        let left = self.signed()?;
        let is_num = |l: &Lit| {
            matches!(
                l,
                Lit::Int(_) | Lit::Float(_) | Lit::Complex(..) | Lit::BigInt(_)
            )
        };
        if let Some(Tok::Punct(op @ ('+' | '-'))) = self.peek().cloned() {
            if !is_num(&left) {
                return None;
            }
            self.pos += 1;
            let right = self.atom()?;
            let re = match left {
                Lit::Int(i) => i as f64,
                Lit::Float(f) => f,
                _ => return None,
            };
            return match right {
                Lit::Complex(_, im) => Some(Lit::Complex(re, if op == '-' { -im } else { im })),
                _ => None,
            };
        }
        Some(left)
    }

    fn signed(&mut self) -> Option<Lit> {
        if let Some(Tok::Punct(op @ ('+' | '-'))) = self.peek().cloned() {
            self.pos += 1;
            let v = self.atom()?;
            let neg = op == '-';
            return match v {
                Lit::Int(i) if neg => Some(
                    i.checked_neg()
                        .map(Lit::Int)
                        .unwrap_or(Lit::BigInt(format!("-{i}"))),
                ),
                Lit::BigInt(s) if neg => Some(Lit::BigInt(format!("-{s}"))),
                Lit::Float(f) if neg => Some(Lit::Float(-f)),
                Lit::Complex(re, im) if neg => Some(Lit::Complex(-re, -im)),
                v @ (Lit::Int(_) | Lit::BigInt(_) | Lit::Float(_) | Lit::Complex(..)) => Some(v),
                _ => None,
            };
        }
        self.atom()
    }

    fn atom(&mut self) -> Option<Lit> {
        let tok = self.peek()?.clone();
        self.pos += 1;
        match tok {
            Tok::Lit(l) => Some(l),
            Tok::Str(mut s, bytes) => {
                while let Some(Tok::Str(more, more_bytes)) = self.peek().cloned() {
                    if more_bytes != bytes {
                        return None;
                    }
                    s.push_str(&more);
                    self.pos += 1;
                }
                Some(Lit::Str(s))
            }
            Tok::Name(n) => match n.as_str() {
                "True" => Some(Lit::Bool(true)),
                "False" => Some(Lit::Bool(false)),
                "None" => Some(Lit::None),
                "set" if self.eat('(') && self.eat(')') => Some(Lit::List(Vec::new())),
                _ => None,
            },
            Tok::Punct('(') => {
                if self.eat(')') {
                    return Some(Lit::List(Vec::new()));
                }
                let (mut items, comma) = self.expr_list()?;
                if !self.eat(')') {
                    return None;
                }
                if comma {
                    Some(Lit::List(items))
                } else {
                    items.pop()
                }
            }
            Tok::Punct('[') => {
                if self.eat(']') {
                    return Some(Lit::List(Vec::new()));
                }
                let (items, _) = self.expr_list()?;
                self.eat(']').then_some(Lit::List(items))
            }
            Tok::Punct('{') => self.dict_or_set(),
            _ => None,
        }
    }

    /// A dict key or set element starting with `[` or `{` is a list, dict or set:
    /// Python raises TypeError (unhashable), which Ansible reports as an error.
    fn element(&mut self) -> Option<Lit> {
        if matches!(self.peek(), Some(Tok::Punct('[' | '{'))) {
            self.unhashable = Some(if self.peek() == Some(&Tok::Punct('[')) {
                "list"
            } else {
                "dict"
            });
        }
        self.expr()
    }

    fn dict_or_set(&mut self) -> Option<Lit> {
        if self.eat('}') {
            return Some(Lit::Dict(Vec::new()));
        }
        let first = self.element()?;
        if !self.eat(':') {
            // A set: Python iterates it in hash order; source order is kept here.
            let mut items = vec![first];
            while self.eat(',') {
                if self.eat('}') {
                    return Some(Lit::List(dedup(items)));
                }
                items.push(self.element()?);
            }
            return self.eat('}').then(|| Lit::List(dedup(items)));
        }
        let mut entries = vec![(first, self.expr()?)];
        while self.eat(',') {
            if self.eat('}') {
                return Some(Lit::Dict(entries));
            }
            let k = self.element()?;
            if !self.eat(':') {
                return None;
            }
            entries.push((k, self.expr()?));
        }
        self.eat('}').then_some(Lit::Dict(entries))
    }
}

fn dedup(items: Vec<Lit>) -> Vec<Lit> {
    let mut out: Vec<Lit> = Vec::new();
    for i in items {
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

/// `ast.literal_eval(text)`: `Ok(None)` where Python raises ValueError/SyntaxError
/// (Ansible keeps the text), `Err` for TypeError (Ansible fails to parse the file).
fn literal_eval(text: &str) -> Result<Option<Lit>, String> {
    let text = text.trim_start_matches([' ', '\t']);
    if text.contains('\0') {
        return Ok(None);
    }
    let Some(toks) = tokenize(text).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let mut p = Parser {
        toks,
        pos: 0,
        unhashable: None,
    };
    let Some((mut items, comma)) = p.expr_list() else {
        return Ok(None);
    };
    if p.pos != p.toks.len() {
        return Ok(None);
    }
    if let Some(kind) = p.unhashable {
        return Err(format!("unhashable type: '{kind}'"));
    }
    Ok(if comma {
        Some(Lit::List(items))
    } else {
        items.pop()
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn j(text: &str) -> serde_json::Value {
        ini_value(text, &Span::synthetic("t")).unwrap().to_json()
    }

    #[test]
    fn converts_like_ansible_2_19() {
        use serde_json::json;
        // Observed with ansible-inventory 2.19 on INI host vars (see tests_ini.rs).
        assert_eq!(j("1"), json!(1));
        assert_eq!(j("yes"), json!("yes"));
        assert_eq!(j("0644"), json!("0644"));
        assert_eq!(j("True"), json!(true));
        assert_eq!(j("true"), json!("true"));
        assert_eq!(j("[1,2]"), json!([1, 2]));
        assert_eq!(j("{x:1}"), json!("{x:1}"));
        assert_eq!(j("{'x': [1, 'a']}"), json!({"x": [1, "a"]}));
        assert_eq!(j("1.5"), json!(1.5));
        assert_eq!(j("None"), json!(null));
        assert_eq!(j("0x1f"), json!(31));
        assert_eq!(j("1e3"), json!(1000.0));
        assert_eq!(j("'s'"), json!("s"));
        assert_eq!(j("-3"), json!(-3));
        assert_eq!(j("(1,2)"), json!([1, 2]));
        assert_eq!(j("..."), json!("..."));
        assert_eq!(j("1j"), json!("1j"));
        assert_eq!(j("0o17"), json!(15));
        assert_eq!(j("1_000"), json!(1000));
        assert_eq!(j("#notcomment"), json!("#notcomment"));
        assert_eq!(j("a=b"), json!("a=b"));
        assert_eq!(j("hello world"), json!("hello world"));
        assert_eq!(j("3 # note"), json!(3));
        assert_eq!(j("1,2"), json!([1, 2]));
        assert_eq!(j("--1"), json!("--1"));
        assert_eq!(j("'a' 'b'"), json!("ab"));
        assert_eq!(j(r"'a\tb'"), json!("a\tb"));
        assert_eq!(j(r"r'a\tb'"), json!("a\\tb"));
        assert_eq!(j("b'x'"), json!("x"));
        assert_eq!(j("f'x'"), json!("f'x'"));
        assert_eq!(j("1+2j"), json!("(1+2j)"));
        assert_eq!(j("-1j"), json!("(-0-1j)"));
        assert_eq!(j("9999999999999999999999"), json!("9999999999999999999999"));
        assert_eq!(j("{1, 2}"), json!([1, 2]));
        assert_eq!(j("{}"), json!({}));
        let span = Span::synthetic("t");
        assert_eq!(
            ini_value("{[1]: 2}", &span).unwrap_err(),
            "unhashable type: 'list'"
        );
        assert_eq!(
            ini_value("{1, {}}", &span).unwrap_err(),
            "unhashable type: 'dict'"
        );
        assert_eq!(j("{[1]: x}"), json!("{[1]: x}"));
        assert_eq!(j("00"), json!(0));
        assert_eq!(j("1."), json!(1.0));
        assert_eq!(j("-True"), json!("-True"));
        assert_eq!(j("/usr/bin/python3"), json!("/usr/bin/python3"));
        assert_eq!(j("192.168.0.1"), json!("192.168.0.1"));
        assert_eq!(j(""), json!(""));
    }
}
