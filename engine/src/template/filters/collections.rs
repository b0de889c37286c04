//! List and dict filters: set operations, flatten, combine, dict2items, zip, product,
//! subelements, random/shuffle, extract.

use std::sync::Arc;

use indexmap::IndexMap;
use minijinja::value::{Kwargs, Rest, ValueKind};
use minijinja::{Environment, Error, State, Value};

use super::{fail, require_defined};
use crate::template::TemplarConfig;
use crate::template::convert::{is_mapping, map_value, py_str};
use crate::template::pyrandom::PyRandom;

pub(super) fn register(env: &mut Environment<'static>, config: &Arc<TemplarConfig>) {
    add_filter!(env, "union", |a: &Value,
                               b: &Value|
     -> Result<Value, Error> {
        let mut out = unique_items(list(a)?);
        for v in list(b)? {
            if !out.contains(&v) {
                out.push(v);
            }
        }
        Ok(Value::from(out))
    });
    add_filter!(env, "intersect", |a: &Value,
                                   b: &Value|
     -> Result<Value, Error> {
        let b = list(b)?;
        Ok(Value::from(unique_items(
            list(a)?.into_iter().filter(|v| b.contains(v)).collect(),
        )))
    });
    add_filter!(env, "difference", |a: &Value,
                                    b: &Value|
     -> Result<Value, Error> {
        let b = list(b)?;
        Ok(Value::from(unique_items(
            list(a)?.into_iter().filter(|v| !b.contains(v)).collect(),
        )))
    });
    add_filter!(env, "symmetric_difference", |a: &Value,
                                              b: &Value|
     -> Result<Value, Error> {
        let (a, b) = (list(a)?, list(b)?);
        let mut out: Vec<Value> = a.iter().filter(|v| !b.contains(v)).cloned().collect();
        out.extend(b.iter().filter(|v| !a.contains(v)).cloned());
        Ok(Value::from(unique_items(out)))
    },);
    add_filter!(env, "flatten", flatten_filter);
    add_filter!(env, "combine", combine_filter);
    add_filter!(env, "dict2items", dict2items);
    add_filter!(env, "items2dict", items2dict);
    add_filter!(env, "zip", |a: &Value,
                             rest: Rest<Value>|
     -> Result<Value, Error> {
        let mut lists = vec![list(a)?];
        for r in rest.iter() {
            lists.push(list(r)?);
        }
        let n = lists.iter().map(Vec::len).min().unwrap_or(0);
        Ok(Value::from(
            (0..n)
                .map(|i| Value::from(lists.iter().map(|l| l[i].clone()).collect::<Vec<_>>()))
                .collect::<Vec<_>>(),
        ))
    });
    add_filter!(env, "zip_longest", zip_longest);
    add_filter!(env, "product", |a: &Value,
                                 rest: Rest<Value>|
     -> Result<Value, Error> {
        let mut acc: Vec<Vec<Value>> = list(a)?.into_iter().map(|v| vec![v]).collect();
        for r in rest.iter() {
            let r = list(r)?;
            acc = acc
                .into_iter()
                .flat_map(|prefix| {
                    r.iter().map(move |v| {
                        let mut p = prefix.clone();
                        p.push(v.clone());
                        p
                    })
                })
                .collect();
        }
        Ok(Value::from(
            acc.into_iter().map(Value::from).collect::<Vec<_>>(),
        ))
    });
    add_filter!(env, "permutations", |a: &Value,
                                      r: Option<usize>|
     -> Result<Value, Error> {
        let items = list(a)?;
        let r = r.unwrap_or(items.len());
        let mut out = Vec::new();
        permutations(
            &items,
            r,
            &mut Vec::new(),
            &mut vec![false; items.len()],
            &mut out,
        );
        Ok(Value::from(out))
    });
    add_filter!(env, "combinations", |a: &Value,
                                      r: usize|
     -> Result<Value, Error> {
        let items = list(a)?;
        let mut out = Vec::new();
        combinations(&items, r, 0, &mut Vec::new(), &mut out);
        Ok(Value::from(out))
    });
    add_filter!(env, "subelements", subelements);
    let seed = config.random_seed;
    add_filter!(env, "random", move |v: &Value,
                                     kwargs: Kwargs|
          -> Result<Value, Error> {
        let seed_arg: Option<Value> = kwargs.get("seed")?;
        let start: Option<i64> = kwargs.get("start")?;
        let step: Option<i64> = kwargs.get("step")?;
        kwargs.assert_all_used()?;
        let mut rng = seeded(seed_arg.as_ref(), seed);
        if let Some(end) = v.as_i64().filter(|_| v.is_integer()) {
            // Python's randrange(start, end, step).
            let start = start.unwrap_or(0);
            let step = step.filter(|s| *s != 0).unwrap_or(1);
            let count = (end - start + step - step.signum()) / step;
            if count <= 0 {
                return Err(fail("random", "empty range for randrange()"));
            }
            return Ok(Value::from(start + rng.below(count as u64) as i64 * step));
        }
        let items = list(v)?;
        if items.is_empty() {
            return Err(fail("random", "Cannot choose from an empty sequence"));
        }
        Ok(items[rng.below(items.len() as u64) as usize].clone())
    },);
    add_filter!(env, "shuffle", move |v: &Value,
                                      kwargs: Kwargs|
          -> Result<Value, Error> {
        let seed_arg: Option<Value> = kwargs.get("seed")?;
        kwargs.assert_all_used()?;
        let mut items = list(v)?;
        seeded(seed_arg.as_ref(), seed).shuffle(&mut items);
        Ok(Value::from(items))
    },);
    add_filter!(env, "extract", |item: &Value,
                                 container: &Value,
                                 morekeys: Option<Value>|
     -> Result<Value, Error> {
        let mut v = container.get_item(item)?;
        if let Some(keys) = morekeys {
            let keys = if keys.kind() == ValueKind::Seq {
                list(&keys)?
            } else {
                vec![keys]
            };
            for k in keys {
                v = v.get_item(&k)?;
            }
        }
        Ok(v)
    },);
    add_filter!(env, "list", |v: &Value| -> Result<Value, Error> {
        require_defined(v)?;
        if let Some(s) = v.as_str() {
            return Ok(Value::from(
                s.chars()
                    .map(|c| Value::from(c.to_string()))
                    .collect::<Vec<_>>(),
            ));
        }
        Ok(Value::from(list(v)?))
    });
}

