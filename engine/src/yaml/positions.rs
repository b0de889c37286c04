//! Turns saphyr's markers (character index, 1-based line, 0-based column) into [`Span`]s
//! with byte offsets, without rescanning the text per node.

use std::sync::Arc;

use saphyr_parser::Marker;

use super::relax::Relaxed;
use crate::source::{SourceFile, Span};

/// Converts character indices to byte offsets with a cursor that moves from the previous
/// position, so a pass over the document in (mostly) increasing order is linear overall.
/// The parser may read a relaxed copy of the text (see `relax.rs`); spans always point
/// into the original.
pub(super) struct Positions<'a> {
    file: Arc<SourceFile>,
    parsed: &'a Relaxed,
    ascii: bool,
    cur_char: usize,
    cur_byte: usize,
}

impl<'a> Positions<'a> {
    pub(super) fn new(file: Arc<SourceFile>, parsed: &'a Relaxed) -> Self {
        let ascii = parsed.text.is_ascii();
        Positions {
            file,
            parsed,
            ascii,
            cur_char: 0,
            cur_byte: 0,
        }
    }

    pub(super) fn text(&self) -> &str {
        &self.file.text
    }

    /// The byte offset in the parsed text of the character at `char_index`.
    fn byte_of(&mut self, char_index: usize) -> usize {
        let text = self.parsed.text.as_str();
        if self.ascii {
            return char_index.min(text.len());
        }
        while self.cur_char < char_index {
            match text[self.cur_byte..].chars().next() {
                Some(c) => {
                    self.cur_byte += c.len_utf8();
                    self.cur_char += 1;
                }
                None => return self.cur_byte,
            }
        }
        while self.cur_char > char_index {
            match text[..self.cur_byte].chars().next_back() {
                Some(c) => {
                    self.cur_byte -= c.len_utf8();
                    self.cur_char -= 1;
                }
                None => break,
            }
        }
        self.cur_byte
    }

    /// The span of `marker` (1-based line and column).
    pub(super) fn span(&mut self, marker: Marker) -> Span {
        let parsed_offset = self.byte_of(marker.index());
        let (offset, col) = self
            .parsed
            .to_original(marker.line(), marker.col(), parsed_offset);
        Span::new(
            self.file.clone(),
            offset.min(self.file.text.len()),
            u32::try_from(marker.line().max(1)).unwrap_or(u32::MAX),
            u32::try_from(col + 1).unwrap_or(u32::MAX),
        )
    }

    /// A span at a byte offset on the same line as `near`, `back` ASCII characters before it.
    pub(super) fn shifted_back(&self, near: &Span, back: usize) -> Span {
        Span::new(
            self.file.clone(),
            near.offset - back,
            near.line,
            near.col
                .saturating_sub(u32::try_from(back).unwrap_or(0))
                .max(1),
        )
    }

    /// The span of byte `offset`, given a span `from` earlier in the text: walks forward
    /// counting lines and columns (used only over the short gap before a block scalar).
    pub(super) fn advance(&self, from: &Span, offset: usize) -> Span {
        let text = self.file.text.as_str();
        let (mut line, mut col) = (from.line, from.col);
        let gap = text.get(from.offset..offset).unwrap_or("");
        let mut chars = gap.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\n' => {
                    line += 1;
                    col = 1;
                }
                '\r' if chars.peek() != Some(&'\n') => {
                    line += 1;
                    col = 1;
                }
                '\r' => {}
                '\u{feff}' => {}
                _ => col += 1,
            }
        }
        Span::new(self.file.clone(), offset, line, col)
    }
}
