#!/usr/bin/env python3
"""Generate src/capi/stubs.rs: SQLite 3.40.1 exports EpilogLite does not implement yet, with
SQLite's exact C signatures (parsed from /usr/include/sqlite3.h), each returning an error code
(or NULL / 0), setting `pp*` out-pointers to NULL, never crashing.

Usage: tools/gen_stubs.py NAME... > src/capi/stubs.rs   (names = exports still missing)
Bodies listed in OVERRIDES replace the default."""
import re, sys

HDR = open('/usr/include/sqlite3.h').read()
HDR = re.sub(r'/\*.*?\*/', ' ', HDR, flags=re.S)

BASE = {
    'void': 'c_void', 'char': 'c_char', 'int': 'c_int', 'unsigned int': 'c_uint',
    'unsigned': 'c_uint', 'sqlite3_int64': 'sqlite3_int64', 'sqlite_int64': 'sqlite3_int64',
    'sqlite3_uint64': 'sqlite3_uint64', 'sqlite_uint64': 'sqlite3_uint64', 'double': 'f64', 'unsigned char': 'u8', 'sqlite3_rtree_dbl': 'f64',
}
OPAQUE = set()
KNOWN = {'sqlite3': 'super::db::sqlite3', 'sqlite3_stmt': 'super::stmt::sqlite3_stmt',
         'sqlite3_value': 'super::value::sqlite3_value', 'sqlite3_context': 'super::func::sqlite3_context',
         'sqlite3_vfs': 'super::misc::sqlite3_vfs', 'sqlite3_str': 'super::mem::sqlite3_str'}

def split_top(s, sep=','):
    out, depth, cur = [], 0, ''
    for ch in s:
        if ch == '(':
            depth += 1
        elif ch == ')':
            depth -= 1
        if ch == sep and depth == 0:
            out.append(cur); cur = ''
        else:
            cur += ch
    if cur.strip():
        out.append(cur)
    return out

def rtype(t):
    t = ' '.join(t.replace('*', ' * ').split())
    if t == 'sqlite3_filename':
        return '*const c_char'
    if t == 'sqlite3_callback':
        return fnptr('int', '*', 'void*,int,char**,char**')
    stars = t.count('*')
    base = t.replace('*', ' ').split()
    const = 'const' in base
    base = ' '.join(w for w in base if w not in ('const', 'struct'))
    if base in BASE:
        r = BASE[base]
    elif base in KNOWN:
        r = KNOWN[base]
    else:
        OPAQUE.add(base); r = base
    for i in range(stars):
        r = ('*const ' if (const and i == 0) else '*mut ') + r
    return r

def fnptr(ret, name, args):
    a = [p for p in split_top(args) if p.strip() and p.strip() != 'void']
    ra = ', '.join(param(p)[1] for p in a)
    rr = ret_type(ret)
    return f'Option<unsafe extern "C" fn({ra}){" -> " + rr if rr != "()" else ""}>'

def ret_type(t):
    t = t.strip()
    if t == 'void':
        return '()'
    return rtype(t)

def param(p):
    p = p.strip()
    m = re.match(r'^(.*?)\(\s*\*\s*(\w*)\s*\)\s*\((.*)\)\s*$', p, re.S)
    if m:
        return (m.group(2) or 'f', fnptr(m.group(1), m.group(2), m.group(3)))
    p2 = p.replace('*', ' * ')
    toks = p2.split()
    if len(toks) > 1 and re.match(r'^\w+$', toks[-1]) and toks[-1] not in ('int', 'char', 'void', 'double') and not toks[-1].startswith('sqlite3_') or (len(toks) > 1 and toks[-2] == '*' and re.match(r'^\w+$', toks[-1])):
        return (toks[-1], rtype(' '.join(toks[:-1])))
    return ('arg', rtype(p))

def decl(name):
    m = re.search(r'SQLITE_API\s+((?:[\w\s\*]*?))\b' + name + r'\s*\(', HDR)
    if not m:
        raise SystemExit('no decl for ' + name)
    ret = ' '.join(w for w in m.group(1).split() if w not in ('SQLITE_DEPRECATED', 'SQLITE_EXPERIMENTAL', 'SQLITE_API'))
    i = m.end(); depth = 1; j = i
    while depth:
        if HDR[j] == '(':
            depth += 1
        elif HDR[j] == ')':
            depth -= 1
        j += 1
    params = HDR[i:j - 1]
    return ret, params

