//! The TCP side of `wait_for` (ansible/modules/wait_for.py): `state: drained` counts
//! the host's active connections on the port from `/proc/net/tcp{,6}` as
//! `LinuxTCPConnectionInfo` does (local address = one of `host`'s addresses, remote
//! address not in `exclude_hosts`, state in `active_connection_states`), and
//! `search_regex` on a port reads what the server sends.
//!
//! Difference: ansible keeps one connection open and reads until the regex matches
//! or the timeout; here each probe connects, reads for at most [`READ_WINDOW`]
//! seconds (or until the server closes), and the next probe connects again.

use std::net::IpAddr;

use crate::runtime::quote;

/// Seconds one `search_regex` probe reads from the port.
pub(crate) const READ_WINDOW: u64 = 2;

/// ansible's `get_connection_state_id`.
pub(crate) fn state_id(state: &str) -> Option<&'static str> {
    Some(match state {
        "ESTABLISHED" => "01",
        "SYN_SENT" => "02",
        "SYN_RECV" => "03",
        "FIN_WAIT1" => "04",
        "FIN_WAIT2" => "05",
        "TIME_WAIT" => "06",
        _ => return None,
    })
}

pub(crate) const DEFAULT_STATES: &[&str] = &[
    "ESTABLISHED",
    "FIN_WAIT1",
    "FIN_WAIT2",
    "SYN_RECV",
    "SYN_SENT",
    "TIME_WAIT",
];

/// An address as `/proc/net/tcp*` writes it: `(is_v6, hex)`, each 4-byte word
/// little-endian (`_convert_host_to_hex`); an IPv4 address also as `::ffff:a.b.c.d`.
pub(crate) fn proc_hex(ips: &[IpAddr]) -> Vec<(bool, String)> {
    let words = |bytes: &[u8]| -> String {
        bytes
            .chunks(4)
            .map(|w| {
                w.iter()
                    .rev()
                    .map(|b| format!("{b:02X}"))
                    .collect::<String>()
            })
            .collect()
    };
    let mut out = Vec::new();
    for ip in ips {
        match ip {
            IpAddr::V4(v4) => {
                out.push((false, words(&v4.octets())));
                out.push((true, words(&v4.to_ipv6_mapped().octets())));
            }
            IpAddr::V6(v6) => out.push((true, words(&v6.octets()))),
        }
    }
    out
}

/// What to count for `state: drained`.
pub(crate) struct DrainQuery {
    pub port: u16,
    pub ips: Vec<(bool, String)>,
    pub exclude: Vec<(bool, String)>,
    /// State ids (`01`...).
    pub states: Vec<&'static str>,
}

/// The active connections in `/proc/net/tcp` (`tcp`) and `/proc/net/tcp6` (`tcp6`).
pub(crate) fn active_connections(q: &DrainQuery, tcp: &str, tcp6: &str) -> usize {
    let port = format!("{:04X}", q.port);
    let mut count = 0;
    for (v6, table) in [(false, tcp), (true, tcp6)] {
        let match_all = if v6 {
            "00000000000000000000000000000000"
        } else {
            "00000000"
        };
        let has = |set: &[(bool, String)], hex: &str| set.iter().any(|(f, h)| *f == v6 && h == hex);
        for line in table.lines() {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() < 4 || f[1] == "local_address" {
                continue;
            }
            if !q.states.contains(&f[3]) {
                continue;
            }
            let (Some((local_ip, local_port)), Some((remote_ip, _))) =
                (f[1].split_once(':'), f[2].split_once(':'))
            else {
                continue;
            };
            if local_port != port || has(&q.exclude, remote_ip) {
                continue;
            }
            let mapped_all = local_ip.starts_with("0000000000000000FFFF0000")
                && has(&q.ips, "0000000000000000FFFF000000000000");
            if has(&q.ips, local_ip) || has(&q.ips, match_all) || mapped_all {
                count += 1;
            }
        }
    }
    count
}

