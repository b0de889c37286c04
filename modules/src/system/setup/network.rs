//! Network facts from `ip` and /sys/class/net: default route, addresses, interfaces, DNS.

use serde_json::{Map, Value, json};

use super::parse::Sections;

/// Python's `socket.getfqdn()`: the first dotted name among the canonical name and
/// aliases of the host's address, else the canonical name, else the node name.
pub(super) fn fqdn(nodename: &str, hosts_line: &str) -> String {
    let names: Vec<&str> = hosts_line.split_whitespace().skip(1).collect();
    match names.iter().find(|n| n.contains('.')) {
        Some(n) => n.to_string(),
        None => names.first().map_or(nodename, |n| *n).to_string(),
    }
}

struct Addr {
    interface: String,
    family: String,
    address: String,
    prefix: u32,
    broadcast: String,
    scope: String,
}

fn addresses(text: &str) -> Vec<Addr> {
    text.lines()
        .filter_map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            let interface = words
                .get(1)?
                .trim_end_matches(':')
                .split('@')
                .next()?
                .to_string();
            let family = words.get(2)?.to_string();
            let (address, prefix) = words.get(3)?.split_once('/')?;
            let after = |k: &str| {
                words
                    .iter()
                    .position(|w| *w == k)
                    .and_then(|i| words.get(i + 1))
                    .map(|w| w.to_string())
                    .unwrap_or_default()
            };
            Some(Addr {
                interface,
                family,
                address: address.to_string(),
                prefix: prefix.parse().ok()?,
                broadcast: after("brd"),
                scope: after("scope"),
            })
        })
        .collect()
}

fn ipv4_mask(prefix: u32) -> u32 {
    if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix.min(32))
    }
}

fn ipv4(a: &str) -> Option<u32> {
    let parts: Vec<u32> = a
        .split('.')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    (parts.len() == 4 && parts.iter().all(|p| *p < 256))
        .then(|| parts.iter().fold(0, |acc, p| (acc << 8) | p))
}

fn dotted(n: u32) -> String {
    format!(
        "{}.{}.{}.{}",
        n >> 24,
        (n >> 16) & 255,
        (n >> 8) & 255,
        n & 255
    )
}

/// One interface from /sys/class/net.
struct NetDev {
    name: String,
    mac: String,
    mtu: Option<i64>,
    kind: String,
    flags: u64,
    speed: Option<i64>,
    pciid: String,
}

/// The `netdev` section: `name|mac|mtu|type|flags|speed|device` per interface.
fn netdevs(text: &str) -> Vec<NetDev> {
    text.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split('|').collect();
            let field = |i: usize| f.get(i).map(|v| v.trim()).unwrap_or("");
            let name = field(0);
            if name.is_empty() {
                return None;
            }
            // ansible's LinuxNetwork INTERFACE_TYPE.
            let kind = match field(3) {
                "1" => "ether",
                "32" => "infiniband",
                "512" => "ppp",
                "772" => "loopback",
                "65534" => "tunnel",
                _ => "unknown",
            };
            Some(NetDev {
                name: name.to_string(),
                mac: field(1).to_string(),
                mtu: field(2).parse().ok(),
                kind: kind.to_string(),
                flags: u64::from_str_radix(field(4).trim_start_matches("0x"), 16).unwrap_or(0),
                speed: field(5).parse().ok(),
                pciid: field(6).to_string(),
            })
        })
        .collect()
}

/// `ansible_<interface>`: state, addresses, MAC, MTU, type, as ansible's LinuxNetwork.
fn interface_fact(dev: &NetDev, addrs: &[Addr]) -> Value {
    let mut m = Map::new();
    m.insert("active".into(), json!(dev.flags & 0x1 != 0));
    m.insert("device".into(), json!(dev.name));
    let mut v4 = addrs
        .iter()
        .filter(|a| a.interface == dev.name && a.family == "inet")
        .map(|a| {
            let mask = ipv4_mask(a.prefix);
            let network = ipv4(&a.address)
                .map(|n| dotted(n & mask))
                .unwrap_or_default();
            json!({
                "address": a.address, "broadcast": a.broadcast, "netmask": dotted(mask),
                "network": network, "prefix": a.prefix.to_string(),
            })
        });
    if let Some(first) = v4.next() {
        m.insert("ipv4".into(), first);
        let secondaries: Vec<Value> = v4.collect();
        if !secondaries.is_empty() {
            m.insert("ipv4_secondaries".into(), Value::Array(secondaries));
        }
    }
    let v6: Vec<Value> = addrs
        .iter()
        .filter(|a| a.interface == dev.name && a.family == "inet6")
        .map(|a| json!({"address": a.address, "prefix": a.prefix.to_string(), "scope": a.scope}))
        .collect();
    if !v6.is_empty() {
        m.insert("ipv6".into(), Value::Array(v6));
    }
    if !dev.mac.is_empty() && dev.mac != "00:00:00:00:00:00" {
        m.insert("macaddress".into(), json!(dev.mac));
    }
    if let Some(mtu) = dev.mtu {
        m.insert("mtu".into(), json!(mtu));
    }
    if !dev.pciid.is_empty() {
        m.insert("pciid".into(), json!(dev.pciid));
    }
    m.insert("promisc".into(), json!(dev.flags & 0x100 != 0));
    if let Some(speed) = dev.speed {
        m.insert("speed".into(), json!(speed));
    }
    m.insert("type".into(), json!(dev.kind));
    sorted(m)
}

