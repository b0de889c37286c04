//! The loader: saphyr-parser events to [`Node`]s, built iteratively (an explicit stack, so
//! deep nesting cannot overflow the thread's stack).
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use saphyr_parser::{Event, Parser, ScalarStyle, StrInput};

use super::errors::{construct_error, reword, syntax_error};
use super::mapping::MapBuilder;
use super::positions::Positions;
use super::relax::{MAX_RELAX, Relaxed, quoted_continuation_lines};
use super::tags::{Scalar, TagKind, construct_scalar, unknown_tag_message};
use super::{Mapping, Node, Value, YamlWarning};
use crate::source::{SourceError, SourceFile, Span};

pub type YamlError = SourceError;

/// Deepest nesting of collections accepted (PyYAML stops near Python's recursion limit).
const MAX_DEPTH: usize = 1000;
/// Most nodes aliases may copy in one file: stops "billion laughs" alias bombs.
const MAX_ALIAS_NODES: usize = 1_000_000;

/// Loads the first document of a file (an empty file is `Null`).
pub fn load_file(path: &Path) -> Result<Node, YamlError> {
    let file = SourceFile::read(path)?;
    load_str(file)
}

/// Loads the first document of `file`.
pub fn load_str(file: Arc<SourceFile>) -> Result<Node, YamlError> {
    let mut docs = load_all(file.clone())?;
    if docs.is_empty() {
        return Ok(Node::new(Value::Null, Span::new(file, 0, 1, 1)));
    }
    Ok(docs.swap_remove(0))
}

/// Loads every document of `file` (none for an empty file or one with only comments).
pub fn load_all(file: Arc<SourceFile>) -> Result<Vec<Node>, YamlError> {
    load_all_with_warnings(file).map(|(docs, _)| docs)
}

/// Loads every document of `file`, with the warnings Ansible prints while loading it
/// (duplicate mapping keys).
pub fn load_all_with_warnings(
    file: Arc<SourceFile>,
) -> Result<(Vec<Node>, Vec<YamlWarning>), YamlError> {
    let mut relaxed = Relaxed::new(&file.text);
    let mut last_flow = (0, 0);
    let mut last_quoted = None;
    let mut tries = 0;
    loop {
        let (result, hint) = load_once(&file, &relaxed);
        let Err(error) = result else {
            return result;
        };
        tries += 1;
        let next = match hint {
            _ if tries > MAX_RELAX => None,
            // The same string refused again: relaxing does not help.
            Some(Relax::Quoted { span }) if last_quoted == Some(span.offset) => None,
            Some(Relax::Quoted { span }) => {
                last_quoted = Some(span.offset);
                let lines = quoted_continuation_lines(&file.text, span.offset, span.line as usize);
                relaxed.with_more(&file.text, &lines, span.col as usize)
            }
            Some(Relax::Flow { line }) => {
                last_flow = if last_flow.0 == line {
                    (line, last_flow.1 * 2)
                } else {
                    (line, 1)
                };
                // A line still refused after 64 more spaces is not an indentation issue.
                if last_flow.1 > 64 {
                    None
                } else {
                    relaxed.with_more(&file.text, &[line], last_flow.1)
                }
            }
            None => None,
        };
        match next {
            Some(r) => relaxed = r,
            None => return Err(error),
        }
    }
}

type Loaded = Result<(Vec<Node>, Vec<YamlWarning>), YamlError>;

/// One parse of `relaxed.text`; on an indentation error libyaml would not report, also
/// what to relax.
fn load_once(file: &Arc<SourceFile>, relaxed: &Relaxed) -> (Loaded, Option<Relax>) {
    let mut loader = Loader {
        parser: Parser::new(StrInput::new(&relaxed.text)),
        pos: Positions::new(file.clone(), relaxed),
        anchors: HashMap::new(),
        anchor_names: HashMap::new(),
        alias_nodes: 0,
        warnings: Vec::new(),
        stack: Vec::new(),
        unsafe_depth: 0,
        last_end: Span::new(file.clone(), 0, 1, 1),
        relax: None,
    };
    match loader.stream() {
        Ok(docs) => (Ok((docs, loader.warnings)), None),
        Err(e) => (Err(e), loader.relax),
    }
}

