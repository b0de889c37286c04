//! The rollout plan of a play: its hosts in `order:` order, cut into `serial:` batches.
//!
//! Mirrors ansible-core 2.19: `executor/playbook_executor.py::_get_serialized_batches`,
//! `utils/helpers.py::pct_to_int` and `inventory/manager.py::get_hosts` (ordering).
//! Pure: no I/O; shuffling takes the caller's random source.

use minijinja::value::{Value as JValue, ValueKind};
use rand::Rng;
use rand::seq::SliceRandom;

use super::pyparse::{py_float, py_int};
use crate::source::SourceError;
use crate::yaml::{Node, Value as YValue};

/// One entry of a play's `serial:` list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SerialItem {
    /// A number of hosts; zero or less means "all remaining hosts".
    Count(i64),
    /// `"N%"`: N percent of the play's **total** hosts, rounded down, at least 1.
    /// Only whole N: ansible reads it with `int()`, so `"12.5%"` is an error.
    Percent(i64),
}

impl SerialItem {
    /// The batch size this item asks for in a play of `total_hosts` hosts; `<= 0`
    /// means all remaining hosts (`pct_to_int`).
    pub fn size(self, total_hosts: usize) -> i64 {
        match self {
            SerialItem::Count(n) => n,
            SerialItem::Percent(pct) => {
                // Same float steps as `int((value_pct / 100.0) * num_items) or 1`, so
                // e.g. "29%" of 100 hosts is 28, as in ansible (0.29 * 100 < 29).
                let raw = (pct as f64 / 100.0) * total_hosts as f64;
                match raw.trunc() as i64 {
                    0 => 1,
                    n => n,
                }
            }
        }
    }
}

/// A `serial:` value ansible would reject (it crashes with "Unexpected Exception").
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct SerialError {
    pub message: String,
}

const SERIAL_HELP: &str = "use a number of hosts (5), a percentage of the play's hosts \
                           (\"30%\"), or a list of those ([1, \"20%\", \"100%\"])";

/// A `serial:` value reduced to what the rules look at, from either a literal YAML
/// node or a templated value.
enum Raw<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'a str),
    /// Anything else, named for the user ("a list", "a mapping", ...).
    Other(&'static str),
}

fn serial_error(message: String) -> SerialError {
    SerialError { message }
}

/// One item, as `pct_to_int` reads it.
fn parse_item(raw: Raw<'_>) -> Result<SerialItem, SerialError> {
    match raw {
        Raw::Int(n) => Ok(SerialItem::Count(n)),
        // `int(True)` is 1: `serial: yes` runs one host at a time.
        Raw::Bool(b) => Ok(SerialItem::Count(i64::from(b))),
        // `int(1.5)` truncates; infinities and NaN make `int()` raise.
        Raw::Float(f) if f.is_finite() => Ok(SerialItem::Count(f.trunc() as i64)),
        Raw::Float(f) => Err(serial_error(format!(
            "serial: {f} is not a number of hosts"
        ))),
        // `value.replace("%", "")` removes every '%', so "%20%" is 20 percent.
        Raw::Str(s) if s.ends_with('%') => match py_int(&s.replace('%', "")) {
            Some(pct) => Ok(SerialItem::Percent(pct)),
            None if py_float(&s.replace('%', "")).is_some() => Err(serial_error(format!(
                "serial: {s:?} is not a whole percentage; only whole numbers such as \"12%\" are allowed"
            ))),
            None => Err(serial_error(format!(
                "serial: {s:?} is not a percentage such as \"30%\""
            ))),
        },
        Raw::Str(s) => py_int(s).map(SerialItem::Count).ok_or_else(|| {
            serial_error(format!(
                "serial: {s:?} is not a whole number of hosts or a percentage such as \"30%\""
            ))
        }),
        Raw::Null => Err(serial_error(
            "serial: a list item is empty (null); expected a number of hosts or a percentage"
                .to_string(),
        )),
        Raw::Other(kind) => Err(serial_error(format!(
            "serial: expected a number of hosts or a percentage, not {kind}"
        ))),
    }
}

/// Reads a templated `serial:` value: a number, a string (`"5"`, `"30%"`), or a
/// list of those. Null or an empty list means one batch of all hosts (returns `[]`).
///
/// Bad values are errors where ansible 2.19 crashes ("Unexpected Exception",
/// exit 250). Two deliberate differences: an explicit `serial: null` is one batch
/// here (ansible crashes on it), and every list item is checked up front, while
/// ansible only trips over a bad item once the rollout reaches it (`[1, "abc"]`
/// on one host runs there).
pub fn parse_serial(value: &JValue) -> Result<Vec<SerialItem>, SerialError> {
    match value.kind() {
        ValueKind::None | ValueKind::Undefined => Ok(Vec::new()),
        ValueKind::Seq | ValueKind::Iterable => {
            let items = value
                .try_iter()
                .map_err(|_| serial_error("serial: this list cannot be read".to_string()))?;
            items.map(|item| parse_item(raw_of_value(&item))).collect()
        }
        _ => Ok(vec![parse_item(raw_of_value(value))?]),
    }
}

fn raw_of_value(value: &JValue) -> Raw<'_> {
    match value.kind() {
        ValueKind::None | ValueKind::Undefined => Raw::Null,
        ValueKind::Bool => Raw::Bool(value.is_true()),
        ValueKind::Number if value.is_integer() => {
            // Beyond i64 behaves like i64's extremes: all hosts in one batch. Only
            // a huge u128 fails to convert to i128, so that failure means "huge".
            let wide = i128::try_from(value.clone()).unwrap_or(i128::MAX);
            Raw::Int(wide.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64)
        }
        ValueKind::Number => Raw::Float(f64::try_from(value.clone()).unwrap_or(f64::NAN)),
        ValueKind::String => Raw::Str(value.as_str().unwrap_or_default()),
        ValueKind::Seq | ValueKind::Iterable => Raw::Other("a list"),
        ValueKind::Map => Raw::Other("a mapping"),
        _ => Raw::Other("this kind of value"),
    }
}

