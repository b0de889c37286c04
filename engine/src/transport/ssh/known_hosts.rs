//! Host key verification as OpenSSH does it: `known_hosts` files with plain, wildcard,
//! negated and hashed (`|1|salt|hash`) host patterns, `[host]:port` for ports other than
//! 22, and `@revoked` markers. The outcome names the file and line that disagrees.

use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use russh::keys::{HashAlg, PublicKey};
use sha1::{Digest, Sha1};

use super::options::Strictness;

/// What the known_hosts files say about a server's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Known,
    Unknown,
    /// Another key of the same type is recorded for the host at `file:line`.
    Changed {
        file: PathBuf,
        line: usize,
    },
    Revoked {
        file: PathBuf,
        line: usize,
    },
}

/// The name a host is recorded under: `host`, or `[host]:port` off port 22.
pub fn host_entry_name(host: &str, port: u16) -> String {
    if port == 22 {
        host.to_string()
    } else {
        format!("[{host}]:{port}")
    }
}

/// OpenSSH's short key type name for messages (`ED25519`, `ECDSA`, `RSA`).
pub fn key_type_label(key: &PublicKey) -> &'static str {
    use russh::keys::Algorithm;
    match key.algorithm() {
        Algorithm::Ed25519 => "ED25519",
        Algorithm::Ecdsa { .. } => "ECDSA",
        Algorithm::Rsa { .. } => "RSA",
        Algorithm::Dsa => "DSA",
        _ => "host",
    }
}

pub fn fingerprint(key: &PublicKey) -> String {
    key.fingerprint(HashAlg::Sha256).to_string()
}