/// Where saphyr refused indentation that libyaml ignores.
enum Relax {
    /// A quoted scalar starting at `span` has under-indented continuation lines.
    Quoted { span: Span },
    /// A line inside a flow collection is under-indented.
    Flow { line: usize },
}

/// A node defined with `&name`, and how many nodes copying it creates.
struct Anchored {
    node: Node,
    size: usize,
}

enum Items {
    Seq(Vec<Node>),
    Map(MapBuilder),
}

/// A collection being read.
struct Frame {
    items: Items,
    span: Span,
    anchor: usize,
    tag: TagKind,
    /// Nodes in this collection so far, itself included.
    size: usize,
}

struct Loader<'a> {
    parser: Parser<'a, StrInput<'a>>,
    pos: Positions<'a>,
    /// Anchors of the current document, by saphyr's anchor id.
    anchors: HashMap<usize, Anchored>,
    /// Where each anchor name of the current document was defined.
    anchor_names: HashMap<String, Span>,
    alias_nodes: usize,
    warnings: Vec<YamlWarning>,
    stack: Vec<Frame>,
    /// How many `!unsafe` collections enclose the current node.
    unsafe_depth: usize,
    /// Where the previous event ended (to find a block scalar's `|`).
    last_end: Span,
    /// Set with an error that a re-parse with more indentation would avoid.
    relax: Option<Relax>,
}

impl<'a> Loader<'a> {
    fn next(&mut self) -> Result<(Event<'a>, Span, Span), YamlError> {
        match self.parser.next_event() {
            Some(Ok((event, span))) => {
                let start = self.pos.span(span.start);
                let end = self.pos.span(span.end);
                Ok((event, start, end))
            }
            Some(Err(e)) => {
                let mut span = self.pos.span(*e.marker());
                let mut detail = reword(e.info());
                if e.info().contains("tab") {
                    // saphyr may stop before the tab; point at it, as Ansible does.
                    if let Some(i) = self.pos.text()[span.offset..].find('\t') {
                        span = self.pos.advance(&span, span.offset + i);
                    }
                } else if e.info() == "invalid indentation in quoted scalar" {
                    self.relax = Some(Relax::Quoted { span: span.clone() });
                } else if e.info() == "invalid indentation" {
                    self.relax = Some(Relax::Flow {
                        line: e.marker().line(),
                    });
                } else if e.info() == "while parsing a block mapping, did not find expected key" {
                    // saphyr stops after a stray "- "; Ansible points at the dash.
                    span = self.dash_before(span);
                } else if e.info() == "while parsing node, found unknown anchor" {
                    detail = undefined_alias(self.pos.text(), &span);
                }
                Err(syntax_error(span, &detail))
            }
            None => Err(SourceError::new(
                &self.last_end,
                "YAML parsing failed: unexpected end of the file.",
            )),
        }
    }

    fn stream(&mut self) -> Result<Vec<Node>, YamlError> {
        let mut docs = Vec::new();
        let mut after_end_marker = false;
        loop {
            let (event, start, end) = self.next()?;
            let explicit_end = matches!(event, Event::DocumentEnd) && end.offset > start.offset;
            self.last_end = end;
            match event {
                Event::StreamEnd => return Ok(docs),
                Event::DocumentStart(false) if after_end_marker => {
                    // YAML 1.1 (libyaml) needs '---' after a '...' before more content.
                    return Err(syntax_error(
                        start,
                        "unexpected content after the document end marker '...': expected '---' to start a new document",
                    ));
                }
                Event::DocumentStart(_) => {
                    // Anchors are per document, as in PyYAML's composer.
                    self.anchors.clear();
                    self.anchor_names.clear();
                    docs.push(self.document()?);
                }
                Event::DocumentEnd => after_end_marker = explicit_end,
                Event::StreamStart | Event::Nothing => {}
                _ => {
                    return Err(SourceError::new(
                        &start,
                        "YAML parsing failed: expected the start of a document.",
                    ));
                }
            }
        }
    }

