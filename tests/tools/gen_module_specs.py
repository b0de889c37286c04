#!/usr/bin/env python3
"""Print modules/src/builtin_specs.rs: the argument specs of every ansible.builtin module.

Run:  /opt/ansible-venv/bin/python tests/tools/gen_module_specs.py > modules/src/builtin_specs.rs

Sources, in order of trust:
1. The module's real `AnsibleModule(...)` call, captured by replacing
   `AnsibleModule.__init__` and calling the module's `main()` (gives argument_spec,
   mutually_exclusive, required_one_of, required_together and add_file_common_args).
2. For modules that are controller-side action plugins, the argument specs those plugins
   validate with (copied by hand below from ansible/plugins/action/*.py and
   ansible/playbook/{task,role}_include.py).
3. The module's DOCUMENTATION (with doc fragments merged), for options the code does not
   list (options consumed by an action plugin before the module runs, e.g. copy's
   `decrypt`) and for doc-only modules.

required_if / required_by are not extracted (they depend on values, not names).
"""

import glob
import importlib
import os
import sys

import ansible
import ansible.modules
import ansible.module_utils.basic as basic
from ansible.plugins.loader import fragment_loader
from ansible.utils.plugin_docs import get_docstring

FILE_ARGS = basic.FILE_COMMON_ARGUMENTS

# Modules ringmaster implements natively (by short name).
NATIVE = {
    'command', 'shell', 'raw', 'script', 'debug', 'set_fact', 'assert', 'fail', 'ping',
    'pause', 'wait_for', 'stat', 'file', 'copy', 'template', 'lineinfile', 'blockinfile',
    'fetch', 'slurp', 'tempfile', 'setup', 'gather_facts', 'reboot', 'apt', 'dnf',
    'package', 'package_facts', 'service', 'systemd_service', 'wait_for_connection',
    'apt_repository', 'async_status', 'include_vars', 'add_host', 'group_by', 'meta', 'include_tasks',
    'import_tasks', 'include_role', 'import_role', 'import_playbook',
}

# Other names a module answers to. systemd.py is a copy of systemd_service.py; yum is
# redirected to dnf by ansible/config/ansible_builtin_runtime.yml.
ALIASES = {
    'systemd_service': ['ansible.builtin.systemd'],
    'dnf': ['ansible.builtin.yum'],
}
SKIP = {'__init__', 'async_wrapper', 'systemd'}

# What happens to keys a module does not list (default: Reject).
# set_fact/add_host take arbitrary variables; package and service hand all their
# arguments to a backend module chosen at run time. fetch, raw, meta and
# validate_argument_spec silently ignore unknown keys (checked with ansible-playbook 2.19).
UNKNOWN_KEYS = {
    'set_fact': 'Accept', 'add_host': 'Accept', 'package': 'Accept', 'service': 'Accept',
    'fetch': 'Ignore', 'raw': 'Ignore', 'meta': 'Ignore', 'validate_argument_spec': 'Ignore',
}

# Free-form (the `_raw_params` of ansible/parsing/mod_args.py).
FREE_FORM = {
    'command': 'Allowed', 'shell': 'Allowed', 'script': 'Allowed', 'raw': 'Required',
    'meta': 'Required', 'include_tasks': 'Allowed', 'import_tasks': 'Allowed',
    'include_vars': 'Allowed', 'import_playbook': 'Required',
}