/// Python's `Random(seed)`; without a seed (Ansible: the system's randomness) the run's
/// configured seed, so runs are reproducible.
fn seeded(arg: Option<&Value>, default: u64) -> PyRandom {
    match arg {
        Some(v) if v.is_integer() => PyRandom::from_int_seed(v.as_i64().unwrap_or(0)),
        Some(v) => PyRandom::from_str_seed(&py_str(v)),
        None => PyRandom::from_int_seed(default as i64),
    }
}

/// The items of a list-like value (a dict gives its keys, like Python's `list()`).
pub(in crate::template) fn list(v: &Value) -> Result<Vec<Value>, Error> {
    require_defined(v)?;
    Ok(v.try_iter()?.collect())
}

fn unique_items(items: Vec<Value>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::with_capacity(items.len());
    for v in items {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

fn flatten_filter(v: &Value, levels: Option<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    let levels_kw: Option<Value> = kwargs.get("levels")?;
    let skip_nulls: Option<bool> = kwargs.get("skip_nulls")?;
    kwargs.assert_all_used()?;
    let levels = levels.or(levels_kw).and_then(|l| l.as_i64());
    let mut out = Vec::new();
    flatten(&list(v)?, levels, skip_nulls.unwrap_or(true), &mut out)?;
    Ok(Value::from(out))
}

fn flatten(
    items: &[Value],
    levels: Option<i64>,
    skip_nulls: bool,
    out: &mut Vec<Value>,
) -> Result<(), Error> {
    for item in items {
        if skip_nulls && (item.is_none() || item.as_str() == Some("None")) {
            continue;
        }
        if item.kind() == ValueKind::Seq && levels != Some(0) {
            let inner: Vec<Value> = item.try_iter()?.collect();
            flatten(&inner, levels.map(|l| l - 1), skip_nulls, out)?;
        } else {
            out.push(item.clone());
        }
    }
    Ok(())
}

fn combine_filter(first: &Value, rest: Rest<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    let recursive: Option<bool> = kwargs.get("recursive")?;
    let list_merge: Option<String> = kwargs.get("list_merge")?;
    kwargs.assert_all_used()?;
    let list_merge = list_merge.unwrap_or_else(|| "replace".into());
    if ![
        "replace",
        "keep",
        "append",
        "prepend",
        "append_rp",
        "prepend_rp",
    ]
    .contains(&list_merge.as_str())
    {
        return Err(fail(
            "combine",
            format!("'{list_merge}' is not a valid list_merge value"),
        ));
    }
    let mut dicts = Vec::new();
    for v in std::iter::once(first).chain(rest.iter()) {
        if v.kind() == ValueKind::Seq {
            dicts.extend(list(v)?);
        } else {
            dicts.push(v.clone());
        }
    }
    let mut acc = Value::from(IndexMap::<Value, Value>::new());
    for d in dicts {
        if !is_mapping(&d) {
            return Err(fail(
                "combine",
                format!("combine expects dictionaries, got {}", py_str(&d)),
            ));
        }
        acc = merge(&acc, &d, recursive.unwrap_or(false), &list_merge)?;
    }
    Ok(acc)
}

/// Ansible's `merge_hash`.
pub(in crate::template) fn merge(
    a: &Value,
    b: &Value,
    recursive: bool,
    list_merge: &str,
) -> Result<Value, Error> {
    let mut out: IndexMap<Value, Value> = IndexMap::new();
    for k in a.try_iter()? {
        let v = a.get_item(&k)?;
        out.insert(k, v);
    }
    for k in b.try_iter()? {
        let new = b.get_item(&k)?;
        let merged = match out.get(&k) {
            Some(old) if recursive && is_mapping(old) && is_mapping(&new) => {
                merge(old, &new, true, list_merge)?
            }
            Some(old) if old.kind() == ValueKind::Seq && new.kind() == ValueKind::Seq => {
                let (o, n) = (list(old)?, list(&new)?);
                Value::from(match list_merge {
                    "keep" => o,
                    "append" => o.into_iter().chain(n).collect::<Vec<_>>(),
                    "prepend" => n.into_iter().chain(o).collect::<Vec<_>>(),
                    "append_rp" => o
                        .into_iter()
                        .filter(|x| !n.contains(x))
                        .chain(n.clone())
                        .collect(),
                    "prepend_rp" => {
                        let rest: Vec<Value> = o.into_iter().filter(|x| !n.contains(x)).collect();
                        n.into_iter().chain(rest).collect()
                    }
                    _ => n,
                })
            }
            _ => new,
        };
        out.insert(k, merged);
    }
    Ok(Value::from(out))
}

fn dict2items(v: &Value, kwargs: Kwargs) -> Result<Value, Error> {
    let key_name: Option<String> = kwargs.get("key_name")?;
    let value_name: Option<String> = kwargs.get("value_name")?;
    kwargs.assert_all_used()?;
    require_defined(v)?;
    if !is_mapping(v) {
        return Err(fail(
            "dict2items",
            format!(
                "dict2items requires a dictionary, got {} instead.",
                crate::template::py_type_name(v)
            ),
        ));
    }
    let (kn, vn) = (
        key_name.unwrap_or_else(|| "key".into()),
        value_name.unwrap_or_else(|| "value".into()),
    );
    let mut out = Vec::new();
    for k in v.try_iter()? {
        let val = v.get_item(&k)?;
        out.push(map_value([
            (Value::from(kn.as_str()), k),
            (Value::from(vn.as_str()), val),
        ]));
    }
    Ok(Value::from(out))
}

fn items2dict(v: &Value, kwargs: Kwargs) -> Result<Value, Error> {
    let key_name: Option<String> = kwargs.get("key_name")?;
    let value_name: Option<String> = kwargs.get("value_name")?;
    kwargs.assert_all_used()?;
    let (kn, vn) = (
        key_name.unwrap_or_else(|| "key".into()),
        value_name.unwrap_or_else(|| "value".into()),
    );
    let mut out = Vec::new();
    for item in list(v)? {
        let k = item.get_item(&Value::from(kn.as_str()))?;
        let val = item.get_item(&Value::from(vn.as_str()))?;
        if k.is_undefined() || val.is_undefined() {
            return Err(fail(
                "items2dict",
                format!("items2dict requires each dictionary to have keys '{kn}' and '{vn}'"),
            ));
        }
        out.push((k, val));
    }
    Ok(map_value(out))
}

fn zip_longest(a: &Value, rest: Rest<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    let fill: Option<Value> = kwargs.get("fillvalue")?;
    kwargs.assert_all_used()?;
    let fill = fill.unwrap_or(Value::from(()));
    let mut lists = vec![list(a)?];
    for r in rest.iter() {
        lists.push(list(r)?);
    }
    let n = lists.iter().map(Vec::len).max().unwrap_or(0);
    Ok(Value::from(
        (0..n)
            .map(|i| {
                Value::from(
                    lists
                        .iter()
                        .map(|l| l.get(i).cloned().unwrap_or(fill.clone()))
                        .collect::<Vec<_>>(),
                )
            })
            .collect::<Vec<_>>(),
    ))
}

fn permutations(
    items: &[Value],
    r: usize,
    cur: &mut Vec<Value>,
    used: &mut Vec<bool>,
    out: &mut Vec<Value>,
) {
    if cur.len() == r {
        out.push(Value::from(cur.clone()));
        return;
    }
    for i in 0..items.len() {
        if !used[i] {
            used[i] = true;
            cur.push(items[i].clone());
            permutations(items, r, cur, used, out);
            cur.pop();
            used[i] = false;
        }
    }
}

fn combinations(
    items: &[Value],
    r: usize,
    start: usize,
    cur: &mut Vec<Value>,
    out: &mut Vec<Value>,
) {
    if cur.len() == r {
        out.push(Value::from(cur.clone()));
        return;
    }
    for i in start..items.len() {
        cur.push(items[i].clone());
        combinations(items, r, i + 1, cur, out);
        cur.pop();
    }
}

/// `subelements(list_of_dicts, 'key', skip_missing=False)`: pairs (item, subitem).
pub(in crate::template) fn subelements(
    _state: &State,
    v: &Value,
    key: &str,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    let skip: Option<Value> = kwargs.get("skip_missing")?;
    kwargs.assert_all_used()?;
    let skip = skip.is_some_and(|s| s.is_true());
    let items = if is_mapping(v) {
        v.try_iter()?
            .map(|k| v.get_item(&k))
            .collect::<Result<Vec<_>, _>>()?
    } else {
        list(v)?
    };
    let mut out = Vec::new();
    for item in items {
        let mut sub = item.clone();
        for part in key.split('.') {
            sub = sub.get_item(&Value::from(part))?;
            if sub.is_undefined() {
                break;
            }
        }
        if sub.is_undefined() {
            if skip {
                continue;
            }
            return Err(fail(
                "subelements",
                format!(
                    "could not find '{key}' key in iterated item '{}'",
                    py_str(&item)
                ),
            ));
        }
        if sub.kind() != ValueKind::Seq {
            return Err(fail(
                "subelements",
                format!(
                    "the key {key} should point to a list, got '{}'",
                    py_str(&sub)
                ),
            ));
        }
        for s in sub.try_iter()? {
            out.push(Value::from(vec![item.clone(), s]));
        }
    }
    Ok(Value::from(out))
}
