//! Streams: several documents, markers, comments, BOM, CRLF, empty files.

use super::super::Value::{Int, Null, Str};
use super::super::load_all;
use super::{file, get, load};

#[test]
fn several_documents_and_end_markers() {
    let docs =
        load_all(file("---\na: 1\n...\n---\nb: 2\n--- |\n  text\n---\n")).unwrap_or_default();
    assert_eq!(docs.len(), 4);
    assert_eq!(get(&docs[0], "a").value, Int(1));
    assert_eq!(get(&docs[1], "b").value, Int(2));
    assert_eq!(docs[2].value, Str("text\n".into()));
    assert_eq!(docs[3].value, Null);
    assert_eq!((docs[1].span.line, docs[1].span.col), (5, 1));
}

#[test]
fn empty_and_comment_only_files_have_no_documents() {
    for text in ["", "# just a comment\n", "\n\n", "   \n# c\n"] {
        assert_eq!(
            load_all(file(text)).map(|d| d.len()).ok(),
            Some(0),
            "{text:?}"
        );
    }
    // load_str gives null for them.
    let node = super::super::load_str(file("")).ok();
    assert!(node.is_some_and(|n| n.is_null()));
}

#[test]
fn comments_are_ignored() {
    let doc = load("# head\na: 1 # trailing\n# between\nb: 'x # not a comment'\nc: x#y\n");
    assert_eq!(get(&doc, "a").value, Int(1));
    assert_eq!(get(&doc, "b").value, Str("x # not a comment".into()));
    assert_eq!(get(&doc, "c").value, Str("x#y".into()));
}

#[test]
fn bom_and_crlf() {
    let text = "\u{feff}a: 1\r\nb: |\r\n  x\r\n  y\r\nc: \u{e9}t\u{e9}\r\n";
    let doc = load(text);
    assert_eq!(get(&doc, "a").value, Int(1));
    assert_eq!(get(&doc, "b").value, Str("x\ny\n".into()));
    let c = get(&doc, "c");
    assert_eq!(c.value, Str("\u{e9}t\u{e9}".into()));
    assert_eq!((c.span.line, c.span.col), (5, 4));
    assert!(text[c.span.offset..].starts_with('\u{e9}'));
    let a = get(&doc, "a");
    assert!(text[a.span.offset..].starts_with('1'));
}

#[test]
fn anchors_do_not_cross_documents() {
    let err = load_all(file("a: &x 1\n---\nb: *x\n")).err();
    assert!(err.is_some_and(|e| e.message.contains("undefined alias")));
}
