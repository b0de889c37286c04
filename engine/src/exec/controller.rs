//! The controller side of a task, as modules see it (`modules::runtime::Controller`):
//! finding `files/` and `templates/` the way Ansible searches (the task's role first,
//! then the playbook's directory), and rendering templates with the task's variables.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use modules::runtime::Controller;

use crate::source::{SourceFile, Span};
use crate::template::{Scope, Templar};
use crate::yaml::{Node, Value as YamlValue};

/// One task on one host: where its files are and which variables its templates see.
pub struct TaskController {
    pub templar: Templar,
    pub scope: Arc<Scope>,
    /// The directory of the role the task came from, if any.
    pub role_path: Option<PathBuf>,
    /// The directory of the file the task is written in.
    pub task_dir: PathBuf,
    pub playbook_dir: PathBuf,
}

impl TaskController {
    /// The places Ansible looks for `name` of kind `files` or `templates`, in order
    /// (`path_dwim_relative_stack`): for the role and then the task's own directory,
    /// `<dir>/<kind>/<name>` and `<dir>/<name>`, then the same under the playbook's
    /// directory. Ansible always adds `<kind>/` (its check for a source already starting
    /// with it compares bytes with text), and lists a directory twice when the task's
    /// directory is the playbook's.
    pub fn candidates(&self, kind: &str, name: &str) -> Vec<PathBuf> {
        if Path::new(name).is_absolute() {
            return Vec::new();
        }
        let mut stack: Vec<&Path> = Vec::new();
        if let Some(role) = &self.role_path {
            stack.push(role);
        }
        if !stack.contains(&self.task_dir.as_path()) {
            stack.push(&self.task_dir);
        }
        stack.push(&self.playbook_dir);
        stack
            .into_iter()
            .flat_map(|dir| [dir.join(kind).join(name), dir.join(name)])
            .collect()
    }
}

/// A keyword's value at a task given its value on the enclosing play/blocks (`outer`)
/// and on the task or block itself (`inner`): the nearest wins, except `environment`,
/// which Ansible extends (play, then blocks, then task: later names override earlier
/// ones when the module's environment is built).
pub fn inherit_keyword(name: &str, outer: Option<&Node>, inner: &Node) -> Node {
    let Some(outer) = outer.filter(|_| name == "environment") else {
        return inner.clone();
    };
    let mut items = Vec::new();
    for node in [outer, inner] {
        match &node.value {
            YamlValue::Seq(list) => items.extend(list.iter().cloned()),
            YamlValue::Null => {}
            _ => items.push(node.clone()),
        }
    }
    Node::new(YamlValue::Seq(items), inner.span.clone())
}

/// Ansible's `AnsibleFileNotFound` message for `name` searched in `searched`.
pub fn not_found_message(name: &str, searched: &[PathBuf]) -> String {
    let mut msg = format!("Could not find or access '{name}'");
    if !searched.is_empty() {
        let paths: Vec<String> = searched.iter().map(|p| p.display().to_string()).collect();
        msg += &format!("\nSearched in:\n\t{}", paths.join("\n\t"));
    }
    msg + " on the Ansible Controller.\nIf you are using a module and expect the file to exist on the remote, see the remote_src option"
}

impl Controller for TaskController {
    fn find_file(&self, kind: &str, name: &str) -> Result<PathBuf, String> {
        let path = Path::new(name);
        if path.is_absolute() {
            return if path.exists() {
                Ok(path.to_path_buf())
            } else {
                Err(not_found_message(name, &[]))
            };
        }
        let candidates = self.candidates(kind, name);
        candidates
            .iter()
            .find(|p| p.exists())
            .cloned()
            .ok_or_else(|| not_found_message(name, &candidates))
    }

    fn render_template(&self, path: &Path) -> Result<String, String> {
        let file = SourceFile::read(path).map_err(|e| e.message)?;
        let span = Span::new(file.clone(), 0, 1, 1);
        self.templar
            .render_text(&file.text, &span, &self.scope)
            .map_err(|e| e.message)
    }

    fn fact(&self, name: &str) -> Option<serde_json::Value> {
        // `ansible_facts` holds the names without the `ansible_` prefix (state.rs).
        let facts = self.scope.resolve("ansible_facts", &self.templar).ok()??;
        let fact = facts.get_attr(name).ok().filter(|v| !v.is_undefined())?;
        Some(crate::template::value_to_json(&fact))
    }

