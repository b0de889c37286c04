//! Source files and positions: every value read from a user's file remembers where it
//! came from, so every error can name the file, line and column.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The text of one file the user gave us (playbook, inventory, vars file, ...).
#[derive(Debug)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
}

impl SourceFile {
    pub fn new(path: impl Into<PathBuf>, text: impl Into<String>) -> Arc<Self> {
        Arc::new(SourceFile {
            path: path.into(),
            text: text.into(),
        })
    }

    /// Reads a file; the error names the path.
    pub fn read(path: &Path) -> Result<Arc<Self>, SourceError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Ok(Self::new(path, text)),
            Err(e) => Err(SourceError::plain(format!(
                "could not read '{}': {}",
                path.display(),
                e
            ))),
        }
    }

    /// The 1-based line `line` of the file, without its newline.
    pub fn line_text(&self, line: u32) -> Option<&str> {
        self.text.lines().nth(line.checked_sub(1)? as usize)
    }
}

/// A position in a source file: 1-based line and column, 0-based byte offset.
#[derive(Clone)]
pub struct Span {
    pub file: Arc<SourceFile>,
    pub offset: usize,
    pub line: u32,
    pub col: u32,
}

impl Span {
    pub fn new(file: Arc<SourceFile>, offset: usize, line: u32, col: u32) -> Self {
        Span {
            file,
            offset,
            line,
            col,
        }
    }

    /// A span for values that have no file (command line, computed values).
    pub fn synthetic(what: &str) -> Self {
        Span {
            file: SourceFile::new(what, ""),
            offset: 0,
            line: 0,
            col: 0,
        }
    }

    pub fn path(&self) -> &Path {
        &self.file.path
    }

    pub fn is_synthetic(&self) -> bool {
        self.line == 0
    }
}

impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.path.display(), self.line, self.col)
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_synthetic() {
            write!(f, "{}", self.file.path.display())
        } else {
            write!(f, "{}:{}:{}", self.file.path.display(), self.line, self.col)
        }
    }
}

/// An error about the user's input, optionally located in a file.
///
/// Every layer (yaml, inventory, playbook, templating) reports bad input as this type so
/// the binary can print one uniform message: what is wrong, where, and what was expected.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct SourceError {
    pub message: String,
    pub span: Option<Span>,
    /// A hint such as "did you mean 'hosts'?".
    pub help: Option<String>,
    /// Which exit code the error ends the run with (ansible-playbook's distinction).
    pub class: ErrorClass,
}

/// ansible-playbook exits 4 on input it cannot parse and 1 on other errors (a missing
/// file, an unknown role, a host pattern that matches nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ErrorClass {
    #[default]
    Parse,
    General,
}

impl SourceError {
    pub fn new(span: &Span, message: impl Into<String>) -> Self {
        SourceError {
            message: message.into(),
            span: Some(span.clone()),
            help: None,
            class: ErrorClass::Parse,
        }
    }

    pub fn plain(message: impl Into<String>) -> Self {
        SourceError {
            message: message.into(),
            span: None,
            help: None,
            class: ErrorClass::Parse,
        }
    }

    /// Marks the error as a general one (exit code 1), e.g. a file that does not exist.
    pub fn general(mut self) -> Self {
        self.class = ErrorClass::General;
        self
    }

    /// The exit code ansible-playbook gives for this error.
    pub fn exit_code(&self) -> i32 {
        match self.class {
            ErrorClass::Parse => 4,
            ErrorClass::General => 1,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Renders the error the way ansible-core 2.19 prints it: `[ERROR]: message`, the
    /// origin `file:line:col`, the offending line with up to two lines before it, a caret
    /// under the column, and the hint.
    pub fn render(&self) -> String {
        self.render_as("ERROR")
    }

    /// Renders as `[LEVEL]: ...` (e.g. `WARNING` for input ansible accepts with a warning).
    pub fn render_as(&self, level: &str) -> String {
        let mut out = format!("[{level}]: {}", self.message);
        if let Some(span) = &self.span {
            if span.is_synthetic() {
                out.push_str(&format!("\nOrigin: {}", span.path().display()));
            } else {
                out.push_str(&format!(
                    "\nOrigin: {}:{}:{}",
                    span.path().display(),
                    span.line,
                    span.col
                ));
                out.push_str(&excerpt(&span.file, span.line, span.col));
            }
        }
        if let Some(help) = &self.help {
            out.push_str(&format!("\n\n{help}"));
        }
        out
    }
}

/// Lines `line-2..=line` of `file`, numbered, and a caret under `col`.
fn excerpt(file: &SourceFile, line: u32, col: u32) -> String {
    let first = line.saturating_sub(2).max(1);
    let width = line.to_string().len();
    let mut out = String::from("\n");
    for n in first..=line {
        match file.line_text(n) {
            Some(text) => out.push_str(&format!("\n{n:>width$} {text}")),
            None => return String::new(),
        }
    }
    let pad = " ".repeat(width + col as usize);
    out.push_str(&format!("\n{pad}^ column {col}"));
    out
}