OVERRIDES = {
    'sqlite3_value_encoding': 'let _ = arg0; 1',
    'sqlite3_expired': '0',
    'sqlite3_enable_shared_cache': 'SQLITE_OK',
    'sqlite3_global_recover': 'SQLITE_OK',
    'sqlite3_thread_cleanup': '',
    'sqlite3_system_errno': '0',
    'sqlite3_file_control': 'SQLITE_NOTFOUND',
    'sqlite3_enable_load_extension': 'SQLITE_OK',
    'sqlite3_wal_autocheckpoint': 'SQLITE_OK',
    'sqlite3_load_extension': '''if !pzErrMsg.is_null() {
            // SAFETY: out-pointer per SQLite's contract.
            unsafe { *pzErrMsg = super::mem::malloc_cstring(b"loading extensions is not supported by EpilogLite") };
        }
        SQLITE_ERROR''',
}

def main(names):
    out = []
    for name in names:
        ret, params = decl(name)
        ps = [p for p in split_top(params) if p.strip() and p.strip() != 'void']
        rparams, seen = [], set()
        outs = []
        for k, p in enumerate(ps):
            n, t = param(p)
            if n in seen or n in ('type', 'fn', 'ref', 'mut', 'self', 'impl', 'match', 'loop', 'move', 'in', 'arg', 'f'):
                n = f'{n}{k}'
            seen.add(n)
            rparams.append((n, t))
            if n.startswith('pp') and t.startswith('*mut *'):
                outs.append(n)
        rr = ret_type(ret)
        body = OVERRIDES.get(name)
        if body is None:
            if rr == '()':
                body = ''
            elif rr.startswith('*'):
                body = 'std::ptr::null_mut()' if rr.startswith('*mut') else 'std::ptr::null()'
            elif rr in ('sqlite3_int64', 'sqlite3_uint64', 'f64'):
                body = '0 as ' + rr
            elif rr == 'c_int':
                body = 'SQLITE_ERROR'
            else:
                body = 'Default::default()'
        note = ''
        if rparams and rparams[0][1] == '*mut super::db::sqlite3' and rr == 'c_int' or (rparams and rparams[0][1] == '*mut super::db::sqlite3' and rr.startswith('*')):
            note = f'        super::db::set_unimplemented({rparams[0][0]}, "{name}");\n'
        pre = ''.join(f'        if !{o}.is_null() {{ unsafe {{ *{o} = std::ptr::null_mut() }}; }}\n' for o in outs)
        if outs:
            pre = '        // SAFETY: out-pointer, NULL or writable per SQLite\'s contract.\n' + pre.replace('        if', '        #[allow(unused_unsafe)]\n        if', 1)
        sig = ', '.join(f'{n}: {t}' for n, t in rparams)
        sig = sig.replace('arg0', 'arg0')
        unused = ''.join(f'    let _ = {n};\n' for n, _ in rparams if n not in outs)
        r = '' if rr == '()' else f' -> {rr}'
        out.append(f'/// Not implemented (see COMPAT.md): {"returns " + body.splitlines()[-1].strip() if body else "no-op"}.\n#[no_mangle]\npub unsafe extern "C" fn {name}({sig}){r} {{\n{unused}    capi_boundary! {{\n{note}{pre}        {body}\n    }}\n}}\n')
    head = '''//! Exports EpilogLite does not implement yet, with SQLite 3.40.1's exact signatures.
//!
//! GENERATED by `tools/gen_stubs.py` from `/usr/include/sqlite3.h`. Each returns an error code
//! (`SQLITE_ERROR`), NULL or 0, sets `pp*` out-pointers to NULL, and never touches its other
//! arguments: a client that imports them loads and gets a clean failure. Listed in COMPAT.md.
#![allow(non_camel_case_types, non_snake_case, unused_variables, unused_imports, clippy::all)]

use super::boundary::capi_boundary;
use super::{sqlite3_int64, sqlite3_uint64};
use crate::error::codes::*;
use std::os::raw::{c_char, c_int, c_uint, c_void};

'''
    opaque = ''.join(f'/// Opaque C type (not implemented yet).\n#[repr(C)]\npub struct {o} {{\n    _private: [u8; 0],\n}}\n' for o in sorted(OPAQUE))
    print(head + opaque + '\n' + '\n'.join(out))

main(sys.argv[1:])