/// A command printing each name's addresses (`getent ahosts`) under `@@name`.
pub(crate) fn resolve_probe(names: &[String]) -> String {
    names
        .iter()
        .map(|n| {
            let q = quote(n);
            format!("printf '@@%s\\n' {q}; getent ahosts {q} 2>/dev/null | awk '{{print $1}}'")
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The addresses of `name` from a [`resolve_probe`] output (a literal address
/// stands for itself).
pub(crate) fn resolved(name: &str, output: &str) -> Vec<IpAddr> {
    let mut out: Vec<IpAddr> = Vec::new();
    let mut inside = false;
    for line in output.lines() {
        if let Some(n) = line.strip_prefix("@@") {
            inside = n == name;
        } else if inside
            && let Ok(ip) = line.trim().parse::<IpAddr>()
            && !out.contains(&ip)
        {
            out.push(ip);
        }
    }
    if out.is_empty()
        && let Ok(ip) = name.parse::<IpAddr>()
    {
        out.push(ip);
    }
    if out.is_empty() && name == "localhost" {
        out.push(IpAddr::from([127, 0, 0, 1]));
    }
    out
}

/// A command printing both connection tables, split by a `@@tcp6` line.
pub(crate) const TABLES_PROBE: &str =
    "cat /proc/net/tcp 2>/dev/null; echo @@tcp6; cat /proc/net/tcp6 2>/dev/null";

/// Splits [`TABLES_PROBE`] output.
pub(crate) fn split_tables(output: &str) -> (&str, &str) {
    output.split_once("@@tcp6").unwrap_or((output, ""))
}

/// A command that connects to `host:port` and prints `@@open` and then what the
/// server sends within `window` seconds; prints nothing when it cannot connect.
pub(crate) fn read_probe(host: &str, port: i64, connect_timeout: i64, window: u64) -> String {
    let whole = connect_timeout.max(1) as u64 + window;
    format!(
        "t=; w=; if command -v timeout >/dev/null 2>&1; then t='timeout {window}'; w='timeout {whole}'; fi; \
         if command -v bash >/dev/null 2>&1; then \
         $w bash -c 'exec 3<>\"/dev/tcp/$0/$1\" || exit 0; echo @@open; $2 cat <&3' {h} {port} \"$t\" 2>/dev/null; \
         elif command -v nc >/dev/null 2>&1; then echo @@open; nc -w {window} {h} {port} </dev/null 2>/dev/null; \
         else echo noprobe; fi; true",
        h = quote(host)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const TCP: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0000000000000000 100 0 0 10 0
   1: 0100007F:1F90 0100007F:A1B2 01 00000000:00000000 00:00000000 00000000     0        0 2 1 0000000000000000 20 4 30 10 -1
   2: 0100007F:1F90 0200000A:A1B3 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0000000000000000 20 4 30 10 -1
   3: 0100007F:1F90 0100007F:A1B4 06 00000000:00000000 00:00000000 00000000     0        0 4 1 0000000000000000 20 4 30 10 -1
";

    fn query(exclude: &[&str], states: &[&str]) -> DrainQuery {
        let ips = |v: &[&str]| {
            proc_hex(
                &v.iter()
                    .map(|s| s.parse().unwrap())
                    .collect::<Vec<IpAddr>>(),
            )
        };
        DrainQuery {
            port: 8080,
            ips: ips(&["127.0.0.1"]),
            exclude: ips(exclude),
            states: states.iter().filter_map(|s| state_id(s)).collect(),
        }
    }

    #[test]
    fn addresses_in_proc_format() {
        let hex = proc_hex(&["127.0.0.1".parse().unwrap()]);
        assert_eq!(hex[0], (false, "0100007F".to_string()));
        assert_eq!(
            hex[1],
            (true, "0000000000000000FFFF00000100007F".to_string())
        );
        let v6 = proc_hex(&["::1".parse().unwrap()]);
        assert_eq!(v6[0].1, "00000000000000000000000001000000");
    }

    #[test]
    fn drained_counts_active_connections_on_the_port() {
        // The listening socket (0A) never counts; ESTABLISHED and TIME_WAIT do.
        assert_eq!(active_connections(&query(&[], DEFAULT_STATES), TCP, ""), 3);
        assert_eq!(
            active_connections(&query(&["10.0.0.2"], DEFAULT_STATES), TCP, ""),
            2
        );
        assert_eq!(
            active_connections(&query(&[], &["ESTABLISHED"]), TCP, ""),
            2
        );
        let mut other_port = query(&[], DEFAULT_STATES);
        other_port.port = 22;
        assert_eq!(active_connections(&other_port, TCP, ""), 0);
    }

    #[test]
    fn names_resolve_from_getent_or_literally() {
        let out = "@@web\n10.0.0.5\n10.0.0.5\n@@db\n";
        assert_eq!(
            resolved("web", out),
            vec!["10.0.0.5".parse::<IpAddr>().unwrap()]
        );
        assert!(resolved("db", out).is_empty());
        assert_eq!(
            resolved("10.1.1.1", ""),
            vec!["10.1.1.1".parse::<IpAddr>().unwrap()]
        );
        assert_eq!(state_id("LISTEN"), None);
    }
}
