//! Specs of ringmaster's own modules (`ringmaster.builtin.*`), written by hand.

use crate::spec::{ArgType, FreeForm, ModuleKind, ModuleSpec, OptionSpec, UnknownKeys};

const fn opt(name: &'static str, ty: ArgType) -> OptionSpec {
    OptionSpec {
        name,
        aliases: &[],
        ty,
        required: false,
        choices: &[],
        elements: None,
    }
}

const fn choice(name: &'static str, choices: &'static [&'static str]) -> OptionSpec {
    OptionSpec {
        choices,
        ..opt(name, ArgType::Str)
    }
}

const fn str_list(name: &'static str) -> OptionSpec {
    OptionSpec {
        elements: Some(ArgType::Str),
        ..opt(name, ArgType::List)
    }
}

const fn native_module(name: &'static str, options: &'static [OptionSpec]) -> ModuleSpec {
    ModuleSpec {
        name,
        aliases: &[],
        free_form: FreeForm::None,
        options,
        mutually_exclusive: &[],
        required_one_of: &[],
        required_together: &[],
        kind: ModuleKind::Module,
        native: true,
        unknown_keys: UnknownKeys::Reject,
    }
}

/// ringmaster's own modules, sorted by name.
pub static RINGMASTER_SPECS: &[ModuleSpec] = &[
    native_module(
        "ringmaster.builtin.patch",
        &[
            opt("autoremove", ArgType::Bool),
            choice(
                "backend",
                &["auto", "apt", "dnf", "yum", "zypper", "windows"],
            ),
            opt("download_only", ArgType::Bool),
            str_list("exclude"),
            opt("lock_timeout", ArgType::Int),
            str_list("name"),
            str_list("pinned"),
            choice("state", &["latest", "security"]),
            opt("update_cache", ArgType::Bool),
        ],
    ),
    native_module(
        "ringmaster.builtin.snapshot",
        &[
            opt("create_command", ArgType::Str),
            opt("delete_command", ArgType::Str),
            opt("domain", ArgType::Str),
            opt("name", ArgType::Str),
            opt("path", ArgType::Path),
            choice("provider", &["btrfs", "lvm", "libvirt", "command"]),
            opt("revert_command", ArgType::Str),
            opt("size", ArgType::Str),
            opt("snapshot_dir", ArgType::Path),
            choice("state", &["present", "absent", "reverted", "list"]),
            opt("uri", ArgType::Str),
            opt("volume", ArgType::Str),
        ],
    ),
    native_module(
        "ringmaster.builtin.validate",
        &[
            OptionSpec {
                required: true,
                elements: Some(ArgType::Dict),
                ..opt("checks", ArgType::List)
            },
            opt("fail_fast", ArgType::Bool),
        ],
    ),
];