/// `via`, `dev` and `src` of an `ip route get` reply.
fn route(text: &str) -> Option<(String, String, String)> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let after = |k: &str| {
        words
            .iter()
            .position(|w| *w == k)
            .and_then(|i| words.get(i + 1))
            .map(|w| w.to_string())
            .unwrap_or_default()
    };
    let dev = after("dev");
    (!dev.is_empty()).then(|| (after("via"), dev, after("src")))
}

pub(super) fn facts(s: &Sections, facts: &mut Map<String, Value>) {
    let addrs = addresses(s.get("addr"));
    let devs = netdevs(s.get("netdev"));
    let v4: Vec<Value> = addrs
        .iter()
        .filter(|a| a.family == "inet" && !a.address.starts_with("127."))
        .map(|a| json!(a.address))
        .collect();
    let v6: Vec<Value> = addrs
        .iter()
        .filter(|a| a.family == "inet6" && a.scope != "host")
        .map(|a| json!(a.address))
        .collect();
    facts.insert("ansible_all_ipv4_addresses".into(), Value::Array(v4));
    facts.insert("ansible_all_ipv6_addresses".into(), Value::Array(v6));
    facts.insert(
        "ansible_interfaces".into(),
        Value::Array(devs.iter().map(|d| json!(d.name)).collect()),
    );
    for d in &devs {
        let key = format!("ansible_{}", d.name.replace(['-', ':', '.'], "_"));
        facts.insert(key, interface_fact(d, &addrs));
    }
    let dev = |name: &str| devs.iter().find(|d| d.name == name);
    let mut default4 = Map::new();
    if let Some((gateway, interface, src)) = route(s.get("route4")) {
        default4.insert("gateway".into(), json!(gateway));
        default4.insert("interface".into(), json!(interface));
        default4.insert("alias".into(), json!(interface));
        let addr = addrs.iter().find(|a| {
            a.family == "inet" && a.interface == interface && (src.is_empty() || a.address == src)
        });
        default4.insert(
            "address".into(),
            json!(addr.map_or(src.clone(), |a| a.address.clone())),
        );
        if let Some(a) = addr {
            default4.insert("broadcast".into(), json!(a.broadcast));
            default4.insert("prefix".into(), json!(a.prefix.to_string()));
            let mask = ipv4_mask(a.prefix);
            default4.insert("netmask".into(), json!(dotted(mask)));
            if let Some(n) = ipv4(&a.address) {
                default4.insert("network".into(), json!(dotted(n & mask)));
            }
        }
        if let Some(d) = dev(&interface) {
            default4.insert("macaddress".into(), json!(d.mac));
            default4.insert("mtu".into(), json!(d.mtu));
            default4.insert("type".into(), json!(d.kind));
        }
    }
    facts.insert("ansible_default_ipv4".into(), sorted(default4));
    let mut default6 = Map::new();
    if let Some((gateway, interface, src)) = route(s.get("route6")) {
        default6.insert("gateway".into(), json!(gateway));
        default6.insert("interface".into(), json!(interface));
        default6.insert("address".into(), json!(src));
        if let Some(a) = addrs
            .iter()
            .find(|a| a.family == "inet6" && a.address == src)
        {
            default6.insert("prefix".into(), json!(a.prefix.to_string()));
            default6.insert("scope".into(), json!(a.scope));
        }
        if let Some(d) = dev(&interface) {
            default6.insert("macaddress".into(), json!(d.mac));
            default6.insert("mtu".into(), json!(d.mtu));
            default6.insert("type".into(), json!(d.kind));
        }
    }
    facts.insert("ansible_default_ipv6".into(), sorted(default6));
    facts.insert("ansible_dns".into(), dns(s.get("dns")));
}

fn sorted(m: Map<String, Value>) -> Value {
    let mut v: Vec<(String, Value)> = m.into_iter().collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    Value::Object(v.into_iter().collect())
}

/// `ansible_dns` from resolv.conf: nameservers, domain, search, options.
fn dns(text: &str) -> Value {
    let mut m = Map::new();
    let mut nameservers = Vec::new();
    for line in text.lines() {
        let mut w = line.split_whitespace();
        match w.next() {
            Some("nameserver") => nameservers.extend(w.next().map(|n| json!(n))),
            Some("domain") => {
                m.insert("domain".into(), json!(w.next().unwrap_or("")));
            }
            Some("search") => {
                m.insert("search".into(), Value::Array(w.map(|s| json!(s)).collect()));
            }
            Some("sortlist") => {
                m.insert(
                    "sortlist".into(),
                    Value::Array(w.map(|s| json!(s)).collect()),
                );
            }
            Some("options") => {
                let mut opts = Map::new();
                for o in w {
                    let (k, v) = o.split_once(':').unwrap_or((o, ""));
                    opts.insert(k.into(), if v.is_empty() { json!(true) } else { json!(v) });
                }
                m.insert("options".into(), Value::Object(opts));
            }
            _ => {}
        }
    }
    if !nameservers.is_empty() {
        m.insert("nameservers".into(), Value::Array(nameservers));
    }
    sorted(m)
}
