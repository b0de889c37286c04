//! `gather_subset`, as ansible-core 2.19's `module_utils/facts/collector.py`
//! (`get_collector_names`): `min` is always added unless `!min`; `all` adds every
//! collector; `!all` excludes all but `min`; `!name` excludes one collector unless it
//! was named explicitly; no positive subset means all. `hardware` needs `platform`,
//! `network` needs `platform` and `distribution` (ansible's `required_facts`).
//! Each fact ringmaster gathers belongs to the collector that gives it in ansible.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

/// ansible's minimal gather subset.
const MIN: &[&str] = &[
    "apparmor",
    "caps",
    "cmdline",
    "date_time",
    "distribution",
    "dns",
    "env",
    "fips",
    "local",
    "lsb",
    "pkg_mgr",
    "platform",
    "python",
    "selinux",
    "service_mgr",
    "ssh_pub_keys",
    "user",
];

/// The other collectors (and `facter`/`ohai`, which give nothing here).
const OTHERS: &[&str] = &[
    "chroot",
    "facter",
    "fibre_channel",
    "hardware",
    "iscsi",
    "loadavg",
    "network",
    "nvme",
    "ohai",
    "virtual",
];

/// Aliases ansible accepts for a collector.
fn canonical(name: &str) -> &str {
    match name {
        "devices" | "dmi" => "hardware",
        "interfaces" => "network",
        "distribution_version" | "distribution_release" | "distribution_major_version" => {
            "distribution"
        }
        "machine" => "platform",
        "system_capabilities" | "system_capabilities_enforced" => "caps",
        other => other,
    }
}

/// The collectors `gather_subset` selects.
pub fn collectors(gather_subset: &[String]) -> Result<BTreeSet<String>, String> {
    let valid: BTreeSet<&str> = MIN.iter().chain(OTHERS).copied().collect();
    let min: BTreeSet<&str> = MIN.iter().copied().collect();
    let given: Vec<String> = if gather_subset.is_empty() {
        vec!["all".into()]
    } else {
        gather_subset.iter().map(|s| s.trim().to_string()).collect()
    };
    let mut add: BTreeSet<String> = BTreeSet::new();
    let mut exclude: BTreeSet<String> = BTreeSet::new();
    let mut explicit: BTreeSet<String> = BTreeSet::new();
    for subset in std::iter::once("min".to_string()).chain(given) {
        match subset.as_str() {
            "min" => add.extend(min.iter().map(|s| s.to_string())),
            "all" => add.extend(valid.iter().map(|s| s.to_string())),
            "!min" => exclude.extend(min.iter().map(|s| s.to_string())),
            "!all" => exclude.extend(valid.difference(&min).map(|s| s.to_string())),
            s => match s.strip_prefix('!') {
                Some(name) => {
                    exclude.insert(canonical(name).to_string());
                }
                None => {
                    let name = canonical(s);
                    if !valid.contains(name) {
                        let allowed: Vec<&str> = valid.iter().copied().collect();
                        return Err(format!(
                            "Bad subset '{s}' given to Ansible. gather_subset options allowed: all, {}",
                            allowed.join(", ")
                        ));
                    }
                    explicit.insert(name.to_string());
                    add.insert(name.to_string());
                }
            },
        }
    }
    if add.is_empty() {
        add.extend(valid.iter().map(|s| s.to_string()));
    }
    for e in exclude.difference(&explicit) {
        add.remove(e);
    }
    if add.contains("hardware") || add.contains("network") {
        add.insert("platform".into());
    }
    if add.contains("network") {
        add.insert("distribution".into());
    }
    Ok(add)
}

