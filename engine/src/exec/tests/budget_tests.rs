use minijinja::Value as JValue;
use proptest::prelude::*;

use crate::exec::budget::*;

use UnreachableRule::{AnsibleCompatible, CountUnreachable};

fn counts(batch_size: usize, failed: usize, unreachable: usize) -> BatchCounts {
    BatchCounts {
        batch_size,
        failed,
        unreachable,
    }
}

/// (percentage, batch size, failed, unreachable, breached) as ansible 2.19 ran it:
/// "breached" means the play stopped after the task and no later play ran.
#[test]
fn max_fail_percentage_matches_ansible() {
    let cases: &[(f64, usize, usize, usize, bool)] = &[
        (30.0, 10, 3, 0, false),
        (30.0, 10, 4, 0, true),
        (0.0, 10, 1, 0, true),
        (0.0, 10, 0, 0, false),
        (100.0, 10, 9, 0, false),
        (100.0, 10, 10, 0, false),
        (29.9, 10, 3, 0, true),
        // Float boundary: 1/3 > 0.3333333333333333 but not > 0.33333333333333337.
        (33.33333333333333, 3, 1, 0, true),
        (33.333333333333336, 3, 1, 0, false),
        // A negative percentage stops the play after the first task, failures or not.
        (-1.0, 10, 0, 0, true),
        (f64::NAN, 10, 5, 0, false),
        // Unreachable hosts stay in the denominator only.
        (30.0, 10, 0, 4, false),
        (30.0, 10, 1, 4, false),
        // Counted per batch: serial 5 at 40%, 2 failed in each batch, then 3.
        (40.0, 5, 2, 0, false),
        (40.0, 5, 3, 0, true),
    ];
    for &(pct, size, failed, unreachable, want) in cases {
        let got = max_fail_breached(pct, counts(size, failed, unreachable), AnsibleCompatible);
        assert_eq!(
            got, want,
            "{pct}% with {failed} failed, {unreachable} unreachable of {size}"
        );
    }
}

#[test]
fn stricter_rule_counts_unreachable_hosts() {
    assert!(max_fail_breached(30.0, counts(10, 0, 4), CountUnreachable));
    assert!(max_fail_breached(30.0, counts(10, 1, 3), CountUnreachable));
    assert!(!max_fail_breached(30.0, counts(10, 1, 2), CountUnreachable));
    assert!(!max_fail_breached(30.0, counts(0, 0, 0), CountUnreachable));
}

/// Recorded: `serial: 1` with h1 unreachable stops the run (exit 4, no later play);
/// `serial: 2` with one unreachable and one failed host stops it too.
#[test]
fn whole_batch_failure_stops_the_run() {
    assert!(whole_batch_failed(counts(1, 0, 1)));
    assert!(whole_batch_failed(counts(1, 1, 0)));
    assert!(whole_batch_failed(counts(2, 1, 1)));
    // Recorded: h1 failed in play 1; play 2 `serial: 2` batch [h1, h2] where h2
    // fails: the run goes on to [h3, h4] (h1 takes a slot but is not counted).
    assert!(!whole_batch_failed(counts(2, 1, 0)));
    assert!(!whole_batch_failed(counts(10, 3, 4)));
    assert!(!whole_batch_failed(counts(0, 0, 0)));
}

#[test]
fn fatal_tasks() {
    let kw = |any_errors_fatal, run_once, ignore_errors| FatalityKeywords {
        any_errors_fatal,
        run_once,
        ignore_errors,
    };
    assert!(task_is_fatal(kw(true, false, false)));
    assert!(task_is_fatal(kw(false, true, false)));
    assert!(task_is_fatal(kw(true, true, false)));
    assert!(!task_is_fatal(kw(false, false, false)));
    assert!(!task_is_fatal(kw(true, false, true)));
    assert!(!task_is_fatal(kw(false, true, true)));

    assert!(fatal_failure_spreads(true, 1, 0));
    assert!(fatal_failure_spreads(true, 0, 1));
    assert!(!fatal_failure_spreads(true, 0, 0));
    assert!(!fatal_failure_spreads(false, 3, 3));
}

/// `max_fail_percentage:` values ansible 2.19 accepted (checked by the failures
/// they tolerate) and rejected ("could not be converted to 'percent'").
#[test]
fn max_fail_percentage_values() {
    let ok: Vec<(JValue, Option<f64>)> = vec![
        (JValue::from(30), Some(30.0)),
        (JValue::from(29.9), Some(29.9)),
        (JValue::from("30%"), Some(30.0)),
        (JValue::from("3%0"), Some(30.0)),
        (JValue::from(" 30 "), Some(30.0)),
        (JValue::from(true), Some(1.0)),
        (JValue::from(()), None),
    ];
    for (value, want) in ok {
        assert_eq!(parse_max_fail_percentage(&value), Ok(want), "{value}");
    }
    assert!(
        parse_max_fail_percentage(&JValue::from("nan")).is_ok_and(|v| v.is_some_and(f64::is_nan))
    );
    for bad in [JValue::from("abc"), JValue::from(""), JValue::from(vec![1])] {
        let err = parse_max_fail_percentage(&bad).unwrap_err();
        assert!(
            err.to_string().starts_with("max_fail_percentage: "),
            "{err}"
        );
    }
}

proptest! {
    /// Same decision as exact rational arithmetic except where floats tie, and
    /// monotonic: one more failure never un-breaches.
    #[test]
    fn breach_is_monotonic_in_failures(size in 1usize..200, pct in 0u32..=100, failed in 0usize..200) {
        let failed = failed.min(size);
        let c = counts(size, failed, 0);
        let breached = max_fail_breached(f64::from(pct), c, AnsibleCompatible);
        if failed * 100 > pct as usize * size + size {
            prop_assert!(breached);
        }
        if failed * 100 <= pct as usize * size {
            prop_assert!(!breached, "equal or below never breaches");
        }
        if breached && failed < size {
            prop_assert!(max_fail_breached(f64::from(pct), counts(size, failed + 1, 0), AnsibleCompatible));
        }
    }

    #[test]
    fn hundred_percent_never_breaches_zero_always_does(size in 1usize..500, failed in 0usize..500) {
        let failed = failed.min(size);
        prop_assert!(!max_fail_breached(100.0, counts(size, failed, 0), AnsibleCompatible));
        prop_assert_eq!(max_fail_breached(0.0, counts(size, failed, 0), AnsibleCompatible), failed > 0);
    }

    #[test]
    fn unreachable_never_counts_unless_asked(
        size in 1usize..100, failed in 0usize..100, unreachable in 0usize..100, pct in 0u32..=100,
    ) {
        let failed = failed.min(size);
        let unreachable = unreachable.min(size - failed);
        let pct = f64::from(pct);
        prop_assert_eq!(
            max_fail_breached(pct, counts(size, failed, unreachable), AnsibleCompatible),
            max_fail_breached(pct, counts(size, failed, 0), AnsibleCompatible)
        );
        prop_assert_eq!(
            max_fail_breached(pct, counts(size, failed, unreachable), CountUnreachable),
            max_fail_breached(pct, counts(size, failed + unreachable, 0), AnsibleCompatible)
        );
    }
}