# Argument specs validated by action plugins (ansible/plugins/action/*.py) and by the
# include/import task classes. Types that are Python callables become 'raw'.
ACTION_SPECS = {
    'debug': dict(
        spec=dict(msg=dict(type='raw'), var=dict(type='str'), verbosity=dict(type='int')),
        mutually_exclusive=[['msg', 'var']]),
    'assert': dict(spec=dict(
        fail_msg=dict(type='raw', aliases=['msg']), success_msg=dict(type='raw'),
        quiet=dict(type='bool'), that=dict(type='raw', required=True))),
    'fail': dict(spec=dict(msg=dict(type='raw'))),
    # The module's `_async_dir` is filled in by the action plugin, never by users.
    'async_status': dict(spec=dict(
        jid=dict(type='str', required=True),
        mode=dict(type='str', choices=['cleanup', 'status']))),
    'group_by': dict(spec=dict(key=dict(type='str', required=True),
                               parents=dict(type='list', elements='str'))),
    'pause': dict(
        spec=dict(echo=dict(type='bool'), minutes=dict(type='raw'), seconds=dict(type='raw'),
                  prompt=dict(type='str')),
        mutually_exclusive=[['minutes', 'seconds']]),
    'script': dict(
        spec=dict(cmd=dict(type='str'), creates=dict(type='str'), removes=dict(type='str'),
                  chdir=dict(type='str'), executable=dict(type='str'), decrypt=dict(type='bool')),
        required_one_of=[['_raw_params', 'cmd']], mutually_exclusive=[['_raw_params', 'cmd']]),
    'reboot': dict(spec={k: dict(type='raw') for k in (
        'boot_time_command', 'connect_timeout', 'msg', 'post_reboot_delay', 'pre_reboot_delay',
        'reboot_command', 'reboot_timeout', 'search_paths', 'test_command')}
        # ringmaster's extension: reboot only when the host says it needs one.
        | dict(only_if_required=dict(type='bool')), merge_docs=True),
    'wait_for_connection': dict(spec={k: dict(type='raw') for k in (
        'connect_timeout', 'delay', 'sleep', 'timeout')}, merge_docs=True),
    'set_fact': dict(spec=dict(cacheable=dict(type='bool'))),
    'meta': dict(spec={}),
    'include_tasks': dict(spec=dict(file=dict(type='str'), apply=dict(type='dict')),
                          required_one_of=[['_raw_params', 'file']]),
    'import_tasks': dict(spec=dict(file=dict(type='str')),
                         required_one_of=[['_raw_params', 'file']]),
    'include_role': dict(spec=dict(
        name=dict(type='str', required=True, aliases=['role']), tasks_from=dict(type='str'),
        vars_from=dict(type='str'), defaults_from=dict(type='str'),
        handlers_from=dict(type='str'), apply=dict(type='dict'), public=dict(type='bool'),
        allow_duplicates=dict(type='bool'), rolespec_validate=dict(type='bool'))),
    'import_role': dict(spec=dict(
        name=dict(type='str', required=True, aliases=['role']), tasks_from=dict(type='str'),
        vars_from=dict(type='str'), defaults_from=dict(type='str'),
        handlers_from=dict(type='str'), public=dict(type='bool'),
        allow_duplicates=dict(type='bool'), rolespec_validate=dict(type='bool'))),
    'import_playbook': dict(spec={}),
    # copy's action plugin requires src or content, and refuses both.
    'copy': dict(mutually_exclusive=[['content', 'src']], required_one_of=[['content', 'src']],
                 merge_capture=True),
    # template's action plugin takes real newlines as well as their escaped spellings.
    'template': dict(spec=dict(newline_sequence=dict(
        type='str', choices=['\n', '\r', '\r\n', '\\n', '\\r', '\\r\\n'])),
        merge_docs=True, add_module='copy'),
    # package and service hand their arguments to a backend module chosen at run time
    # (apt, dnf, systemd, ...): what is required depends on the backend (`package: name=x`
    # without the documented-as-required `state` runs fine with apt).
    'package': dict(relax=True),
    'service': dict(relax=True, merge_capture=True),
    # shell runs the command module, which validates its arguments.
    'shell': dict(add_module='command', add_constraints=True),
    # gather_facts hands its arguments to the fact module (setup).
    'gather_facts': dict(spec=dict(parallel=dict(type='bool')), add_module='setup'),
}

TYPE_MAP = {
    'str': 'Str', 'bool': 'Bool', 'int': 'Int', 'float': 'Float', 'list': 'List',
    'dict': 'Dict', 'path': 'Path', 'raw': 'Raw',
    # Converted by Ansible from strings like "1M" or JSON: checked at run time only.
    'bytes': 'Raw', 'bits': 'Raw', 'json': 'Raw', 'jsonarg': 'Raw',
}


class Captured(Exception):
    pass


def fake_init(self, *args, **kwargs):
    if args:
        kwargs['argument_spec'] = args[0]
    raise Captured(kwargs)


def capture(name):
    """The keyword arguments of the module's AnsibleModule(...) call, or None."""
    try:
        mod = importlib.import_module('ansible.modules.' + name)
    except Exception:
        return None
    main = getattr(mod, 'main', None)
    if main is None:
        return None
    try:
        main()
    except Captured as c:
        return c.args[0]
    except BaseException:
        return None
    return None


def rust_str(s):
    s = str(s)
    escapes = {'\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t'}
    return '"' + ''.join(escapes.get(c, c) for c in s) + '"'


def str_list(items):
    return '&[' + ', '.join(rust_str(i) for i in items) + ']'


def arg_type(t, default):
    if t is None:
        return default
    if not isinstance(t, str):
        return 'Raw'  # a Python callable: not checkable statically
    return TYPE_MAP.get(t, 'Any')


def choice_text(c):
    # Ansible prints choices with to_native(): True -> "True".
    return str(c)


def option_rust(name, o, untyped):
    ty = arg_type(o.get('type'), untyped)
    elements = o.get('elements')
    el = 'None' if elements is None else 'Some(ArgType::%s)' % arg_type(elements, 'Any')
    choices = o.get('choices') or []
    if isinstance(choices, dict):
        choices = list(choices)
    return ('OptionSpec { name: %s, aliases: %s, ty: ArgType::%s, required: %s, '
            'choices: %s, elements: %s }') % (
        rust_str(name), str_list(o.get('aliases') or []), ty,
        'true' if o.get('required') else 'false', str_list(choice_text(c) for c in choices), el)


def groups_rust(groups):
    return '&[' + ', '.join(str_list(g) for g in (groups or [])) + ']'