/// The collector that gives the fact `key` (`ansible_*`); `interfaces` are the
/// names in `ansible_interfaces` (each has its own `ansible_<name>` fact).
pub fn collector_of(key: &str, interfaces: &[String]) -> &'static str {
    let k = key.strip_prefix("ansible_").unwrap_or(key);
    if interfaces
        .iter()
        .any(|i| i.replace(['-', ':', '.'], "_") == k)
    {
        return "network";
    }
    let starts = |prefixes: &[&str]| prefixes.iter().any(|p| k.starts_with(p));
    match k {
        "system"
        | "kernel"
        | "kernel_version"
        | "machine"
        | "python_version"
        | "architecture"
        | "userspace_architecture"
        | "userspace_bits"
        | "nodename"
        | "hostname"
        | "fqdn"
        | "domain"
        | "machine_id" => "platform",
        "os_family" => "distribution",
        "apparmor" => "apparmor",
        "cmdline" | "proc_cmdline" => "cmdline",
        "date_time" => "date_time",
        "dns" => "dns",
        "env" => "env",
        "fips" => "fips",
        "local" => "local",
        "lsb" => "lsb",
        "pkg_mgr" => "pkg_mgr",
        "python" => "python",
        "service_mgr" => "service_mgr",
        "loadavg" => "loadavg",
        "is_chroot" => "chroot",
        "iscsi_iqn" => "iscsi",
        "fibre_channel_wwn" => "fibre_channel",
        "hostnqn" => "nvme",
        "all_ipv4_addresses"
        | "all_ipv6_addresses"
        | "default_ipv4"
        | "default_ipv6"
        | "interfaces"
        | "locally_reachable_ips" => "network",
        "device_links" | "devices" | "flags" | "form_factor" | "lvm" | "memory_mb" | "mounts"
        | "system_vendor" | "uptime_seconds" => "hardware",
        _ if starts(&["distribution"]) => "distribution",
        _ if starts(&["selinux"]) => "selinux",
        _ if starts(&["system_capabilities"]) => "caps",
        _ if starts(&["ssh_host_key"]) => "ssh_pub_keys",
        _ if starts(&["user_", "effective_", "real_"]) => "user",
        _ if starts(&["virtualization_"]) => "virtual",
        _ if starts(&[
            "bios_",
            "board_",
            "chassis_",
            "mem",
            "processor",
            "product_",
            "swap",
        ]) =>
        {
            "hardware"
        }
        _ => "platform",
    }
}

/// Keeps the facts of the selected collectors.
pub fn select(facts: Map<String, Value>, selected: &BTreeSet<String>) -> Map<String, Value> {
    let interfaces: Vec<String> = facts
        .get("ansible_interfaces")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    facts
        .into_iter()
        .filter(|(k, _)| selected.contains(collector_of(k, &interfaces)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(subset: &[&str]) -> BTreeSet<String> {
        collectors(&subset.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn subsets_select_collectors_as_ansible() {
        // Recorded (ansible 2.19 setup on this machine, run corpus 100).
        let min = names(&["!all"]);
        assert!(min.contains("distribution") && min.contains("date_time"));
        assert!(!min.contains("hardware") && !min.contains("network"));
        let net = names(&["!all", "!min", "network"]);
        assert_eq!(
            net.iter().map(String::as_str).collect::<Vec<_>>(),
            vec!["distribution", "network", "platform"]
        );
        let hw = names(&["!all", "!min", "hardware"]);
        assert_eq!(
            hw.iter().map(String::as_str).collect::<Vec<_>>(),
            vec!["hardware", "platform"]
        );
        assert!(names(&["!all", "!min"]).is_empty());
        assert!(names(&["!all", "!min", "virtual"]).contains("virtual"));
        let all = names(&["all", "!facter"]);
        assert!(all.contains("network") && all.contains("hardware") && !all.contains("facter"));
        assert!(names(&[]).contains("hardware"));
        assert!(collectors(&["bogus".into()]).is_err());
    }

    #[test]
    fn facts_belong_to_their_collectors() {
        let ifs = vec!["eth0".to_string(), "lo".to_string()];
        assert_eq!(collector_of("ansible_eth0", &ifs), "network");
        assert_eq!(collector_of("ansible_default_ipv4", &ifs), "network");
        assert_eq!(collector_of("ansible_memtotal_mb", &ifs), "hardware");
        assert_eq!(collector_of("ansible_processor_vcpus", &ifs), "hardware");
        assert_eq!(
            collector_of("ansible_distribution_version", &ifs),
            "distribution"
        );
        assert_eq!(collector_of("ansible_hostname", &ifs), "platform");
        assert_eq!(collector_of("ansible_user_id", &ifs), "user");
        assert_eq!(collector_of("ansible_virtualization_type", &ifs), "virtual");
    }
}
