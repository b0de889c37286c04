//! The loader's hooks backed by the engine's [`Templar`]: static import names templated
//! with load-time variables, Jinja syntax checked in names, args and conditions.

use std::path::PathBuf;
use std::sync::Arc;

use indexmap::IndexMap;

use super::hooks::{LoadOptions, SyntaxFn, TemplateFn};
use crate::source::Span;
use crate::template::{Scope, Templar, VarValue, py_str};
use crate::yaml::Mapping;

/// Owns the closures [`LoadOptions`] borrows, so a caller only keeps this alive.
pub struct TemplarHooks {
    template: Box<TemplateFn<'static>>,
    syntax: Box<SyntaxFn<'static>>,
    expr: Box<SyntaxFn<'static>>,
}

impl TemplarHooks {
    pub fn new(templar: &Templar) -> Self {
        let t1 = templar.clone();
        let t2 = templar.clone();
        let t3 = templar.clone();
        TemplarHooks {
            template: Box::new(move |text: &str, layers: &[&Mapping], span: &Span| {
                let mut vars: IndexMap<String, VarValue> = IndexMap::new();
                for layer in layers {
                    for (k, v) in layer.iter() {
                        if let Some(name) = k.key_string() {
                            vars.insert(name, VarValue::Raw(v.clone()));
                        }
                    }
                }
                let scope = Arc::new(Scope::new(vars));
                t1.render_str(text, span, &scope).map(|v| py_str(&v))
            }),
            syntax: Box::new(move |text: &str, span: &Span| t2.check_syntax(text, span)),
            expr: Box::new(move |text: &str, span: &Span| t3.check_expr_syntax(text, span)),
        }
    }

    /// Load options using these hooks.
    pub fn options(&self, roles_path: Vec<PathBuf>, extra_vars: Mapping) -> LoadOptions<'_> {
        LoadOptions {
            roles_path,
            extra_vars,
            template: Some(self.template.as_ref()),
            check_syntax: Some(self.syntax.as_ref()),
            check_expr: Some(self.expr.as_ref()),
            ..LoadOptions::default()
        }
    }
}
