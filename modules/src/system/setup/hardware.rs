//! Memory, processors, time, user, package and service managers, virtualization.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::parse::Sections;
use crate::command::clock::civil_from_days;

fn meminfo_mb(text: &str) -> BTreeMap<String, i64> {
    text.lines()
        .filter_map(|l| {
            let (k, v) = l.split_once(':')?;
            let kb: i64 = v.split_whitespace().next()?.parse().ok()?;
            Some((k.trim().to_string(), kb / 1024))
        })
        .collect()
}

fn memory(s: &Sections, facts: &mut Map<String, Value>) {
    let m = meminfo_mb(s.get("meminfo"));
    if m.is_empty() {
        return;
    }
    let g = |k: &str| m.get(k).copied().unwrap_or(0);
    let (total, free) = (g("MemTotal"), g("MemFree"));
    let nocache_free = free + g("Buffers") + g("Cached");
    let (swap_total, swap_free) = (g("SwapTotal"), g("SwapFree"));
    facts.insert("ansible_memtotal_mb".into(), json!(total));
    facts.insert("ansible_memfree_mb".into(), json!(free));
    facts.insert("ansible_swaptotal_mb".into(), json!(swap_total));
    facts.insert("ansible_swapfree_mb".into(), json!(swap_free));
    facts.insert(
        "ansible_memory_mb".into(),
        json!({
            "nocache": {"free": nocache_free, "used": total - nocache_free},
            "real": {"free": free, "total": total, "used": total - free},
            "swap": {"cached": g("SwapCached"), "free": swap_free, "total": swap_total, "used": swap_total - swap_free},
        }),
    );
}

/// Processor facts as ansible's LinuxHardware.get_cpu_facts (x86 and most others).
fn processors(s: &Sections, facts: &mut Map<String, Value>) {
    let mut list = Vec::new();
    let mut sockets = BTreeMap::new();
    let mut cores_per_socket = 0i64;
    let mut siblings = 0i64;
    let mut count = 0i64;
    for line in s.lines("cpuinfo") {
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let (k, v) = (k.trim(), v.trim());
        match k {
            "processor" => {
                count += 1;
                list.push(json!(v));
            }
            "model name" | "Processor" | "vendor_id" | "cpu" | "Vendor" => list.push(json!(v)),
            "physical id" => {
                sockets.insert(v.to_string(), ());
            }
            "cpu cores" => cores_per_socket = v.parse().unwrap_or(0),
            "siblings" => siblings = v.parse().unwrap_or(0),
            _ => {}
        }
    }
    if count == 0 {
        return;
    }
    let (sockets, cores) = if sockets.is_empty() {
        (count, 1)
    } else {
        (sockets.len() as i64, cores_per_socket.max(1))
    };
    let threads = if siblings > 0 {
        (siblings / cores).max(1)
    } else {
        1
    };
    let nproc: i64 = s.get("nproc").trim().parse().unwrap_or(count);
    facts.insert("ansible_processor".into(), Value::Array(list));
    facts.insert("ansible_processor_count".into(), json!(sockets));
    facts.insert("ansible_processor_cores".into(), json!(cores));
    facts.insert("ansible_processor_threads_per_core".into(), json!(threads));
    facts.insert(
        "ansible_processor_vcpus".into(),
        json!(threads * cores * sockets),
    );
    facts.insert("ansible_processor_nproc".into(), json!(nproc));
}

const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// `+0130` → seconds east of UTC.
fn offset_seconds(z: &str) -> i64 {
    let sign = if z.starts_with('-') { -1 } else { 1 };
    let digits: String = z.chars().filter(char::is_ascii_digit).collect();
    let n: i64 = digits.parse().unwrap_or(0);
    sign * ((n / 100) * 3600 + (n % 100) * 60)
}

