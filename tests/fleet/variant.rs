//! Base variants: the default base plus extra Debian packages, kept as an overlay layer of
//! their own (only the files the packages added or changed, ~25 MB for systemd) that
//! hosts stack on top of the base (`lowerdir=LAYER:BASE`). Built from the built base by
//! a chroot `apt-get install` from Debian's mirror (seconds, no second debootstrap), and
//! cached next to the base, keyed by the base and the variant's script; a build that is
//! killed half way never leaves a layer that is reused.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::time::Instant;

use sha2::{Digest, Sha256};

use super::base::{self, CACHE_DIR};

/// A built variant: mount it as an overlay with [`Variant::lowerdir`].
#[derive(Debug, Clone)]
pub struct Variant {
    /// The variant's own files (an overlay upper layer: whiteouts mark removed files).
    pub layer: PathBuf,
    /// The default base under it.
    pub base: PathBuf,
}

impl Variant {
    /// The overlay `lowerdir=` value: the variant's layer over the base.
    pub fn lowerdir(&self) -> String {
        format!("{}:{}", self.layer.display(), self.base.display())
    }
}

/// The cached variant `name` = the default base + `packages` (apt, no recommends) +
/// `script` (shell, run in the chroot after the install), building it if needed. During
/// the build no service may start (policy-rc.d) and apt's sources are Debian's mirror;
/// afterwards the host's only source is the fleet repository again, as in the base.
pub fn ensure_variant(name: &str, packages: &[&str], script: &str) -> Result<Variant, String> {
    let base = base::ensure_base()?;
    let chroot_script = format!(
        r#"set -e
export DEBIAN_FRONTEND=noninteractive
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
chmod 755 /usr/sbin/policy-rc.d
cp -p /etc/apt/sources.list /tmp/fleet-sources.list
echo 'deb http://deb.debian.org/debian {suite} main' > /etc/apt/sources.list
apt-get update -qq
apt-get install -y --no-install-recommends {packages}
mv /tmp/fleet-sources.list /etc/apt/sources.list
rm -f /usr/sbin/policy-rc.d
apt-get clean
rm -rf /var/lib/apt/lists/*
{script}
"#,
        suite = "bookworm",
        packages = packages.join(" "),
    );
    let base_name = base
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let key = format!("{base_name}\n--- variant {name} ---\n{chroot_script}");
    let hash: String = Sha256::digest(key.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let cache = Path::new(CACHE_DIR);
    let stem = format!("variant-{name}-{}", &hash[..16]);
    let layer = cache.join(&stem);
    // The rename below is the last step of a build: an existing directory is complete.
    if layer.is_dir() {
        return Ok(Variant { layer, base });
    }
    // Its own lock: `ensure_base` above holds build.lock while it builds.
    let lock_path = cache.join("variant.lock");
    let lock = File::create(&lock_path)
        .map_err(|e| format!("cannot create {}: {e}", lock_path.display()))?;
    lock.lock()
        .map_err(|e| format!("cannot lock {}: {e}", lock_path.display()))?;
    if layer.is_dir() {
        return Ok(Variant { layer, base });
    }
    remove_partial_builds(cache, &format!("variant-{name}-"));
    let partial = cache.join(format!("{stem}.partial-{}", std::process::id()));
    let log_path = cache.join(format!("{stem}.log"));
    let started = Instant::now();
    base::progress(&format!(
        "building the base variant '{name}' (base + {}) into {}; log: {}",
        packages.join(" "),
        layer.display(),
        log_path.display()
    ));
    for sub in ["layer", "work", "root"] {
        let path = partial.join(sub);
        fs::create_dir_all(&path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    }
    fs::write(partial.join("layer.recipe"), &key)
        .map_err(|e| format!("cannot write the variant's recipe: {e}"))?;
    let log = File::create(&log_path)
        .map_err(|e| format!("cannot create {}: {e}", log_path.display()))?;
    // The overlay and /proc are mounted in the build's own mount namespace only.
    let mount_and_run = format!(
        "mount -t overlay overlay -o 'lowerdir={base},upperdir={p}/layer,workdir={p}/work' '{p}/root' \
         && mount -t proc proc '{p}/root/proc' && chroot '{p}/root' /bin/sh -c \"$1\"",
        base = base.display(),
        p = partial.display(),
    );
    base::run_in_namespace(
        &["sh", "-c", &mount_and_run, "sh", &chroot_script],
        &log,
        &log_path,
    )?;
    fs::rename(partial.join("layer"), &layer)
        .map_err(|e| format!("cannot move the finished variant: {e}"))?;
    let _ = fs::remove_dir_all(&partial);
    base::progress(&format!(
        "base variant '{name}' ready after {:.0} s",
        started.elapsed().as_secs_f64()
    ));
    Ok(Variant { layer, base })
}

/// Half-built variants of killed runs (we hold the variant lock: nobody is building them).
fn remove_partial_builds(cache: &Path, prefix: &str) {
    let Ok(entries) = fs::read_dir(cache) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(prefix) && name.contains(".partial-") {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}
