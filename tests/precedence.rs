//! Variable precedence end to end: inventory inline vars, `group_vars/` and `host_vars/`
//! next to the inventory and the playbook, play vars and extra vars, merged for each
//! host and read through a lazily templated expression — compared with what
//! ansible-playbook 2.19 printed for the same files (`tests/fixtures/precedence/`,
//! `expected.txt` recorded with a `debug` of the same expression).

use std::sync::Arc;

use clap::Parser as _;
use engine::cli::{Args, load};
use engine::playbook::TaskOrBlock;
use engine::template::{Scope, py_str};
use engine::vars;

use crate::util::repo_root;

#[test]
fn every_level_wins_where_ansible_says() {
    let dir = repo_root().join("tests/fixtures/precedence");
    let args = Args::parse_from([
        "ringmaster",
        "-i",
        "inv/hosts.ini",
        "site.yml",
        "-e",
        "v_extra=extra",
    ]);
    let loaded = load(&args, &dir).map_err(|f| f.error.render()).unwrap();
    let play = &loaded.playbooks[0].1.plays[0];
    let TaskOrBlock::Task(task) = &play.tasks[0].block[0] else {
        panic!("first entry is a task")
    };
    let msg = task.args.get("msg").expect("debug msg");

    let groups = loaded.inventory.groups_map();
    let hosts = loaded.inventory.select("all").unwrap();
    let magic = vars::play_magic(&vars::RunFacts::default(), "", &groups, &hosts);
    let layers = vars::play_layers(play, &loaded.extra_vars, &magic, &loaded.templar).unwrap();
    let pb_dirs = [loaded.inventory.vars_dir_for(&dir).unwrap()];

    let expected = std::fs::read_to_string(dir.join("expected.txt")).unwrap();
    let mut checked = 0;
    for line in expected.lines() {
        let (host, want) = line.split_once(' ').unwrap();
        let host_vars = vars::host_vars(&layers, &loaded.inventory, &pb_dirs, host, &magic);
        let scope = Arc::new(Scope::new(host_vars));
        let got = py_str(
            &loaded
                .templar
                .render_node(msg, &scope)
                .map_err(|e| e.render())
                .unwrap(),
        );
        let got: serde_json::Value = serde_json::from_str(&got).unwrap();
        let want: serde_json::Value = serde_json::from_str(want).unwrap();
        assert_eq!(got, want, "variables of {host}");
        checked += 1;
    }
    assert_eq!(checked, 3);

    // `hostvars` reaches another host's variables, templated lazily in that host's scope.
    let play_vars = vars::PlayVars::new(
        layers,
        loaded.inventory.clone(),
        Arc::new(pb_dirs.to_vec()),
        magic,
    );
    let scope = play_vars.host_scope("db1");
    let span = msg.span.clone();
    let got = loaded
        .templar
        .render_str(
            "{{ hostvars['web1'].v_hv }} {{ hostvars.web2.v_ref }} {{ hostvars | length }}",
            &span,
            &scope,
        )
        .map_err(|e| e.render())
        .unwrap();
    assert_eq!(py_str(&got), "pb_hv prod-web_inline 3");
}