/// `ansible_date_time` from `date '+%s %N %z %Z'` (and the zone's names in January and
/// July, for `tz_dst`).
pub(super) fn date_time(section: &str) -> Option<Value> {
    let mut lines = section.lines().filter(|l| !l.trim().is_empty());
    let now: Vec<&str> = lines.next()?.split_whitespace().collect();
    let epoch: i64 = now.first()?.parse().ok()?;
    let micros: i64 = now
        .get(1)
        .and_then(|n| n.get(..6))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let z = now.get(2).copied().unwrap_or("+0000");
    let tz = now.get(3).copied().unwrap_or("UTC").to_string();
    let zones: Vec<(i64, String)> = lines
        .map(|l| {
            let mut p = l.split_whitespace();
            (
                offset_seconds(p.next().unwrap_or("")),
                p.next().unwrap_or("").to_string(),
            )
        })
        .collect();
    let tz_dst = match zones.as_slice() {
        [(a, an), (b, bn)] if a != b => {
            if a > b {
                an.clone()
            } else {
                bn.clone()
            }
        }
        _ => tz.clone(),
    };
    let local = epoch + offset_seconds(z);
    let (days, secs) = (local.div_euclid(86_400), local.rem_euclid(86_400));
    let (y, mo, d) = civil_from_days(days);
    let (h, mi, se) = (secs / 3600, secs % 3600 / 60, secs % 60);
    let weekday = (days + 4).rem_euclid(7); // 1970-01-01 was a Thursday.
    let yday = days - days_from_civil(y, 1, 1); // 0-based day of the year
    // %W: week of the year, Monday first; days before the first Monday are week 0.
    let weeknumber = (yday + 7 - (weekday + 6) % 7) / 7;
    let (uy, umo, ud) = civil_from_days(epoch.div_euclid(86_400));
    let us = epoch.rem_euclid(86_400);
    let utc = format!(
        "{uy:04}-{umo:02}-{ud:02}T{:02}:{:02}:{:02}",
        us / 3600,
        us % 3600 / 60,
        us % 60
    );
    Some(json!({
        "date": format!("{y:04}-{mo:02}-{d:02}"),
        "day": format!("{d:02}"),
        "epoch": epoch.to_string(),
        "epoch_int": epoch.to_string(),
        "hour": format!("{h:02}"),
        "iso8601": format!("{utc}Z"),
        "iso8601_basic": format!("{y:04}{mo:02}{d:02}T{h:02}{mi:02}{se:02}{micros:06}"),
        "iso8601_basic_short": format!("{y:04}{mo:02}{d:02}T{h:02}{mi:02}{se:02}"),
        "iso8601_micro": format!("{utc}.{micros:06}Z"),
        "minute": format!("{mi:02}"),
        "month": format!("{mo:02}"),
        "second": format!("{se:02}"),
        "time": format!("{h:02}:{mi:02}:{se:02}"),
        "tz": tz,
        "tz_dst": tz_dst,
        "tz_offset": z,
        "weekday": WEEKDAYS[weekday as usize],
        "weekday_number": weekday.to_string(),
        "weeknumber": format!("{weeknumber:02}"),
        "year": format!("{y:04}"),
    }))
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub(super) fn facts(s: &Sections, facts: &mut Map<String, Value>) {
    memory(s, facts);
    processors(s, facts);
    facts.insert("ansible_mounts".into(), mounts(s.get("mounts")));
    if let Some(dt) = date_time(s.get("date")) {
        facts.insert("ansible_date_time".into(), dt);
    }
    if let Some(up) = s.get("uptime").split_whitespace().next()
        && let Ok(secs) = up.parse::<f64>()
    {
        facts.insert("ansible_uptime_seconds".into(), json!(secs as i64));
    }
    let machine_id = s.get("machine_id").trim();
    if !machine_id.is_empty() {
        facts.insert("ansible_machine_id".into(), json!(machine_id));
    }
}

pub(super) fn user_facts(s: &Sections, facts: &mut Map<String, Value>) {
    let lines = s.lines("user");
    let get = |i: usize| lines.get(i).map(|l| l.trim()).unwrap_or("");
    let num = |i: usize| {
        get(i)
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or(Value::Null)
    };
    facts.insert("ansible_user_id".into(), json!(get(0)));
    facts.insert("ansible_effective_user_id".into(), num(1));
    facts.insert("ansible_effective_group_id".into(), num(2));
    facts.insert("ansible_real_user_id".into(), num(3));
    facts.insert("ansible_real_group_id".into(), num(4));
    let pw: Vec<&str> = get(5).split(':').collect();
    if pw.len() >= 7 {
        facts.insert(
            "ansible_user_uid".into(),
            pw[2].parse::<i64>().map(Value::from).unwrap_or(Value::Null),
        );
        facts.insert(
            "ansible_user_gid".into(),
            pw[3].parse::<i64>().map(Value::from).unwrap_or(Value::Null),
        );
        facts.insert("ansible_user_gecos".into(), json!(pw[4]));
        facts.insert("ansible_user_dir".into(), json!(pw[5]));
        facts.insert("ansible_user_shell".into(), json!(pw[6]));
    }
}

/// Ansible's package manager choice among the tools found on the host.
pub(super) fn pkg_mgr(found: &[&str], family: &str) -> String {
    let has = |p: &str| found.contains(&p);
    let choice = match family {
        "Debian" if has("apt-get") => "apt",
        "RedHat" if has("dnf5") => "dnf5",
        "RedHat" if has("dnf") => "dnf",
        "RedHat" if has("yum") => "yum",
        "Suse" if has("zypper") => "zypper",
        "Alpine" if has("apk") => "apk",
        "Archlinux" if has("pacman") => "pacman",
        "Gentoo" if has("emerge") => "portage",
        _ => match found.first() {
            Some(&"apt-get") => "apt",
            Some(&"emerge") => "portage",
            Some(&"pkg") => "pkgng",
            Some(&"xbps-install") => "xbps",
            Some(other) => other,
            None => "unknown",
        },
    };
    choice.to_string()
}

/// Ansible's ServiceMgrFactCollector for Linux: PID 1's name unless it is `init` or a
/// shell, then systemd / openrc / sysvinit by what exists, else `service`.
pub(super) fn service_mgr(lines: &[&str]) -> String {
    let proc_1 = lines.first().map(|l| l.trim()).unwrap_or("");
    let has = |m: &str| lines.iter().skip(1).any(|l| l.trim() == m);
    let name = match proc_1 {
        "" | "init" => None,
        p if p.ends_with("sh") => None,
        "procd" => Some("openwrt_init"),
        "runit-init" => Some("runit"),
        "svscan" => Some("svc"),
        "openrc-init" => Some("openrc"),
        p => Some(p),
    };
    match name {
        Some(n) => n.to_string(),
        None if has("systemd-booted") => "systemd".into(),
        None if has("openrc") => "openrc".into(),
        None if has("initd") => "sysvinit".into(),
        None => "service".into(),
    }
}

/// Best-effort virtualization type and role (docker, podman, lxc, openvz, kvm, ...).
pub(super) fn virtualization(lines: &[&str]) -> (String, String, Vec<String>) {
    let has = |m: &str| lines.iter().any(|l| l.trim() == m);
    let value = |k: &str| {
        lines
            .iter()
            .find_map(|l| l.strip_prefix(k).map(|v| v.trim().to_string()))
            .unwrap_or_default()
    };
    let mut guest = Vec::new();
    if has("docker_cgroup") || has("dockerenv") {
        guest.push("docker".to_string());
    }
    if has("podman") {
        guest.push("podman".into());
    }
    if has("lxc") {
        guest.push("lxc".into());
    }
    if !guest.is_empty() {
        guest.push("container".into());
    }
    let product = value("product=");
    let vendor = value("vendor=");
    let vm =
        if product.contains("KVM") || product.contains("Standard PC") || vendor.contains("QEMU") {
            Some("kvm")
        } else if product.contains("VMware") {
            Some("VMware")
        } else if product.contains("VirtualBox") {
            Some("virtualbox")
        } else if vendor.contains("Microsoft") {
            Some("VirtualPC")
        } else if vendor.contains("Amazon") {
            Some("kvm")
        } else if has("openvz") {
            Some("openvz")
        } else {
            None
        };
    let (t, role) = match guest.first() {
        Some(t) => (t.clone(), "guest"),
        None => match vm {
            Some(v) => (v.to_string(), "guest"),
            None => ("NA".to_string(), "NA"),
        },
    };
    (t, role.to_string(), guest)
}

/// Package/service managers, virtualization, security modules, environment.
pub(super) fn system_facts(s: &Sections, facts: &mut Map<String, Value>) {
    let family = facts
        .get("ansible_os_family")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let found: Vec<&str> = s
        .lines("pkg")
        .into_iter()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    facts.insert("ansible_pkg_mgr".into(), json!(pkg_mgr(&found, &family)));
    facts.insert(
        "ansible_service_mgr".into(),
        json!(service_mgr(&s.lines("init"))),
    );
    let (t, role, guest) = virtualization(&s.lines("virt"));
    facts.insert("ansible_virtualization_type".into(), json!(t));
    facts.insert("ansible_virtualization_role".into(), json!(role));
    facts.insert("ansible_virtualization_tech_guest".into(), json!(guest));
    let selinux = match s.get("selinux").trim() {
        "1" => json!({"status": "enabled", "mode": "enforcing"}),
        "0" => json!({"status": "enabled", "mode": "permissive"}),
        _ => json!({"status": "disabled"}),
    };
    facts.insert("ansible_selinux".into(), selinux);
    let apparmor = if s.get("apparmor").trim() == "enabled" {
        "enabled"
    } else {
        "disabled"
    };
    facts.insert("ansible_apparmor".into(), json!({"status": apparmor}));
    facts.insert("ansible_env".into(), Value::Object(env(s.get("env"))));
    facts.insert("ansible_local".into(), local_facts(s.get("local")));
}

/// `env -0` output (or plain `env` where `-0` is missing), sorted by name.
pub(super) fn env(text: &str) -> Map<String, Value> {
    let entries: Vec<&str> = if text.contains('\0') {
        text.split('\0').collect()
    } else {
        text.lines().collect()
    };
    let mut vars: BTreeMap<String, String> = BTreeMap::new();
    for e in entries {
        let e = e.strip_prefix('\n').unwrap_or(e);
        if let Some((k, v)) = e.split_once('=')
            && !k.is_empty()
        {
            vars.insert(k.to_string(), v.to_string());
        }
    }
    vars.into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect()
}

/// `ansible_local` from `facts.d/*.fact`: JSON, else INI sections (as configparser),
/// else ansible's error string.
pub(super) fn local_facts(section: &str) -> Value {
    let mut out = Map::new();
    for chunk in section.split("%%fact%%").skip(1) {
        let (header, body) = chunk.split_once('\n').unwrap_or((chunk, ""));
        let (name, path) = header.split_once('|').unwrap_or((header, header));
        let value = match serde_json::from_str::<Value>(body.trim()) {
            Ok(v) => v,
            Err(_) => ini(body).unwrap_or_else(|| {
                json!(format!(
                    "error loading facts as JSON or ini - please check content: {path}"
                ))
            }),
        };
        out.insert(name.to_string(), value);
    }
    Value::Object(out)
}

/// A small configparser: `[section]` then `key = value` / `key: value` lines.
fn ini(text: &str) -> Option<Value> {
    let mut sections = Map::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            sections.insert(name.to_string(), json!({}));
            current = Some(name.to_string());
            continue;
        }
        let (k, v) = line.split_once(['=', ':'])?;
        let section = sections.get_mut(current.as_deref()?)?.as_object_mut()?;
        // configparser lowercases keys.
        section.insert(k.trim().to_lowercase(), json!(v.trim()));
    }
    (!sections.is_empty()).then_some(Value::Object(sections))
}

