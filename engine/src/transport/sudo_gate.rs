//! `become_method: sudo` with a password, as Ansible's sudo plugin does it: sudo gets a
//! unique prompt (`-p`), the command first prints a unique success marker. The password
//! is sent only once the prompt appears on stderr, the command's own input only once the
//! marker appears on stdout. So a host where sudo asks for no password (root, NOPASSWD,
//! cached credentials) never receives the password as the command's input.

use modules::runtime::{ExecOutput, quote};

/// What the channel reader must do after some output arrived.
#[derive(Debug, PartialEq, Eq)]
pub enum GateEvent {
    Wait,
    /// sudo prompted: send the password line.
    SendPassword,
    /// The command runs: start sending its input.
    Released,
    /// sudo prompted again: the password was wrong; close its input.
    WrongPassword,
}

/// The prompt/marker exchange of one command.
pub struct Gate {
    prompt: Vec<u8>,
    marker: Vec<u8>,
    pub password: String,
    released: bool,
    prompts: usize,
    /// Stdout before the marker line is complete.
    head: Vec<u8>,
    /// Where in stderr to look for the next prompt.
    scan_from: usize,
}

impl Gate {
    /// The command line running `cmd` as `user` through sudo, and its gate.
    pub fn sudo(user: &str, password: &str, cmd: &str) -> (String, Gate) {
        let key = format!(
            "{:016x}{:016x}",
            rand::random::<u64>(),
            rand::random::<u64>()
        );
        let prompt = format!("[sudo via ringmaster, key={key}] password:");
        let marker = format!("BECOME-SUCCESS-{key}");
        let user = if user.is_empty() { "root" } else { user };
        let inner = format!("echo {marker}; {cmd}");
        let argv = [
            "sudo", "-H", "-S", "-p", &prompt, "-u", user, "/bin/sh", "-c", &inner,
        ];
        let words: Vec<String> = argv.iter().map(|a| quote(a)).collect();
        let gate = Gate {
            prompt: prompt.into_bytes(),
            marker: format!("{marker}\n").into_bytes(),
            password: password.to_string(),
            released: false,
            prompts: 0,
            head: Vec::new(),
            scan_from: 0,
        };
        (format!("exec {}", words.join(" ")), gate)
    }

    pub fn on_stdout(&mut self, data: &[u8], out: &mut ExecOutput) -> GateEvent {
        if self.released {
            out.stdout.extend_from_slice(data);
            return GateEvent::Wait;
        }
        self.head.extend_from_slice(data);
        let n = self.marker.len().min(self.head.len());
        if self.head[..n] != self.marker[..n] {
            // Not our marker (cannot happen with sudo): hand everything through.
            self.released = true;
            out.stdout.append(&mut self.head);
            return GateEvent::Released;
        }
        if self.head.len() < self.marker.len() {
            return GateEvent::Wait;
        }
        self.released = true;
        out.stdout
            .extend_from_slice(&self.head[self.marker.len()..]);
        self.head.clear();
        GateEvent::Released
    }

    pub fn on_stderr(&mut self, data: &[u8], out: &mut ExecOutput) -> GateEvent {
        out.stderr.extend_from_slice(data);
        if self.released {
            return GateEvent::Wait;
        }
        let hay = &out.stderr[self.scan_from..];
        let Some(at) = hay
            .windows(self.prompt.len())
            .position(|w| w == self.prompt.as_slice())
        else {
            return GateEvent::Wait;
        };
        let start = self.scan_from + at;
        out.stderr.drain(start..start + self.prompt.len());
        self.scan_from = start;
        self.prompts += 1;
        if self.prompts == 1 {
            GateEvent::SendPassword
        } else {
            GateEvent::WrongPassword
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_marker_is_stripped_and_split_prompts_are_found() {
        let (line, mut gate) = Gate::sudo("nobody", "pw", "id");
        assert!(line.starts_with("exec sudo -H -S -p '[sudo via ringmaster, key="));
        assert!(!line.contains("pw'"));
        let prompt = String::from_utf8(gate.prompt.clone()).unwrap();
        let marker = String::from_utf8(gate.marker.clone()).unwrap();
        let mut out = ExecOutput::default();
        let (a, b) = prompt.split_at(10);
        assert_eq!(gate.on_stderr(a.as_bytes(), &mut out), GateEvent::Wait);
        assert_eq!(
            gate.on_stderr(b.as_bytes(), &mut out),
            GateEvent::SendPassword
        );
        assert_eq!(out.stderr, b"");
        let (a, b) = marker.split_at(5);
        assert_eq!(gate.on_stdout(a.as_bytes(), &mut out), GateEvent::Wait);
        let rest = format!("{b}uid=65534");
        assert_eq!(
            gate.on_stdout(rest.as_bytes(), &mut out),
            GateEvent::Released
        );
        assert_eq!(out.stdout, b"uid=65534");
        assert_eq!(gate.on_stderr(prompt.as_bytes(), &mut out), GateEvent::Wait);
    }

    #[test]
    fn a_second_prompt_means_a_wrong_password() {
        let (_, mut gate) = Gate::sudo("", "pw", "id");
        let prompt = gate.prompt.clone();
        let mut out = ExecOutput::default();
        assert_eq!(gate.on_stderr(&prompt, &mut out), GateEvent::SendPassword);
        out.stderr.extend_from_slice(b"Sorry, try again.\n");
        assert_eq!(gate.on_stderr(&prompt, &mut out), GateEvent::WrongPassword);
        assert_eq!(out.stderr, b"Sorry, try again.\n");
    }
}
