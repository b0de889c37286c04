//! The benchmark's playbooks: the same files for ringmaster and ansible-playbook, each
//! engine writing under its own directory on the hosts so both start from a clean state.

use std::path::Path;

/// One benchmark scenario.
pub struct Workload {
    pub name: &'static str,
    pub hosts: usize,
    pub tasks: usize,
    pub facts: bool,
    pub mixed: bool,
}

pub const WORKLOADS: &[Workload] = &[
    Workload {
        name: "trivial, 20 hosts",
        hosts: 20,
        tasks: 10,
        facts: false,
        mixed: false,
    },
    Workload {
        name: "trivial, 50 hosts",
        hosts: 50,
        tasks: 10,
        facts: false,
        mixed: false,
    },
    Workload {
        name: "mixed, 50 hosts",
        hosts: 50,
        tasks: 10,
        facts: false,
        mixed: true,
    },
    Workload {
        name: "trivial + facts, 50 hosts",
        hosts: 50,
        tasks: 10,
        facts: true,
        mixed: false,
    },
];

/// Writes `site.yml` (and its template) into `dir` for `w`; files on the hosts go under
/// `/tmp/bench-{engine}`.
pub fn write_playbook(dir: &Path, w: &Workload, engine: &str) -> std::io::Result<()> {
    std::fs::create_dir_all(dir.join("templates"))?;
    std::fs::write(
        dir.join("templates/motd.j2"),
        "host {{ inventory_hostname }} ({{ ansible_host }})\nengine {{ engine }}\n",
    )?;
    let mut y = String::new();
    y.push_str("- hosts: bench\n");
    y.push_str(&format!("  gather_facts: {}\n", w.facts));
    y.push_str(&format!(
        "  vars:\n    engine: {engine}\n    base: /tmp/bench-{engine}\n"
    ));
    y.push_str("  tasks:\n");
    if w.mixed {
        y.push_str(MIXED);
    } else {
        for i in 1..=w.tasks {
            y.push_str(&format!("    - name: true {i}\n      command: /bin/true\n"));
        }
    }
    std::fs::write(dir.join("site.yml"), y)
}

/// Ten tasks: the modules a configuration playbook uses most.
const MIXED: &str = r#"    - name: directory
      file: {path: "{{ base }}", state: directory, mode: "0755"}
    - name: copy
      copy: {content: "managed by {{ engine }}\n", dest: "{{ base }}/copied.txt", mode: "0644"}
    - name: template
      template: {src: motd.j2, dest: "{{ base }}/motd"}
    - name: lineinfile
      lineinfile: {path: "{{ base }}/config", line: "setting=on", create: true}
    - name: command
      command: uname -r
      register: kernel
      changed_when: false
    - name: shell
      shell: "echo {{ kernel.stdout | length }} | wc -c"
      changed_when: false
    - name: stat
      stat: {path: "{{ base }}/motd"}
      register: motd
    - name: set_fact
      set_fact: {motd_size: "{{ motd.stat.size }}"}
    - name: debug
      debug: {msg: "motd is {{ motd_size }} bytes"}
    - name: directory again
      file: {path: "{{ base }}/sub", state: directory}
"#;