/// `ansible_mounts` from /proc/mounts and `stat -f` (statvfs), as ansible's
/// LinuxHardware.get_mount_facts: real devices only.
pub(super) fn mounts(section: &str) -> Value {
    let list = section
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split('|').collect();
            if f.len() < 8 {
                return None;
            }
            let mut m = Map::new();
            m.insert("device".into(), json!(f[0]));
            m.insert("mount".into(), json!(f[1]));
            m.insert("fstype".into(), json!(f[2]));
            m.insert("options".into(), json!(f[3]));
            m.insert("dump".into(), json!(f[4].parse::<i64>().unwrap_or(0)));
            m.insert("passno".into(), json!(f[5].parse::<i64>().unwrap_or(0)));
            let vfs: Vec<u64> = f[6]
                .split_whitespace()
                .filter_map(|n| n.parse().ok())
                .collect();
            if let [_frsize, bsize, blocks, _bfree, bavail, files, ffree] = vfs[..] {
                m.insert("block_size".into(), json!(bsize));
                m.insert("block_total".into(), json!(blocks));
                m.insert("block_available".into(), json!(bavail));
                m.insert("block_used".into(), json!(blocks.saturating_sub(bavail)));
                m.insert("size_total".into(), json!(blocks * bsize));
                m.insert("size_available".into(), json!(bavail * bsize));
                m.insert("inode_total".into(), json!(files));
                m.insert("inode_available".into(), json!(ffree));
                m.insert("inode_used".into(), json!(files.saturating_sub(ffree)));
            }
            let uuid = f[7].trim();
            m.insert(
                "uuid".into(),
                json!(if uuid.is_empty() { "N/A" } else { uuid }),
            );
            let mut sorted: Vec<(String, Value)> = m.into_iter().collect();
            sorted.sort_by(|a, b| a.0.cmp(&b.0));
            Some(Value::Object(sorted.into_iter().collect()))
        })
        .collect();
    Value::Array(list)
}
