//! libyaml (Ansible's parser) ignores indentation inside quoted scalars and flow
//! collections; saphyr (YAML 1.2) refuses continuation lines not indented past the
//! enclosing block:
//!
//! ```yaml
//! - debug:
//!     msg: "a long
//!     text"          # libyaml: 'a long text'; saphyr: invalid indentation
//! ```
//!
//! When saphyr reports that, the loader re-parses a copy of the text with those lines
//! indented further (leading white space there carries no meaning) and maps positions
//! back to the original text.

/// Spaces inserted at the start of some lines of the text given to the parser.
#[derive(Debug, Clone, Default)]
pub(super) struct Relaxed {
    /// The text given to the parser.
    pub(super) text: String,
    /// `(1-based line, spaces inserted)`, sorted by line, one entry per line.
    insertions: Vec<(usize, usize)>,
    /// `before[i]`: spaces inserted by the first `i` entries.
    before: Vec<usize>,
}

/// How often the loader may re-parse before it reports the error.
pub(super) const MAX_RELAX: usize = 100;

impl Relaxed {
    pub(super) fn new(original: &str) -> Self {
        Relaxed {
            text: original.to_string(),
            insertions: Vec::new(),
            before: Vec::new(),
        }
    }

    /// Maps a parser position (1-based line, 0-based char column, byte offset in
    /// `self.text`) to the original text: `(byte offset, 0-based column)`.
    pub(super) fn to_original(&self, line: usize, col: usize, offset: usize) -> (usize, usize) {
        if self.insertions.is_empty() {
            return (offset, col);
        }
        let i = self.insertions.partition_point(|&(l, _)| l < line);
        let mut shift = self.before.get(i).copied().unwrap_or(0);
        let mut col = col;
        if let Some(&(l, k)) = self.insertions.get(i)
            && l == line
        {
            shift += col.min(k);
            col = col.saturating_sub(k);
        }
        (offset.saturating_sub(shift), col)
    }

    /// A copy with `count` more spaces at the start of each of `lines` (1-based) of the
    /// original text `original`, or `None` if nothing would change.
    pub(super) fn with_more(&self, original: &str, lines: &[usize], count: usize) -> Option<Self> {
        if lines.is_empty() || count == 0 {
            return None;
        }
        let mut map: std::collections::BTreeMap<usize, usize> =
            self.insertions.iter().copied().collect();
        for &l in lines {
            *map.entry(l).or_insert(0) += count;
        }
        let insertions: Vec<(usize, usize)> = map.into_iter().collect();
        let mut text = String::with_capacity(original.len() + insertions.len() * count);
        let mut next = insertions.iter().peekable();
        for (n, line) in original.split_inclusive('\n').enumerate() {
            if let Some(&&(l, k)) = next.peek()
                && l == n + 1
            {
                text.extend(std::iter::repeat_n(' ', k));
                next.next();
            }
            text.push_str(line);
        }
        let mut before = Vec::with_capacity(insertions.len() + 1);
        let mut sum = 0;
        before.push(0);
        for &(_, k) in &insertions {
            sum += k;
            before.push(sum);
        }
        Some(Relaxed {
            text,
            insertions,
            before,
        })
    }
}

/// The non-blank continuation lines (1-based) of the quoted scalar whose opening quote
/// is at byte `start` of `text`, or nothing if it never closes.
pub(super) fn quoted_continuation_lines(text: &str, start: usize, first_line: usize) -> Vec<usize> {
    let Some(quote) = text.get(start..).and_then(|s| s.chars().next()) else {
        return Vec::new();
    };
    if quote != '"' && quote != '\'' {
        return Vec::new();
    }
    let bytes = text.as_bytes();
    let mut i = start + 1;
    let mut line = first_line;
    let mut lines = Vec::new();
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'\\' if quote == '"' => i += 1,
            b'\'' if quote == '\'' && bytes.get(i + 1) == Some(&b'\'') => i += 1,
            b if b == quote as u8 => return lines,
            b'\n' => {
                line += 1;
                let rest = &text[i + 1..];
                let content = rest.split('\n').next().unwrap_or("");
                if !content.trim().is_empty() {
                    lines.push(line);
                }
            }
            _ => {}
        }
        i += 1;
    }
    Vec::new()
}
