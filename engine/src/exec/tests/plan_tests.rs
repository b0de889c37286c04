use minijinja::Value as JValue;
use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::json;

use crate::exec::plan::*;

fn hosts(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("h{i}")).collect()
}

fn sizes_for(total: usize, serial: &JValue) -> Result<Vec<usize>, SerialError> {
    parse_serial(serial).map(|items| plan_batch_sizes(total, &items))
}

/// JSON test data as the templated value the executor would hand over.
fn j(value: serde_json::Value) -> JValue {
    use serde_json::Value as J;
    match value {
        J::Null => JValue::from(()),
        J::Bool(b) => JValue::from(b),
        J::Number(n) => match n.as_i64() {
            Some(i) => JValue::from(i),
            None => JValue::from(n.as_f64().unwrap_or(f64::NAN)),
        },
        J::String(s) => JValue::from(s),
        J::Array(items) => JValue::from(items.into_iter().map(j).collect::<Vec<_>>()),
        J::Object(map) => JValue::from(
            map.into_iter()
                .map(|(k, v)| (k, j(v)))
                .collect::<std::collections::BTreeMap<String, JValue>>(),
        ),
    }
}

/// `serial:` values and the batch sizes ansible-playbook 2.19 ran them with.
#[test]
fn batch_sizes_match_ansible() {
    let rep = |size: usize, times: usize| vec![size; times];
    let cases: Vec<(usize, JValue, Vec<usize>)> = vec![
        (10, j(json!([1, "20%", -1])), vec![1, 2, 7]),
        (20, j(json!("30%")), vec![6, 6, 6, 2]),
        (10, j(json!("30%")), vec![3, 3, 3, 1]),
        (10, j(json!("0")), vec![10]),
        (10, j(json!(0)), vec![10]),
        (10, j(json!(-1)), vec![10]),
        (10, j(json!("150%")), vec![10]),
        (10, j(json!(" 20 %")), rep(2, 5)),
        (10, j(json!("20 %")), rep(2, 5)),
        (10, j(json!("%20%")), rep(2, 5)),
        (10, j(json!("20%%")), rep(2, 5)),
        (10, j(json!("2%0%")), rep(2, 5)),
        (10, j(json!("+20%")), rep(2, 5)),
        (10, j(json!("1_0%")), rep(1, 10)),
        (10, j(json!("0%")), rep(1, 10)),
        (10, j(json!("-5%")), rep(1, 10)),
        (10, j(json!("-20%")), vec![10]),
        (10, j(json!(1.5)), rep(1, 10)),
        (10, j(json!(0.5)), vec![10]),
        (10, j(json!(" 3 ")), vec![3, 3, 3, 1]),
        (10, j(json!(" +3")), vec![3, 3, 3, 1]),
        (10, j(json!("03")), vec![3, 3, 3, 1]),
        (10, j(json!(true)), rep(1, 10)),
        (10, j(json!(false)), vec![10]),
        (10, j(json!([])), vec![10]),
        (10, j(json!([2, "50%", 1, 3])), vec![2, 5, 1, 2]),
        (10, j(json!([3, 2])), vec![3, 2, 2, 2, 1]),
        // Float arithmetic as ansible does it: 0.29 * 100 is 28.999..., so 28.
        (100, j(json!("29%")), vec![28, 28, 28, 16]),
        (100, j(json!("7%")), [rep(7, 14), vec![2]].concat()),
        (0, j(json!("30%")), vec![]),
        // ansible hangs on these (it loops `range(serial)`); one batch here.
        (10, j(json!(i64::MAX)), vec![10]),
        (10, j(json!("99999999999999999999999%")), vec![10]),
    ];
    for (total, serial, want) in cases {
        assert_eq!(
            sizes_for(total, &serial),
            Ok(want),
            "serial {serial} on {total} hosts"
        );
    }
}

/// Values ansible 2.19 crashes on ("Unexpected Exception", exit 250); errors here.
#[test]
fn bad_serial_values_are_errors() {
    let cases: Vec<(JValue, &str)> = vec![
        (
            j(json!("12.5%")),
            "serial: \"12.5%\" is not a whole percentage",
        ),
        (j(json!("1.5%")), "is not a whole percentage"),
        (
            j(json!("1.5")),
            "serial: \"1.5\" is not a whole number of hosts",
        ),
        (j(json!("3.0")), "is not a whole number of hosts"),
        (j(json!("abc")), "serial: \"abc\" is not a whole number"),
        (j(json!("")), "is not a whole number"),
        (j(json!("% 20")), "is not a whole number"),
        (j(json!("abc%")), "serial: \"abc%\" is not a percentage"),
        (j(json!("1__0")), "is not a whole number"),
        (j(json!("_10")), "is not a whole number"),
        (j(json!("10_")), "is not a whole number"),
        (j(json!("- 3")), "is not a whole number"),
        (j(json!("0x3")), "is not a whole number"),
        (j(json!([1, "abc"])), "\"abc\""),
        (j(json!([2, null])), "empty (null)"),
        (j(json!([[1]])), "not a list"),
        (j(json!({"a": 1})), "not a mapping"),
        (JValue::from(f64::INFINITY), "inf is not a number of hosts"),
    ];
    for (serial, want) in cases {
        match parse_serial(&serial) {
            Err(e) => assert!(e.message.contains(want), "serial {serial}: {e}"),
            Ok(items) => panic!("serial {serial} accepted as {items:?}"),
        }
    }
}

