//! File modes as Ansible accepts them: octal (`0644`, `644`, the int 420 that YAML makes
//! of `0644`) or symbolic like chmod (`u+rwx,g-w,o=`), resolved against the current mode
//! exactly as `AnsibleModule._symbolic_mode_to_octal` does.

use crate::runtime::ModuleError;

const S_ISUID: u32 = 0o4000;
const S_ISGID: u32 = 0o2000;
const S_ISVTX: u32 = 0o1000;
const PERM_BITS: u32 = 0o7777;

/// A requested mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Mode {
    Octal(u32),
    Symbolic(String),
}

impl Mode {
    /// Parses a mode string: octal digits (optionally `0o`-prefixed) or a symbolic mode.
    pub(crate) fn parse(text: &str) -> Result<Mode, ModuleError> {
        let digits = text.strip_prefix("0o").unwrap_or(text);
        if !digits.is_empty() && digits.chars().all(|c| c.is_digit(8)) {
            let bits = u32::from_str_radix(digits, 8)
                .ok()
                .filter(|b| *b <= PERM_BITS);
            return bits.map(Mode::Octal).ok_or_else(|| {
                ModuleError::Failed(format!(
                    "Invalid mode supplied, only permission info is allowed: {text}"
                ))
            });
        }
        // Validate now so a typo fails before anything is touched.
        apply_symbolic(0, false, 0o022, text)?;
        Ok(Mode::Symbolic(text.to_string()))
    }

    /// The permission bits this mode gives a file whose current bits are `current`.
    pub(crate) fn resolve(
        &self,
        current: u32,
        is_dir: bool,
        umask: u32,
    ) -> Result<u32, ModuleError> {
        match self {
            Mode::Octal(bits) => Ok(*bits),
            Mode::Symbolic(text) => apply_symbolic(current, is_dir, umask, text),
        }
    }
}

/// Formats permission bits as Ansible reports them (`0644`, `01777`).
pub(crate) fn format_mode(bits: u32) -> String {
    format!("0{bits:03o}")
}

/// Applies a symbolic mode (`u=rwX,g-w,+t`) to `current`.
pub(crate) fn apply_symbolic(
    current: u32,
    is_dir: bool,
    umask: u32,
    symbolic: &str,
) -> Result<u32, ModuleError> {
    let bad = |clause: &str| {
        ModuleError::Failed(format!(
            "mode must be in octal or symbolic form: bad symbolic permission for mode: {clause}"
        ))
    };
    let mut mode = current & PERM_BITS;
    for clause in symbolic.split(',') {
        let first_op = clause.find(['+', '-', '=']).ok_or_else(|| bad(clause))?;
        let users_text = &clause[..first_op];
        let use_umask = users_text.is_empty();
        let users = if users_text.is_empty() || users_text == "a" {
            "ugo"
        } else {
            users_text
        };
        if !users.chars().all(|c| "ugo".contains(c)) {
            return Err(bad(clause));
        }
        // Each operator is followed by its perms: "u+r-w" is (+, "r"), (-, "w").
        let rest = &clause[first_op..];
        let mut pieces: Vec<(char, &str)> = Vec::new();
        let ops: Vec<(usize, char)> = rest
            .char_indices()
            .filter(|(_, c)| "+-=".contains(*c))
            .collect();
        for (n, (at, op)) in ops.iter().enumerate() {
            let end = ops.get(n + 1).map_or(rest.len(), |(next, _)| *next);
            pieces.push((*op, &rest[at + 1..end]));
        }
        for (op, perms) in pieces {
            if !perms.chars().all(|c| "rwxXstugo".contains(c)) {
                return Err(bad(clause));
            }
            for user in users.chars() {
                let bits = perms_to_bits(mode, is_dir, umask, use_umask, user, perms);
                mode = apply_operation(user, op, bits, mode);
            }
        }
    }
    Ok(mode)
}

fn perms_to_bits(
    prev: u32,
    is_dir: bool,
    umask: u32,
    use_umask: bool,
    user: char,
    perms: &str,
) -> u32 {
    let rev_umask = umask ^ PERM_BITS;
    let apply_x = is_dir || prev & 0o111 != 0;
    let masked = |bit: u32| if use_umask { rev_umask & bit } else { bit };
    let shift = match user {
        'u' => 6,
        'g' => 3,
        _ => 0,
    };
    perms.chars().fold(0, |acc, perm| {
        let bit = match perm {
            'r' => masked(0o4 << shift),
            'w' => masked(0o2 << shift),
            'x' => masked(0o1 << shift),
            'X' if apply_x => 0o1 << shift,
            'X' => 0,
            's' => match user {
                'u' => S_ISUID,
                'g' => S_ISGID,
                _ => 0,
            },
            't' if user == 'o' => S_ISVTX,
            't' => 0,
            // Copy another class's bits: take its rwx and move them to this class.
            'u' => ((prev >> 6) & 0o7) << shift,
            'g' => ((prev >> 3) & 0o7) << shift,
            'o' => (prev & 0o7) << shift,
            _ => 0,
        };
        acc | bit
    })
}

fn apply_operation(user: char, op: char, bits: u32, current: u32) -> u32 {
    match op {
        '=' => {
            let mask = match user {
                'u' => 0o700 | S_ISUID,
                'g' => 0o070 | S_ISGID,
                _ => 0o007 | S_ISVTX,
            };
            (current & (mask ^ PERM_BITS)) | bits
        }
        '+' => current | bits,
        _ => current - (current & bits),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sym(current: u32, is_dir: bool, text: &str) -> u32 {
        apply_symbolic(current, is_dir, 0o022, text).unwrap()
    }

    #[test]
    fn octal_strings_and_prefixes() {
        assert_eq!(Mode::parse("0644").unwrap(), Mode::Octal(0o644));
        assert_eq!(Mode::parse("644").unwrap(), Mode::Octal(0o644));
        assert_eq!(Mode::parse("0o755").unwrap(), Mode::Octal(0o755));
        assert_eq!(Mode::parse("1777").unwrap(), Mode::Octal(0o1777));
        assert!(Mode::parse("17777").is_err());
        assert!(Mode::parse("u+q").is_err());
        assert!(Mode::parse("z=r").is_err());
        assert_eq!(format_mode(0o644), "0644");
        assert_eq!(format_mode(0o1777), "01777");
        assert_eq!(format_mode(0o7), "0007");
    }

    #[test]
    fn symbolic_like_ansible() {
        // Values from ansible 2.19's AnsibleModule._symbolic_mode_to_octal (umask 022).
        assert_eq!(sym(0o644, false, "u+x"), 0o744);
        assert_eq!(sym(0o755, true, "u=rwx,g=rx"), 0o755);
        assert_eq!(sym(0o777, false, "g-w,o-w"), 0o755);
        assert_eq!(sym(0o644, false, "a+X"), 0o644);
        assert_eq!(sym(0o744, false, "a+X"), 0o755);
        assert_eq!(sym(0o600, true, "go+X"), 0o611);
        assert_eq!(sym(0o000, false, "+w"), 0o200);
        assert_eq!(sym(0o000, false, "a+w"), 0o222);
        assert_eq!(sym(0o640, false, "o=g"), 0o644);
        assert_eq!(sym(0o644, false, "u+s,o+t"), 0o5644);
        assert_eq!(sym(0o4755, false, "u=rw"), 0o655);
        assert_eq!(sym(0o777, false, "u=rwx,g=,o="), 0o700);
        assert_eq!(sym(0o644, false, "u+x-w"), 0o544);
    }
}
