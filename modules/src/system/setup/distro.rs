//! Distribution facts, from os-release, lsb_release and release files (a subset of
//! ansible/module_utils/facts/system/distribution.py).

use serde_json::{Map, Value, json};

use super::parse::{Sections, shell_vars};

/// os-release `ID` to Ansible's distribution name.
fn distribution_name(id: &str, name: &str) -> String {
    match id {
        "debian" => "Debian",
        "ubuntu" => "Ubuntu",
        "linuxmint" => "Linux Mint",
        "kali" => "Kali",
        "raspbian" => "Debian",
        "pop" => "Pop!_OS",
        "devuan" => "Devuan",
        "centos" => "CentOS",
        "rhel" => "RedHat",
        "fedora" => "Fedora",
        "rocky" => "Rocky",
        "almalinux" => "AlmaLinux",
        "ol" => "OracleLinux",
        "amzn" => "Amazon",
        "alpine" => "Alpine",
        "arch" | "archarm" => "Archlinux",
        "manjaro" => "Manjaro",
        "gentoo" => "Gentoo",
        "opensuse-leap" => "openSUSE Leap",
        "opensuse-tumbleweed" => "openSUSE Tumbleweed",
        "sles" => "SLES",
        "sles_sap" => "SLES_SAP",
        "nixos" => "NixOS",
        "void" => "Void",
        "" => return name.to_string(),
        other => return capitalize(other),
    }
    .to_string()
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// Ansible's OS_FAMILY_MAP, inverted.
pub(super) fn os_family(distribution: &str) -> String {
    let family = match distribution {
        "RedHat"
        | "Fedora"
        | "CentOS"
        | "Scientific"
        | "SLC"
        | "Ascendos"
        | "CloudLinux"
        | "PSBM"
        | "OracleLinux"
        | "OVS"
        | "OEL"
        | "Amazon"
        | "Virtuozzo"
        | "XenServer"
        | "Alibaba"
        | "EulerOS"
        | "openEuler"
        | "AlmaLinux"
        | "Rocky"
        | "TencentOS"
        | "EuroLinux"
        | "Kylin Linux Advanced Server"
        | "MIRACLE" => "RedHat",
        "Debian" | "Ubuntu" | "Raspbian" | "Neon" | "KDE neon" | "Linux Mint" | "SteamOS"
        | "Devuan" | "Kali" | "Cumulus Linux" | "Pop!_OS" | "Parrot" | "Pardus GNU/Linux"
        | "Uos" | "Deepin" | "OSMC" | "Linux Lite" => "Debian",
        "SLES"
        | "SLED"
        | "OpenSuSE"
        | "openSUSE Leap"
        | "openSUSE Tumbleweed"
        | "SuSE"
        | "SLES_SAP"
        | "SUSE_LINUX"
        | "openSUSE" => "Suse",
        "Archlinux" | "Antergos" | "Manjaro" => "Archlinux",
        "Gentoo" | "Funtoo" => "Gentoo",
        "Alpine" => "Alpine",
        "NixOS" => "NixOS",
        "Void" => "Void",
        other => other,
    };
    family.to_string()
}

pub(super) fn facts(s: &Sections, facts: &mut Map<String, Value>) {
    let os = shell_vars(s.get("os_release"));
    let files = shell_vars(s.get("release_files"));
    let get = |k: &str| os.get(k).cloned().unwrap_or_default();
    let system = facts
        .get("ansible_system")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let distribution = if os.is_empty() {
        system.clone()
    } else {
        distribution_name(&get("ID"), &get("NAME"))
    };
    let mut version = get("VERSION_ID");
    if distribution == "Debian" {
        // Ansible reads point releases from /etc/debian_version ("12.11").
        if let Some(v) = files.get("/etc/debian_version")
            && v.chars().next().is_some_and(|c| c.is_ascii_digit())
        {
            version = v.clone();
        }
    }
    if let Some(rh) = files.get("/etc/redhat-release") {
        // "Rocky Linux release 9.3 (Blue Onyx)": the precise version.
        if let Some(v) = rh.split_whitespace().skip_while(|w| *w != "release").nth(1) {
            version = v.to_string();
        }
    }
    let major = version.split('.').next().unwrap_or("").to_string();
    let mut release = get("VERSION_CODENAME");
    if release.is_empty() {
        release = get("UBUNTU_CODENAME");
    }
    if release.is_empty()
        && let Some(rh) = files.get("/etc/redhat-release")
        && let (Some(a), Some(b)) = (rh.find('('), rh.rfind(')'))
    {
        release = rh[a + 1..b].to_string();
    }
    if release.is_empty() {
        release = "NA".into();
    }
    let family = os_family(&distribution);
    // The release file ansible's Distribution collector parsed (its OSDIST_LIST).
    let file = match (family.as_str(), distribution.as_str()) {
        ("Debian", _) => Some(("/etc/os-release", "Debian")),
        ("RedHat", _) if files.contains_key("/etc/redhat-release") => {
            Some(("/etc/redhat-release", "RedHat"))
        }
        ("Alpine", _) => Some(("/etc/alpine-release", "Alpine")),
        ("Archlinux", _) => Some(("/etc/arch-release", "Archlinux")),
        ("Suse", _) => Some(("/etc/os-release", "SUSE")),
        ("Gentoo", _) => Some(("/etc/gentoo-release", "Gentoo")),
        _ => None,
    };
    if let Some((path, variety)) = file {
        facts.insert("ansible_distribution_file_parsed".into(), true.into());
        facts.insert("ansible_distribution_file_path".into(), path.into());
        facts.insert("ansible_distribution_file_variety".into(), variety.into());
    }
    facts.insert("ansible_distribution".into(), distribution.into());
    facts.insert(
        "ansible_distribution_version".into(),
        version.clone().into(),
    );
    facts.insert("ansible_distribution_major_version".into(), major.into());
    if let Some((_, minor)) = version.split_once('.') {
        let minor = minor.split('.').next().unwrap_or("");
        facts.insert("ansible_distribution_minor_version".into(), minor.into());
    }
    facts.insert("ansible_distribution_release".into(), release.into());
    facts.insert("ansible_os_family".into(), family.into());

    if let Some(lsb) = lsb(s.get("lsb"), s.get("lsb_file")) {
        facts.insert("ansible_lsb".into(), lsb);
    }
}

/// `ansible_lsb` from `lsb_release -a` (or /etc/lsb-release).
fn lsb(command: &str, file: &str) -> Option<Value> {
    let mut m = Map::new();
    for line in command.lines() {
        if let Some((k, v)) = line.split_once(':') {
            let key = match k.trim() {
                "Distributor ID" => "id",
                "Description" => "description",
                "Release" => "release",
                "Codename" => "codename",
                _ => continue,
            };
            m.insert(key.into(), v.trim().into());
        }
    }
    if m.is_empty() {
        let vars = shell_vars(file);
        for (k, key) in [
            ("DISTRIB_ID", "id"),
            ("DISTRIB_RELEASE", "release"),
            ("DISTRIB_DESCRIPTION", "description"),
            ("DISTRIB_CODENAME", "codename"),
        ] {
            if let Some(v) = vars.get(k) {
                m.insert(key.into(), v.clone().into());
            }
        }
    }
    if m.is_empty() {
        return None;
    }
    if let Some(release) = m.get("release").and_then(Value::as_str) {
        let major = release.split('.').next().unwrap_or("").to_string();
        m.insert("major_release".into(), json!(major));
    }
    let mut sorted: Vec<(String, Value)> = m.into_iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    Some(Value::Object(sorted.into_iter().collect()))
}