/// Deliberate differences from ansible (which crashes or only fails when the bad
/// item is reached): null is one batch, bad items are errors even if unreached.
#[test]
fn null_is_one_batch_and_unreached_bad_items_still_fail() {
    assert_eq!(sizes_for(3, &JValue::from(())), Ok(vec![3]));
    // ansible: one batch of h1 and done ("abc" never read); the same for -1 first.
    assert!(sizes_for(1, &j(json!([1, "abc"]))).is_err());
    assert!(sizes_for(10, &j(json!([-1, "abc"]))).is_err());
}

#[test]
fn batches_keep_host_order() {
    let items = parse_serial(&j(json!([1, "20%", -1]))).unwrap();
    let batches = plan_batches(&hosts(10), &items);
    let names: Vec<String> = batches.iter().map(|b| b.join(" ")).collect();
    assert_eq!(names, ["h1", "h2 h3", "h4 h5 h6 h7 h8 h9 h10"]);
}

#[test]
fn literal_node_errors_point_at_the_item() {
    let file = crate::source::SourceFile::new("site.yml", "serial: [1, '12.5%']\n");
    let at = |col| crate::source::Span::new(file.clone(), 0, 1, col);
    let node = crate::yaml::Node {
        value: crate::yaml::Value::Seq(vec![
            crate::yaml::Node {
                value: crate::yaml::Value::Int(1),
                span: at(10),
            },
            crate::yaml::Node {
                value: crate::yaml::Value::Str("12.5%".into()),
                span: at(13),
            },
        ]),
        span: at(9),
    };
    let err = parse_serial_node(&node).unwrap_err();
    assert_eq!(err.span.as_ref().map(|s| s.col), Some(13));
    assert!(
        err.message.contains("not a whole percentage"),
        "{}",
        err.message
    );
    assert!(err.help.is_some());
    let one = crate::yaml::Node {
        value: crate::yaml::Value::Str("30%".into()),
        span: at(9),
    };
    assert_eq!(parse_serial_node(&one).unwrap(), [SerialItem::Percent(30)]);
}

/// Orders recorded from ansible 2.19 on h1..h10 (`order:` keyword).
#[test]
fn host_order_matches_ansible() {
    let mut rng = StdRng::seed_from_u64(7);
    let run = |order: &str, rng: &mut StdRng| {
        let order = HostOrder::parse(Some(order)).unwrap();
        order_hosts(hosts(10), order, |h: &String| h.as_str(), rng).join(" ")
    };
    assert_eq!(run("inventory", &mut rng), "h1 h2 h3 h4 h5 h6 h7 h8 h9 h10");
    assert_eq!(run("sorted", &mut rng), "h1 h10 h2 h3 h4 h5 h6 h7 h8 h9");
    assert_eq!(
        run("reverse_sorted", &mut rng),
        "h9 h8 h7 h6 h5 h4 h3 h2 h10 h1"
    );
    assert_eq!(
        run("reverse_inventory", &mut rng),
        "h10 h9 h8 h7 h6 h5 h4 h3 h2 h1"
    );
    assert_eq!(HostOrder::parse(None), Ok(HostOrder::Inventory));
    // ansible: "Invalid 'order' specified for inventory hosts: Sorted" (exit 5).
    for bad in ["bogus", "Sorted", ""] {
        let err = HostOrder::parse(Some(bad)).unwrap_err();
        assert!(err.to_string().contains("is not a host order"), "{err}");
    }
}

#[test]
fn shuffle_is_a_seeded_permutation() {
    let shuffled = |seed| {
        let mut rng = StdRng::seed_from_u64(seed);
        order_hosts(
            hosts(20),
            HostOrder::Shuffle,
            |h: &String| h.as_str(),
            &mut rng,
        )
    };
    assert_eq!(shuffled(1), shuffled(1));
    let mut sorted = shuffled(1);
    sorted.sort();
    let mut all = hosts(20);
    all.sort();
    assert_eq!(sorted, all);
}

fn serial_item() -> impl Strategy<Value = SerialItem> {
    prop_oneof![
        (-3i64..30).prop_map(SerialItem::Count),
        (-50i64..200).prop_map(SerialItem::Percent),
    ]
}

proptest! {
    #[test]
    fn every_host_in_exactly_one_batch_in_order(
        total in 0usize..120,
        serial in proptest::collection::vec(serial_item(), 0..5),
    ) {
        let all = hosts(total);
        let batches = plan_batches(&all, &serial);
        prop_assert!(batches.iter().all(|b| !b.is_empty()));
        prop_assert_eq!(batches.concat(), all);
    }

    #[test]
    fn batch_sizes_follow_the_serial_list(
        total in 1usize..120,
        serial in proptest::collection::vec(serial_item(), 1..5),
    ) {
        let sizes = plan_batch_sizes(total, &serial);
        let last = sizes.len() - 1;
        for (i, size) in sizes.iter().enumerate() {
            let item = serial[i.min(serial.len() - 1)];
            let asked = item.size(total);
            let remaining = total - sizes[..i].iter().sum::<usize>();
            if asked <= 0 {
                // All remaining hosts, and nothing after.
                prop_assert_eq!(*size, remaining);
                prop_assert_eq!(i, last);
            } else {
                prop_assert_eq!(*size, (asked as usize).min(remaining));
            }
        }
    }

    #[test]
    fn percentages_are_of_the_total_and_at_least_one(total in 1usize..500, pct in 0i64..=100) {
        let size = SerialItem::Percent(pct).size(total);
        prop_assert!(size >= 1);
        prop_assert!(size as usize <= total.max(1));
        // Rounded down: never more than the exact share (beyond float noise).
        prop_assert!((size as f64) <= (pct as f64 * total as f64 / 100.0).max(1.0) + 1e-9);
    }
}