fn hmac_sha1(key: &[u8], message: &[u8]) -> [u8; 20] {
    const BLOCK: usize = 64;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..20].copy_from_slice(&Sha1::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.map(|b| b ^ byte);
    let inner = Sha1::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha1::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

/// `*` and `?` wildcards, as in OpenSSH's `match_pattern`.
fn wildcard(pattern: &[u8], name: &[u8]) -> bool {
    match (pattern.first(), name.first()) {
        (None, _) => name.is_empty(),
        (Some(b'*'), _) => (0..=name.len()).any(|i| wildcard(&pattern[1..], &name[i..])),
        (Some(b'?'), Some(_)) => wildcard(&pattern[1..], &name[1..]),
        (Some(p), Some(n)) if p.eq_ignore_ascii_case(n) => wildcard(&pattern[1..], &name[1..]),
        _ => false,
    }
}

fn hashed_matches(entry: &str, name: &str) -> bool {
    let mut parts = entry.trim_start_matches("|1|").split('|');
    let (Some(salt), Some(hash)) = (parts.next(), parts.next()) else {
        return false;
    };
    match (STANDARD.decode(salt), STANDARD.decode(hash)) {
        (Ok(salt), Ok(hash)) => hmac_sha1(&salt, name.as_bytes()).as_slice() == hash.as_slice(),
        _ => false,
    }
}

/// Whether a comma-separated host pattern list names `name` (a negated match wins).
fn patterns_match(patterns: &str, name: &str) -> bool {
    if patterns.starts_with("|1|") {
        return hashed_matches(patterns, name);
    }
    let mut matched = false;
    for pattern in patterns.split(',') {
        match pattern.strip_prefix('!') {
            Some(negated) if wildcard(negated.as_bytes(), name.as_bytes()) => return false,
            Some(_) => {}
            None => matched |= wildcard(pattern.as_bytes(), name.as_bytes()),
        }
    }
    matched
}

/// Checks `key` for `host`:`port` against `files` (in order, all of them).
pub fn check(files: &[PathBuf], host: &str, port: u16, key: &PublicKey) -> Verdict {
    let name = host_entry_name(host, port);
    let mut changed = None;
    let mut known = false;
    for file in files {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        for (index, line) in text.lines().enumerate() {
            let mut fields = line.split_whitespace();
            let mut first = fields.next();
            let revoked = first == Some("@revoked");
            if first.is_some_and(|f| f.starts_with('@')) {
                if !revoked {
                    continue; // @cert-authority: host certificates are not offered.
                }
                first = fields.next();
            }
            let (Some(patterns), Some(_kind), Some(blob)) = (first, fields.next(), fields.next())
            else {
                continue;
            };
            if patterns.starts_with('#') || !patterns_match(patterns, &name) {
                continue;
            }
            let Ok(recorded) = russh::keys::parse_public_key_base64(blob) else {
                continue;
            };
            let same_key = recorded.key_data() == key.key_data();
            let at = || (file.clone(), index + 1);
            if revoked && same_key {
                let (file, line) = at();
                return Verdict::Revoked { file, line };
            }
            if revoked {
                continue;
            }
            if same_key {
                known = true;
            } else if recorded.algorithm().as_str() == key.algorithm().as_str()
                || (recorded.algorithm().is_rsa() && key.algorithm().is_rsa())
            {
                changed = changed.or_else(|| Some(at()));
            }
        }
    }
    match (known, changed) {
        (true, _) => Verdict::Known,
        (false, Some((file, line))) => Verdict::Changed { file, line },
        (false, None) => Verdict::Unknown,
    }
}

/// The key types recorded for `host`:`port`, so the handshake can ask the server for a
/// key we can verify (OpenSSH orders its host key algorithms the same way).
pub fn known_algorithms(files: &[PathBuf], host: &str, port: u16) -> Vec<russh::keys::Algorithm> {
    let name = host_entry_name(host, port);
    let mut found: Vec<russh::keys::Algorithm> = Vec::new();
    for file in files {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        for line in text.lines() {
            let mut fields = line.split_whitespace();
            let (Some(patterns), Some(_kind), Some(blob)) =
                (fields.next(), fields.next(), fields.next())
            else {
                continue;
            };
            if patterns.starts_with(['#', '@']) || !patterns_match(patterns, &name) {
                continue;
            }
            if let Ok(key) = russh::keys::parse_public_key_base64(blob)
                && !found.contains(&key.algorithm())
            {
                found.push(key.algorithm());
            }
        }
    }
    found
}

/// Whether to go on with a server offering `key`; `Err` carries OpenSSH's wording.
pub fn verify(
    files: &[PathBuf],
    strictness: Strictness,
    host: &str,
    port: u16,
    key: &PublicKey,
) -> Result<(), String> {
    if strictness == Strictness::No {
        return Ok(());
    }
    let name = host_entry_name(host, port);
    let kind = key_type_label(key);
    match check(files, host, port, key) {
        Verdict::Known => Ok(()),
        Verdict::Unknown if strictness == Strictness::AcceptNew => {
            if let Some(file) = files.first() {
                learn(file, &name, key);
            }
            Ok(())
        }
        // What ansible-playbook reports (recorded): OpenSSH's "No ED25519 host key is
        // known for ..." goes to the terminal, not into the message.
        Verdict::Unknown => Err("Host key verification failed.".to_string()),
        Verdict::Changed { file, line } => Err(format!(
            "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\r\n\
             @    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\r\n\
             @@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\r\n\
             IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!\r\n\
             Someone could be eavesdropping on you right now (man-in-the-middle attack)!\r\n\
             It is also possible that a host key has just been changed.\r\n\
             The fingerprint for the {kind} key sent by the remote host is\n\
             {}.\r\n\
             Please contact your system administrator.\r\n\
             Add correct host key in {} to get rid of this message.\r\n\
             Offending {kind} key in {}:{line}\r\n  \
             remove with:\r\n  \
             ssh-keygen -f \"{}\" -R \"{name}\"\r\n\
             Host key for {name} has changed and you have requested strict checking.\r\n\
             Host key verification failed.",
            fingerprint(key),
            files.first().unwrap_or(&file).display(),
            file.display(),
            file.display(),
        )),
        Verdict::Revoked { file, line } => Err(format!(
            "Host key {} {} revoked by file {}:{line}\r\nHost key verification failed.",
            kind,
            fingerprint(key),
            file.display()
        )),
    }
}

/// Appends `name key` to `file` (`StrictHostKeyChecking=accept-new`); a failure to
/// record is not a reason to refuse the connection, as in OpenSSH.
fn learn(file: &Path, name: &str, key: &PublicKey) {
    use std::io::Write;
    let Ok(encoded) = key.to_openssh() else {
        return;
    };
    if let Some(dir) = file.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(file)
    {
        let _ = writeln!(f, "{name} {encoded}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_sha1_matches_rfc_2202() {
        let mac = hmac_sha1(b"Jefe", b"what do ya want for nothing?");
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
    }

    #[test]
    fn host_patterns_follow_openssh() {
        assert!(patterns_match("web1,[10.0.0.1]:2222", "[10.0.0.1]:2222"));
        assert!(patterns_match("*.example.com", "a.example.com"));
        assert!(!patterns_match(
            "*.example.com,!bad.example.com",
            "bad.example.com"
        ));
        assert!(patterns_match("10.0.0.?", "10.0.0.7"));
        assert!(!patterns_match("web1", "web10"));
        // `ssh-keygen -H` output for "[127.0.0.1]:2222" with this salt.
        let salt = [7u8; 20];
        let hash = hmac_sha1(&salt, b"[127.0.0.1]:2222");
        let entry = format!("|1|{}|{}", STANDARD.encode(salt), STANDARD.encode(hash));
        assert!(patterns_match(&entry, "[127.0.0.1]:2222"));
        assert!(!patterns_match(&entry, "127.0.0.1"));
    }
}