    fn var(&self, name: &str) -> Option<serde_json::Value> {
        let value = self.scope.resolve(name, &self.templar).ok()??;
        Some(crate::template::value_to_json(&value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::{TemplarConfig, VarValue};
    use indexmap::IndexMap;

    fn controller(role: Option<&Path>, pb: &Path) -> TaskController {
        let mut vars = IndexMap::new();
        vars.insert(
            "who".to_string(),
            VarValue::Data(minijinja::Value::from("world")),
        );
        TaskController {
            templar: Templar::new(TemplarConfig::default()),
            scope: Arc::new(Scope::new(vars)),
            role_path: role.map(Path::to_path_buf),
            task_dir: role.map_or_else(|| pb.to_path_buf(), |r| r.join("tasks")),
            playbook_dir: pb.to_path_buf(),
        }
    }

    #[test]
    fn role_files_win_over_playbook_files() {
        let dir = tempfile::tempdir().unwrap();
        let role = dir.path().join("roles/r");
        std::fs::create_dir_all(role.join("files")).unwrap();
        std::fs::create_dir_all(dir.path().join("files")).unwrap();
        std::fs::write(role.join("files/a.txt"), "role").unwrap();
        std::fs::write(dir.path().join("files/a.txt"), "play").unwrap();
        std::fs::write(dir.path().join("files/b.txt"), "play").unwrap();
        let c = controller(Some(&role), dir.path());
        assert_eq!(
            c.find_file("files", "a.txt").unwrap(),
            role.join("files/a.txt")
        );
        assert_eq!(
            c.find_file("files", "b.txt").unwrap(),
            dir.path().join("files/b.txt")
        );
        let err = c.find_file("files", "nope.txt").unwrap_err();
        assert!(err.contains("Could not find or access 'nope.txt'"), "{err}");
    }

    #[test]
    fn facts_are_read_from_ansible_facts() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = controller(None, dir.path());
        assert_eq!(c.fact("pkg_mgr"), None);
        let facts: IndexMap<minijinja::Value, minijinja::Value> = [
            (
                minijinja::Value::from("pkg_mgr"),
                minijinja::Value::from("dnf"),
            ),
            (
                minijinja::Value::from("os_family"),
                minijinja::Value::from("RedHat"),
            ),
        ]
        .into_iter()
        .collect();
        let mut vars = IndexMap::new();
        vars.insert(
            "ansible_facts".to_string(),
            VarValue::Data(minijinja::Value::from(facts)),
        );
        c.scope = Arc::new(Scope::new(vars));
        assert_eq!(c.fact("pkg_mgr"), Some(serde_json::json!("dnf")));
        assert_eq!(c.fact("missing"), None);
        assert_eq!(c.var("who"), None, "the scope was replaced");
        assert_eq!(c.var("ansible_facts").unwrap()["os_family"], "RedHat");
    }

    /// Recorded: tests/run-corpus/33-environment (a task's `environment` overrides the
    /// play's names and keeps the others).
    #[test]
    fn environment_extends_while_other_keywords_are_replaced() {
        let file = Arc::new(SourceFile {
            path: PathBuf::from("site.yml"),
            text: String::new(),
        });
        let span = Span::new(file, 0, 1, 1);
        let node = |j: serde_json::Value| Node::from_json(&j, &span);
        let play = node(serde_json::json!({"A": "play", "S": "play"}));
        let task = node(serde_json::json!({"S": "task"}));
        let merged = inherit_keyword("environment", Some(&play), &task);
        assert_eq!(
            merged.to_json(),
            serde_json::json!([{"A": "play", "S": "play"}, {"S": "task"}])
        );
        let again = inherit_keyword("environment", Some(&merged), &task);
        assert_eq!(again.to_json().as_array().map(Vec::len), Some(3));
        let replaced = inherit_keyword("no_log", Some(&play), &task);
        assert_eq!(replaced.to_json(), serde_json::json!({"S": "task"}));
    }

    /// The search lists ansible-playbook 2.19 prints for a missing `copy: src=nope.txt`.
    #[test]
    fn missing_files_name_the_paths_ansible_searches() {
        let pb = Path::new("/p");
        let play_task = controller(None, pb);
        assert_eq!(
            play_task.find_file("files", "nope.txt").unwrap_err(),
            "Could not find or access 'nope.txt'\nSearched in:\n\t/p/files/nope.txt\n\t/p/nope.txt\n\t/p/files/nope.txt\n\t/p/nope.txt on the Ansible Controller.\nIf you are using a module and expect the file to exist on the remote, see the remote_src option"
        );
        let role = controller(Some(Path::new("/p/roles/r")), pb);
        assert_eq!(
            role.candidates("files", "nope.txt"),
            [
                "/p/roles/r/files/nope.txt",
                "/p/roles/r/nope.txt",
                "/p/roles/r/tasks/files/nope.txt",
                "/p/roles/r/tasks/nope.txt",
                "/p/files/nope.txt",
                "/p/nope.txt"
            ]
            .map(PathBuf::from)
        );
        assert_eq!(
            play_task.find_file("files", "/no/such").unwrap_err(),
            "Could not find or access '/no/such' on the Ansible Controller.\nIf you are using a module and expect the file to exist on the remote, see the remote_src option"
        );
    }

    #[test]
    fn templates_render_with_the_task_variables() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("templates")).unwrap();
        std::fs::write(dir.path().join("templates/t.j2"), "hello {{ who }}\n").unwrap();
        let c = controller(None, dir.path());
        let path = c.find_file("templates", "t.j2").unwrap();
        assert_eq!(c.render_template(&path).unwrap(), "hello world\n");
        // trim_blocks eats the newline after a closing tag; the file's last newline is
        // still not doubled (recorded: tests/run-corpus/59-template).
        std::fs::write(
            dir.path().join("templates/b.j2"),
            "a\n{% if true %}\nb {{ who }}\n{% endif %}\n",
        )
        .unwrap();
        let path = c.find_file("templates", "b.j2").unwrap();
        assert_eq!(c.render_template(&path).unwrap(), "a\nb world\n");
    }
}