def merge_missing(spec, extra):
    """Add the options of `extra` none of whose names `spec` already uses. (Docs may name
    an option by what the code calls an alias: apt documents `name`, codes `package`.)"""
    def names(k, v):
        return {k, *(v.get('aliases') or [])}
    taken = set()
    for k, v in spec.items():
        taken |= names(k, v)
    for k, v in extra.items():
        if not names(k, v) & taken:
            spec[k] = v
            taken |= names(k, v)


def module_options(name, doc, captured, action):
    """(options dict, constraints dict, untyped default) for one module."""
    doc_opts = {k: v for k, v in (doc.get('options') or {}).items()
                if k not in ('free_form', 'free-form', 'key_value')}
    cons = {}
    if captured is not None and not (action and not action.get('merge_capture')):
        spec = dict(captured.get('argument_spec') or {})
        if captured.get('add_file_common_args'):
            for k, v in FILE_ARGS.items():
                spec.setdefault(k, v)
        spec = {k: dict(v, type=v.get('type', 'str')) for k, v in spec.items()}
        for key in ('mutually_exclusive', 'required_one_of', 'required_together'):
            cons[key] = [list(g) for g in (captured.get(key) or [])]
        untyped = 'Str'
    elif action is not None and 'spec' in action:
        spec = {k: dict(v) for k, v in action['spec'].items()}
        if not action.get('merge_docs'):
            doc_opts = {}
        untyped = 'Raw'
    else:
        spec = {}
        untyped = 'Raw'
    merge_missing(spec, doc_opts)
    if action is not None:
        for key in ('mutually_exclusive', 'required_one_of'):
            if key in action:
                cons[key] = cons.get(key, []) + action[key]
        if 'add_module' in action:
            extra = capture(action['add_module']) or {}
            if action.get('add_constraints'):
                for key in ('mutually_exclusive', 'required_one_of', 'required_together'):
                    cons[key] = cons.get(key, []) + [list(g) for g in (extra.get(key) or [])]
            merge_missing(spec, {k: dict(v, type=v.get('type', 'str'))
                                 for k, v in (extra.get('argument_spec') or {}).items()})
    spec.pop('_raw_params', None)
    # AnsibleModule sets non-None defaults before it checks required_one_of: a group
    # with a defaulted option is always satisfied (dnf's name=[] makes
    # `dnf: autoremove=true` valid; checked with ansible-playbook 2.19).
    cons['required_one_of'] = [
        g for g in cons.get('required_one_of', [])
        if not any(spec.get(o, {}).get('default') is not None for o in g)]
    if action is not None and action.get('relax'):
        spec = {k: dict(v, required=False) for k, v in spec.items()}
        cons = {}
    return spec, cons, untyped


def main():
    basic.AnsibleModule.__init__ = fake_init
    mod_dir = os.path.dirname(ansible.modules.__file__)
    names = sorted(os.path.basename(f)[:-3] for f in glob.glob(os.path.join(mod_dir, '*.py')))
    out = []
    out.append('// @generated by tests/tools/gen_module_specs.py -- do not edit by hand.')
    out.append('// Command: /opt/ansible-venv/bin/python tests/tools/gen_module_specs.py '
               '> modules/src/builtin_specs.rs')
    out.append('// Source: ansible-core %s (module argument_spec, action plugins, DOCUMENTATION).'
               % ansible.__version__)
    out.append('')
    out.append('use crate::spec::{ArgType, FreeForm, ModuleKind, ModuleSpec, OptionSpec, UnknownKeys};')
    out.append('')
    out.append('/// Every ansible.builtin module, sorted by name.')
    out.append('pub static BUILTIN_SPECS: &[ModuleSpec] = &[')
    for name in names:
        if name.startswith('_') or name in SKIP:
            continue
        doc = get_docstring(os.path.join(mod_dir, name + '.py'), fragment_loader)[0] or {}
        captured = capture(name)
        action = ACTION_SPECS.get(name)
        spec, cons, untyped = module_options(name, doc, captured, action)
        kind = 'Module' if captured is not None else 'Action'
        out.append('    ModuleSpec {')
        out.append('        name: %s,' % rust_str('ansible.builtin.' + name))
        out.append('        aliases: %s,' % str_list(ALIASES.get(name, [])))
        out.append('        free_form: FreeForm::%s,' % FREE_FORM.get(name, 'None'))
        out.append('        options: &[')
        for k in sorted(spec):
            out.append('            %s,' % option_rust(k, spec[k], untyped))
        out.append('        ],')
        out.append('        mutually_exclusive: %s,' % groups_rust(cons.get('mutually_exclusive')))
        out.append('        required_one_of: %s,' % groups_rust(cons.get('required_one_of')))
        out.append('        required_together: %s,' % groups_rust(cons.get('required_together')))
        out.append('        kind: ModuleKind::%s,' % kind)
        out.append('        native: %s,' % ('true' if name in NATIVE else 'false'))
        out.append('        unknown_keys: UnknownKeys::%s,' % UNKNOWN_KEYS.get(name, 'Reject'))
        out.append('    },')
    out.append('];')
    sys.stdout.write('\n'.join(out) + '\n')


if __name__ == '__main__':
    main()
