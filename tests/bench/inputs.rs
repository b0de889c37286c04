//! Generates the large inputs the load benchmark reads: a playbook of 5,000 tasks spread
//! over 200 roles, and a 10,000-host INI inventory with group_vars and host_vars.

use std::fmt::Write as _;
use std::path::Path;

pub const ROLES: usize = 200;
pub const TASKS_PER_ROLE: usize = 24;
pub const PLAY_TASKS: usize = 5_000 - ROLES * TASKS_PER_ROLE;
pub const HOSTS: usize = 10_000;
pub const GROUPS: usize = 50;

/// Writes `site.yml`, `roles/`, `hosts.ini`, `group_vars/` and `host_vars/` under `dir`.
pub fn write_inputs(dir: &Path) -> std::io::Result<()> {
    let mut site = String::from(
        "- name: Big play\n  hosts: all\n  gather_facts: false\n  vars:\n    greeting: hello\n  roles:\n",
    );
    for r in 0..ROLES {
        let _ = writeln!(site, "    - role: role{r:03}\n      tags: [r{r}]");
    }
    site.push_str("  tasks:\n");
    for t in 0..PLAY_TASKS {
        let _ = writeln!(
            site,
            "    - name: play task {t} {{{{ greeting }}}}\n      ansible.builtin.command: /bin/true\n      tags: [t{t}]\n      when: inventory_hostname != 'none'"
        );
    }
    std::fs::write(dir.join("site.yml"), site)?;

    for r in 0..ROLES {
        let role = dir.join(format!("roles/role{r:03}"));
        for sub in ["tasks", "defaults", "handlers", "meta"] {
            std::fs::create_dir_all(role.join(sub))?;
        }
        let mut tasks = String::new();
        for t in 0..TASKS_PER_ROLE {
            let _ = writeln!(
                tasks,
                "- name: role {r} task {t}\n  ansible.builtin.copy:\n    content: \"{{{{ role_var_{r} }}}} {t}\\n\"\n    dest: /tmp/rm-bench-{r}-{t}\n    mode: '0644'\n  notify: handler {r}"
            );
        }
        std::fs::write(role.join("tasks/main.yml"), tasks)?;
        std::fs::write(
            role.join("defaults/main.yml"),
            format!("role_var_{r}: value {r}\nport: {}\n", 8000 + r),
        )?;
        std::fs::write(
            role.join("handlers/main.yml"),
            format!("- name: handler {r}\n  ansible.builtin.debug:\n    msg: handled\n"),
        )?;
        // Dependencies are expanded per use (as ansible lists them), so a chain would
        // multiply tasks; the benchmark keeps every role's own 24 tasks.
        let deps = "dependencies: []\n".to_string();
        std::fs::write(role.join("meta/main.yml"), deps)?;
    }

    let mut inv = String::new();
    let per_group = HOSTS / GROUPS;
    for g in 0..GROUPS {
        let _ = writeln!(inv, "[group{g:02}]");
        for h in 0..per_group {
            let n = g * per_group + h;
            let _ = writeln!(
                inv,
                "host{n:05} ansible_host=127.0.{}.{} idx={n}",
                n / 250,
                n % 250 + 1
            );
        }
        let _ = writeln!(inv, "\n[group{g:02}:vars]\ngroup_number={g}\n");
    }
    inv.push_str("[ring:children]\n");
    for g in 0..GROUPS {
        let _ = writeln!(inv, "group{g:02}");
    }
    std::fs::write(dir.join("hosts.ini"), inv)?;

    std::fs::create_dir_all(dir.join("group_vars"))?;
    std::fs::write(
        dir.join("group_vars/all.yml"),
        "ntp_server: ntp.example.com\npackages: [a, b, c]\n",
    )?;
    for g in 0..GROUPS {
        std::fs::write(
            dir.join(format!("group_vars/group{g:02}.yml")),
            format!("rack: r{g}\nlimits:\n  cpu: {g}\n"),
        )?;
    }
    std::fs::create_dir_all(dir.join("host_vars"))?;
    for h in (0..HOSTS).step_by(100) {
        std::fs::write(
            dir.join(format!("host_vars/host{h:05}.yml")),
            "special: true\n",
        )?;
    }
    Ok(())
}