    /// Reads the events of one document's root node.
    fn document(&mut self) -> Result<Node, YamlError> {
        loop {
            let (event, start, end) = self.next()?;
            let done = match event {
                Event::Scalar(mut text, style, anchor, tag) => {
                    self.check_anchor(anchor, &start)?;
                    if text.ends_with('\n') && self.block_scalar_at_unterminated_eof(style, &end) {
                        // libyaml keeps no line break the file does not have.
                        text.to_mut().pop();
                    }
                    let kind = TagKind::of(tag.as_deref());
                    let start = self.block_scalar_start(style, start);
                    let is_key = self.expects_key();
                    let node = match construct_scalar(
                        &kind,
                        &text,
                        style,
                        is_key,
                        self.unsafe_depth > 0,
                    ) {
                        Ok(Scalar::Value(value)) => Node::new(value, start),
                        Ok(Scalar::Merge) => {
                            self.last_end = end;
                            self.attach_merge_key(Node::new(Value::Str(text.into_owned()), start))?;
                            continue;
                        }
                        Err(message) => return Err(construct_error(start, &message)),
                    };
                    self.remember(anchor, &node, 1);
                    Some((node, 1))
                }
                Event::Alias(id) => Some(self.alias(id, &start)?),
                Event::SequenceStart(anchor, tag) => {
                    self.check_anchor(anchor, &start)?;
                    let start = self.sequence_start(start);
                    self.open(Items::Seq(Vec::new()), start, anchor, tag.as_deref())?;
                    None
                }
                Event::MappingStart(anchor, tag) => {
                    self.check_anchor(anchor, &start)?;
                    self.open(
                        Items::Map(MapBuilder::default()),
                        start,
                        anchor,
                        tag.as_deref(),
                    )?;
                    None
                }
                Event::SequenceEnd | Event::MappingEnd => Some(self.close()?),
                _ => {
                    return Err(SourceError::new(
                        &start,
                        "YAML parsing failed: unexpected end of the document.",
                    ));
                }
            };
            self.last_end = end;
            if let Some((node, size)) = done
                && let Some(root) = self.attach(node, size)?
            {
                return Ok(root);
            }
        }
    }

    fn expects_key(&self) -> bool {
        matches!(self.stack.last(), Some(Frame { items: Items::Map(m), .. }) if m.expects_key())
    }

