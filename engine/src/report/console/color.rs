//! Ansible's default colours (`ansible.utils.color`, `config/base.yml` `COLOR_*`).

/// The colours the default callback uses, with Ansible's SGR codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Color {
    /// `COLOR_OK`, `COLOR_DIFF_ADD`
    Green,
    /// `COLOR_CHANGED`
    Yellow,
    /// `COLOR_SKIP`, `COLOR_DIFF_LINES`, `COLOR_INCLUDED`
    Cyan,
    /// `COLOR_ERROR`, `COLOR_DIFF_REMOVE`
    Red,
    /// `COLOR_UNREACHABLE`
    BrightRed,
    /// `COLOR_WARN`
    BrightPurple,
    /// `COLOR_DEPRECATE`
    Purple,
    /// `COLOR_DEBUG`
    DarkGray,
    /// `COLOR_VERBOSE`
    Blue,
}

impl Color {
    fn code(self) -> &'static str {
        match self {
            Color::Green => "0;32",
            Color::Yellow => "0;33",
            Color::Cyan => "0;36",
            Color::Red => "0;31",
            Color::BrightRed => "1;31",
            Color::BrightPurple => "1;35",
            Color::Purple => "0;35",
            Color::DarkGray => "1;30",
            Color::Blue => "0;34",
        }
    }
}

/// `stringc`: every line coloured on its own, so a trailing newline yields an empty
/// coloured line, exactly as Ansible writes it.
pub fn stringc(text: &str, color: Color) -> String {
    text.split('\n')
        .map(|line| format!("\x1b[{}m{line}\x1b[0m", color.code()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `Display.display(msg, color)`: one trailing newline is kept out of the colouring,
/// and a newline always ends the output.
pub fn display(msg: &str, color: Option<Color>, enabled: bool) -> String {
    let msg = msg.replace("\r\n", "\n");
    let body = msg.strip_suffix('\n').unwrap_or(&msg);
    let mut out = match color {
        Some(c) if enabled => stringc(body, c),
        _ => body.to_string(),
    };
    out.push('\n');
    out
}
