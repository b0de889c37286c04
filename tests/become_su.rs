//! `become_method: su` with a password over SSH, on a fleet host: the login user `fleet`
//! becomes root with root's password (su needs a terminal: ringmaster gives the channel a
//! pty). Commands, their input and files written with become all arrive unchanged; a
//! wrong password fails the task with su's words.

use crate::fleet::{Fleet, ROOT_PASSWORD};
use crate::util::run_playbook;

fn inventory(fleet: &Fleet, password: &str) -> String {
    fleet
        .inventory_ini()
        .replace("ansible_user=root", "ansible_user=fleet")
        + &format!(
            "\n[fleet:vars]\nansible_become=true\nansible_become_method=su\nansible_become_password={password}\n"
        )
}

#[test]
fn su_with_a_password_becomes_root_over_ssh() {
    let fleet = Fleet::shared();
    let dir = tempfile::tempdir().unwrap();
    let run = run_playbook(
        dir.path(),
        &inventory(fleet, ROOT_PASSWORD),
        r#"- hosts: h001
  gather_facts: false
  tasks:
    - command: id -un
      become: false
      register: plain
    - command: id -un
      register: become
    - command: cat
      args:
        stdin: "line one\nraw bytes: \u0003 \u0004 \u001a end"
      register: echoed
    - shell: echo to-stderr >&2; exit 3
      register: failing
      ignore_errors: true
    - copy:
        content: "root-only {{ 'x' * 3000 }}\n"
        dest: /root/su-test.txt
        mode: "0600"
    - stat: {path: /root/su-test.txt}
      register: st
    - debug:
        msg: "{{ plain.stdout }}>{{ become.stdout }} echoed={{ echoed.stdout == 'line one\nraw bytes: \u0003 \u0004 \u001a end' }} rc={{ failing.rc }} err={{ failing.stderr }} owner={{ st.stat.pw_name }} size={{ st.stat.size }}"
"#,
        &[],
    );
    assert_eq!(run.rc, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("fleet>root echoed=True rc=3 err=to-stderr owner=root size=3011"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains(ROOT_PASSWORD), "{}", run.stdout);
}

#[test]
fn su_with_a_wrong_password_fails_with_sus_words() {
    let fleet = Fleet::shared();
    let dir = tempfile::tempdir().unwrap();
    let run = run_playbook(
        dir.path(),
        &inventory(fleet, "not-the-password"),
        "- hosts: h001\n  gather_facts: false\n  tasks:\n    - command: id -un\n",
        &[],
    );
    assert_eq!(run.rc, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("Authentication failure"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("not-the-password"), "{}", run.stdout);
}
