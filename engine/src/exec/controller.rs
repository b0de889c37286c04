//! The controller side of a task, as modules see it (`modules::runtime::Controller`):
//! finding `files/` and `templates/` the way Ansible searches (the task's role first,
//! then the playbook's directory), and rendering templates with the task's variables.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use modules::runtime::Controller;

use crate::source::{SourceFile, Span};
use crate::template::{Scope, Templar};

/// One task on one host: where its files are and which variables its templates see.
pub struct TaskController {
    pub templar: Templar,
    pub scope: Arc<Scope>,
    /// The directory of the role the task came from, if any.
    pub role_path: Option<PathBuf>,
    pub playbook_dir: PathBuf,
}

impl TaskController {
    /// The places Ansible looks for `name` of kind `files` or `templates`, in order.
    pub fn candidates(&self, kind: &str, name: &str) -> Vec<PathBuf> {
        if Path::new(name).is_absolute() {
            return vec![PathBuf::from(name)];
        }
        let mut out = Vec::new();
        if let Some(role) = &self.role_path {
            out.push(role.join(kind).join(name));
            out.push(role.join(name));
        }
        out.push(self.playbook_dir.join(kind).join(name));
        out.push(self.playbook_dir.join(name));
        out
    }
}

impl Controller for TaskController {
    fn find_file(&self, kind: &str, name: &str) -> Result<PathBuf, String> {
        let candidates = self.candidates(kind, name);
        candidates
            .iter()
            .find(|p| p.exists())
            .cloned()
            .ok_or_else(|| {
                let searched: Vec<String> =
                    candidates.iter().map(|p| p.display().to_string()).collect();
                format!(
                    "Could not find or access '{name}'\nSearched in:\n\t{}",
                    searched.join("\n\t")
                )
            })
    }

    fn render_template(&self, path: &Path) -> Result<String, String> {
        let file = SourceFile::read(path).map_err(|e| e.message)?;
        let span = Span::new(file.clone(), 0, 1, 1);
        self.templar
            .render_text(&file.text, &span, &self.scope)
            .map_err(|e| e.message)
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
    fn templates_render_with_the_task_variables() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("templates")).unwrap();
        std::fs::write(dir.path().join("templates/t.j2"), "hello {{ who }}\n").unwrap();
        let c = controller(None, dir.path());
        let path = c.find_file("templates", "t.j2").unwrap();
        assert_eq!(c.render_template(&path).unwrap(), "hello world\n");
    }
}
