//! How the console prints, and Ansible's rules for colour and banner width.

/// Width Ansible pads banners to when stdout is not a terminal (`max(79, cols - 1)`).
pub const NON_TTY_COLUMNS: usize = 79;

/// How the console prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConsoleOptions {
    /// Number of `-v` given.
    pub verbosity: u8,
    /// ANSI colours (a TTY or `ANSIBLE_FORCE_COLOR`, never with `NO_COLOR` /
    /// `ANSIBLE_NOCOLOR`): decided by the caller.
    pub color: bool,
    /// `display_skipped_hosts` (on by default).
    pub show_skipped: bool,
    /// Banner width: `NON_TTY_COLUMNS`, or the terminal width minus one (at least 79).
    pub columns: usize,
}

impl Default for ConsoleOptions {
    fn default() -> Self {
        ConsoleOptions {
            verbosity: 0,
            color: false,
            show_skipped: true,
            columns: NON_TTY_COLUMNS,
        }
    }
}

/// Ansible's colour decision (`ansible.utils.color`): off when `ANSIBLE_NOCOLOR` /
/// `NO_COLOR` is true (as Ansible reads booleans: `1`, `yes`, `true`, `on`, `y`, `t`;
/// the last one set wins) or stdout is not a terminal; then `ANSIBLE_FORCE_COLOR` true
/// turns it on regardless — exactly like ansible-playbook, where forcing beats `NO_COLOR`.
pub fn ansible_color(env: impl Fn(&str) -> Option<String>, stdout_is_tty: bool) -> bool {
    let nocolor = ["ANSIBLE_NOCOLOR", "NO_COLOR"]
        .iter()
        .filter_map(|name| env(name))
        .last()
        .is_some_and(|v| ansible_bool(&v));
    let force = env("ANSIBLE_FORCE_COLOR").is_some_and(|v| ansible_bool(&v));
    force || (!nocolor && stdout_is_tty)
}

/// `Display._set_column_width`: the terminal width minus one, at least 79.
pub fn banner_columns(tty_width: Option<usize>) -> usize {
    tty_width
        .map(|w| w.saturating_sub(1))
        .unwrap_or(0)
        .max(NON_TTY_COLUMNS)
}

/// Ansible's `boolean()` for config strings.
fn ansible_bool(v: &str) -> bool {
    matches!(
        v.trim().to_ascii_lowercase().as_str(),
        "y" | "yes" | "on" | "1" | "true" | "t" | "1.0"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    /// Checked against ansible-playbook 2.19 (under `script` for a terminal).
    #[test]
    fn colour_follows_ansible_precedence() {
        assert!(ansible_color(env(&[]), true));
        assert!(!ansible_color(env(&[]), false));
        assert!(!ansible_color(env(&[("NO_COLOR", "1")]), true));
        assert!(!ansible_color(env(&[("ANSIBLE_NOCOLOR", "true")]), true));
        // Not a true boolean for Ansible: colour stays on.
        assert!(ansible_color(env(&[("NO_COLOR", "whatever")]), true));
        assert!(ansible_color(env(&[("ANSIBLE_FORCE_COLOR", "yes")]), false));
        assert!(!ansible_color(
            env(&[("ANSIBLE_FORCE_COLOR", "whatever")]),
            false
        ));
        assert!(ansible_color(
            env(&[("NO_COLOR", "1"), ("ANSIBLE_FORCE_COLOR", "1")]),
            false
        ));
    }

    #[test]
    fn banners_are_79_columns_off_a_terminal() {
        assert_eq!(banner_columns(None), 79);
        assert_eq!(banner_columns(Some(60)), 79);
        assert_eq!(banner_columns(Some(200)), 199);
    }
}