    fn open(
        &mut self,
        items: Items,
        span: Span,
        anchor: usize,
        tag: Option<&saphyr_parser::Tag>,
    ) -> Result<(), YamlError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(SourceError::new(
                &span,
                format!(
                    "YAML parsing failed: the document is nested more than {MAX_DEPTH} levels deep."
                ),
            ));
        }
        let kind = TagKind::of(tag);
        let found = match items {
            Items::Seq(_) => "sequence",
            Items::Map(_) => "mapping",
        };
        match &kind {
            TagKind::Unknown(name) => {
                return Err(construct_error(span, &unknown_tag_message(name)));
            }
            TagKind::Vault => {
                return Err(construct_error(
                    span,
                    "the '!vault' tag requires a string value",
                ));
            }
            TagKind::Unsafe => self.unsafe_depth += 1,
            other => {
                if let Some(required) = other.required_kind()
                    && required != found
                {
                    return Err(construct_error(
                        span,
                        &format!("expected a {required} node, but found {found}"),
                    ));
                }
            }
        }
        self.stack.push(Frame {
            items,
            span,
            anchor,
            tag: kind,
            size: 1,
        });
        Ok(())
    }

    /// Finishes the innermost collection.
    fn close(&mut self) -> Result<(Node, usize), YamlError> {
        let Some(frame) = self.stack.pop() else {
            return Err(SourceError::new(
                &self.last_end,
                "YAML parsing failed: a collection ends that never started.",
            ));
        };
        if frame.tag == TagKind::Unsafe {
            self.unsafe_depth = self.unsafe_depth.saturating_sub(1);
        }
        let value = match frame.items {
            Items::Seq(items) if frame.tag == TagKind::Pairs => pairs(items)?,
            Items::Seq(items) => Value::Seq(items),
            Items::Map(builder) => Value::Map(builder.finish(&mut self.warnings)),
        };
        let node = Node::new(value, frame.span);
        self.remember(frame.anchor, &node, frame.size);
        Ok((node, frame.size))
    }

    /// Adds a finished node to its parent; returns it when it is the document's root.
    fn attach(&mut self, node: Node, size: usize) -> Result<Option<Node>, YamlError> {
        let Some(parent) = self.stack.last_mut() else {
            return Ok(Some(node));
        };
        parent.size = parent.size.saturating_add(size);
        match &mut parent.items {
            Items::Seq(items) => items.push(node),
            Items::Map(m) if m.expects_key() => m.key(node, false)?,
            Items::Map(m) => m.value(node)?,
        }
        Ok(None)
    }

    fn attach_merge_key(&mut self, key: Node) -> Result<(), YamlError> {
        if let Some(Frame {
            items: Items::Map(m),
            ..
        }) = self.stack.last_mut()
        {
            m.key(key, true)?;
        }
        Ok(())
    }

    /// PyYAML refuses an anchor name defined twice in a document (saphyr would rebind).
    fn check_anchor(&mut self, anchor: usize, start: &Span) -> Result<(), YamlError> {
        if anchor == 0 {
            return Ok(());
        }
        let Some(name) = anchor_name(self.pos.text(), start.offset) else {
            return Ok(());
        };
        if let Some(first) = self.anchor_names.get(&name) {
            return Err(SourceError::new(
                start,
                format!(
                    "YAML parsing failed: found duplicate anchor '&{name}'; its first occurrence is at line {}, column {}.",
                    first.line, first.col
                ),
            )
            .with_help("Give each anchor a different name."));
        }
        self.anchor_names.insert(name, start.clone());
        Ok(())
    }

    fn remember(&mut self, anchor: usize, node: &Node, size: usize) {
        if anchor > 0 {
            self.anchors.insert(
                anchor,
                Anchored {
                    node: node.clone(),
                    size,
                },
            );
        }
    }

    /// A copy of the anchored node, counted against the alias budget.
    fn alias(&mut self, id: usize, at: &Span) -> Result<(Node, usize), YamlError> {
        let Some(anchored) = self.anchors.get(&id) else {
            return Err(syntax_error(
                at.clone(),
                &undefined_alias(self.pos.text(), at),
            ));
        };
        self.alias_nodes = self.alias_nodes.saturating_add(anchored.size);
        if self.alias_nodes > MAX_ALIAS_NODES {
            return Err(SourceError::new(
                at,
                format!(
                    "YAML parsing failed: aliases expand to more than {MAX_ALIAS_NODES} nodes; \
                     this looks like an alias bomb (\"billion laughs\")."
                ),
            ));
        }
        Ok((anchored.node.clone(), anchored.size))
    }

    /// saphyr places a block scalar at its first content line; PyYAML (and users) expect
    /// the `|` or `>` indicator. It is the first such character after the previous event,
    /// outside comments.
    fn block_scalar_start(&self, style: ScalarStyle, content: Span) -> Span {
        if !matches!(style, ScalarStyle::Literal | ScalarStyle::Folded) {
            return content;
        }
        let text = self.pos.text();
        let from = self.last_end.offset;
        if from >= content.offset
            || matches!(
                text.as_bytes().get(content.offset),
                Some(b'|' | b'>' | b'!' | b'&')
            )
        {
            return content;
        }
        let gap = &text[from..content.offset];
        let mut in_comment = false;
        let mut prev_blank = true;
        for (i, c) in gap.char_indices() {
            match c {
                '\n' | '\r' => in_comment = false,
                '#' if prev_blank => in_comment = true,
                '|' | '>' if !in_comment => return self.pos.advance(&self.last_end, from + i),
                _ => {}
            }
            prev_blank = c.is_whitespace();
        }
        content
    }

    /// A block scalar whose last line is the file's last line, without a line break.
    fn block_scalar_at_unterminated_eof(&self, style: ScalarStyle, end: &Span) -> bool {
        let text = self.pos.text();
        matches!(style, ScalarStyle::Literal | ScalarStyle::Folded)
            && end.offset >= text.len()
            && !text.ends_with(['\n', '\r'])
            && text
                .rsplit(['\n', '\r'])
                .next()
                .is_some_and(|last| !last.trim().is_empty())
    }

    /// `at` moved back onto a `- ` that is all that precedes it on its line.
    fn dash_before(&self, at: Span) -> Span {
        let text = self.pos.text();
        let line_start = text[..at.offset.min(text.len())]
            .rfind(['\n', '\r'])
            .map_or(0, |i| i + 1);
        let before = &text[line_start..at.offset.min(text.len())];
        let trimmed = before.trim_end_matches([' ', '\t']);
        if trimmed.ends_with('-') && trimmed[..trimmed.len() - 1].trim().is_empty() {
            return self
                .pos
                .shifted_back(&at, before.len() - (trimmed.len() - 1));
        }
        at
    }

    /// saphyr places a sequence that is not indented under its key (`key:\n- a`) after
    /// the first `- `; move it back onto the dash.
    fn sequence_start(&self, start: Span) -> Span {
        let bytes = self.pos.text().as_bytes();
        if matches!(bytes.get(start.offset), Some(b'-' | b'[' | b'!' | b'&')) {
            return start;
        }
        let mut back = 0;
        while back < start.offset && matches!(bytes[start.offset - back - 1], b' ' | b'\t') {
            back += 1;
        }
        if back < start.offset && bytes[start.offset - back - 1] == b'-' {
            return self.pos.shifted_back(&start, back + 1);
        }
        start
    }
}