/// Reads a literal (untemplated) `serial:` node, with errors pointing at the item.
/// Same rules as [`parse_serial`].
pub fn parse_serial_node(node: &Node) -> Result<Vec<SerialItem>, SourceError> {
    let item = |n: &Node| {
        parse_item(raw_of_node(n))
            .map_err(|e| SourceError::new(&n.span, e.message).with_help(SERIAL_HELP))
    };
    match &node.value {
        YValue::Null => Ok(Vec::new()),
        YValue::Seq(items) => items.iter().map(item).collect(),
        _ => Ok(vec![item(node)?]),
    }
}

fn raw_of_node(node: &Node) -> Raw<'_> {
    match &node.value {
        YValue::Null => Raw::Null,
        YValue::Bool(b) => Raw::Bool(*b),
        YValue::Int(n) => Raw::Int(*n),
        YValue::Float(f) => Raw::Float(*f),
        YValue::Str(s) | YValue::Unsafe(s) => Raw::Str(s),
        YValue::Seq(_) => Raw::Other("a list"),
        YValue::Map(_) => Raw::Other("a mapping"),
        YValue::Vault(_) => Raw::Other("an encrypted (vault) value"),
    }
}

/// The help text for [`SerialError`]s, for callers that attach a span themselves.
pub fn serial_help() -> &'static str {
    SERIAL_HELP
}

/// Batch sizes for a play of `total_hosts` hosts: every host in exactly one batch,
/// no empty batch. Percentages are of `total_hosts`, never of the hosts left; the
/// last item repeats; a size `<= 0` takes all remaining hosts. No hosts, no batch.
pub fn plan_batch_sizes(total_hosts: usize, serial: &[SerialItem]) -> Vec<usize> {
    const ALL: &[SerialItem] = &[SerialItem::Count(-1)];
    let items = if serial.is_empty() { ALL } else { serial };
    let mut sizes = Vec::new();
    let mut remaining = total_hosts;
    let mut index = 0;
    // `index` stays below `items.len()` (non-empty), so indexing cannot panic.
    while remaining > 0 {
        let size = items[index].size(total_hosts);
        if size <= 0 {
            sizes.push(remaining);
            break;
        }
        let take = usize::try_from(size).unwrap_or(usize::MAX).min(remaining);
        sizes.push(take);
        remaining -= take;
        index = (index + 1).min(items.len() - 1);
    }
    sizes
}

/// `hosts` (already in `order:` order) cut into batches, order kept. `hosts` are
/// all hosts the play's pattern matches, including hosts that failed in an earlier
/// play: ansible 2.19 still gives them a slot (and counts them in percentages),
/// then skips them (`serial: 2` after h1 failed: batches h1 h2 | h3 h4 | h5).
pub fn plan_batches<H: Clone>(hosts: &[H], serial: &[SerialItem]) -> Vec<Vec<H>> {
    let mut rest = hosts;
    plan_batch_sizes(hosts.len(), serial)
        .into_iter()
        .map(|size| {
            let (batch, tail) = rest.split_at(size);
            rest = tail;
            batch.to_vec()
        })
        .collect()
}

/// A play's `order:` keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HostOrder {
    #[default]
    Inventory,
    ReverseInventory,
    Sorted,
    ReverseSorted,
    Shuffle,
}

/// An `order:` value ansible rejects.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "order: {given:?} is not a host order; expected one of inventory, reverse_inventory, sorted, reverse_sorted, shuffle"
)]
pub struct OrderError {
    pub given: String,
}

impl HostOrder {
    /// Reads `order:` after templating; `None` (absent or null) is `inventory`.
    /// Exact, case-sensitive names, as `get_hosts` compares them.
    pub fn parse(value: Option<&str>) -> Result<Self, OrderError> {
        Ok(match value {
            None | Some("inventory") => HostOrder::Inventory,
            Some("reverse_inventory") => HostOrder::ReverseInventory,
            Some("sorted") => HostOrder::Sorted,
            Some("reverse_sorted") => HostOrder::ReverseSorted,
            Some("shuffle") => HostOrder::Shuffle,
            Some(other) => {
                return Err(OrderError {
                    given: other.to_string(),
                });
            }
        })
    }
}

/// Puts a play's hosts (given in inventory order) in `order` order. Sorting is
/// Python's `sorted(key=name)`: plain code-point order ("h10" before "h2"), stable.
/// `Shuffle` draws from `rng` so tests can seed it (ansible's own shuffle is not
/// reproducible either).
pub fn order_hosts<H, R: Rng + ?Sized>(
    mut hosts: Vec<H>,
    order: HostOrder,
    name: impl Fn(&H) -> &str,
    rng: &mut R,
) -> Vec<H> {
    match order {
        HostOrder::Inventory => {}
        HostOrder::ReverseInventory => hosts.reverse(),
        // UTF-8 byte order equals code-point order, which is how Python compares str.
        HostOrder::Sorted => hosts.sort_by(|a, b| name(a).cmp(name(b))),
        HostOrder::ReverseSorted => hosts.sort_by(|a, b| name(b).cmp(name(a))),
        HostOrder::Shuffle => hosts.shuffle(rng),
    }
    hosts
}