/// `!!omap` / `!!pairs`: each entry a single-key mapping, read as a `[key, value]` pair.
fn pairs(items: Vec<Node>) -> Result<Value, YamlError> {
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let span = item.span.clone();
        match item.value {
            Value::Map(Mapping { mut entries }) if entries.len() == 1 => {
                if let Some((k, v)) = entries.pop() {
                    out.push(Node::new(Value::Seq(vec![k, v]), span));
                }
            }
            _ => {
                return Err(construct_error(
                    span,
                    "expected a single mapping item in an !!omap or !!pairs list",
                ));
            }
        }
    }
    Ok(Value::Seq(out))
}

/// "found undefined alias '*name'", with the name read from the text at `at`.
fn undefined_alias(text: &str, at: &Span) -> String {
    let rest = text.get(at.offset..).unwrap_or("");
    let name: String = rest
        .strip_prefix('*')
        .unwrap_or("")
        .chars()
        .take_while(|c| !c.is_whitespace() && !matches!(c, ',' | '[' | ']' | '{' | '}'))
        .collect();
    format!(
        "found undefined alias '*{name}': no anchor '&{name}' is defined before it in this document"
    )
}

/// The anchor name of a node starting at `offset` (`&name`, or `!tag &name`).
fn anchor_name(text: &str, offset: usize) -> Option<String> {
    let mut rest = text.get(offset..)?;
    if rest.starts_with('!') {
        let tag_end = rest.find(char::is_whitespace)?;
        rest = rest[tag_end..].trim_start();
    }
    let name: String = rest
        .strip_prefix('&')?
        .chars()
        .take_while(|c| !c.is_whitespace() && !matches!(c, ',' | '[' | ']' | '{' | '}'))
        .collect();
    (!name.is_empty()).then_some(name)
}
