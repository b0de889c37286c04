//! Package modules: `ringmaster.builtin.patch` (OS updates with an exact plan),
//! `ansible.builtin.apt`, `ansible.builtin.dnf` and `ansible.builtin.package_facts`. Each builds commands and
//! parses replies in pure functions (`apt_plan`, `rpm_plan`); the modules only run
//! commands through the [`Remote`].

mod apt;
mod apt_args;
pub(crate) mod apt_plan;
mod apt_repository;
mod dnf;
mod dnf_args;
mod dnf_errors;
pub(crate) mod dnf_plan;
mod facts;
mod package;
mod patch;
pub(crate) mod rpm_plan;

#[cfg(test)]
mod dnf_tests;
#[cfg(test)]
mod tests;

pub use apt::AptModule;
pub use apt_repository::AptRepositoryModule;
pub use dnf::DnfModule;
pub use facts::PackageFactsModule;
pub use package::PackageModule;
pub use patch::PatchModule;

use std::time::{Duration, Instant};

use crate::runtime::{ExecOutput, ModuleError, Remote, TaskCx};

/// Prints the first package manager found on the host.
pub const DETECT_PACKAGE_MANAGER_COMMAND: &str = "for b in apt-get dnf yum zypper; do \
     if command -v $b >/dev/null 2>&1; then echo $b; break; fi; done";

/// The host's package manager as Ansible names it (`apt`, `dnf`, `yum`, `zypper`, ...):
/// the gathered `ansible_pkg_mgr` fact when there is one, else the host is asked (one
/// command). `None` when the host has none of apt-get, dnf, yum, zypper.
async fn host_package_manager(cx: &TaskCx<'_>) -> Result<Option<String>, ModuleError> {
    let known = cx.controller.fact("pkg_mgr");
    if let Some(name) = known.as_ref().and_then(|v| v.as_str())
        && name != "unknown"
        && !name.is_empty()
    {
        return Ok(Some(name.to_string()));
    }
    let found = run(cx.remote, DETECT_PACKAGE_MANAGER_COMMAND).await?;
    Ok(match found.stdout_text().trim() {
        "" => None,
        "apt-get" => Some("apt".to_string()),
        other => Some(other.to_string()),
    })
}

/// Runs `cmd` on the host; a transport failure makes the host unreachable.
async fn run(remote: &dyn Remote, cmd: &str) -> Result<ExecOutput, ModuleError> {
    Ok(remote.exec(cmd, None).await?)
}

/// What a command that needs the package manager's lock ended with.
enum Locked {
    Ran(ExecOutput),
    /// The lock was still held after `lock_timeout` seconds: apt's/dnf's own message.
    TimedOut(String),
}

/// Runs `cmd`, retrying every second while it fails because another process holds the
/// package manager lock, for at most `lock_timeout` seconds (apt-get waits by itself
/// for the dpkg lock with `DPkg::Lock::Timeout`, but not for the lists lock of
/// `apt-get update`).
async fn run_locked(
    remote: &dyn Remote,
    cmd: &str,
    lock_timeout: u64,
    is_lock_error: fn(&str) -> bool,
) -> Result<Locked, ModuleError> {
    let start = Instant::now();
    loop {
        let out = run(remote, cmd).await?;
        let stderr = out.stderr_text();
        if out.rc == 0 || !is_lock_error(&stderr) {
            return Ok(Locked::Ran(out));
        }
        if start.elapsed() >= Duration::from_secs(lock_timeout) {
            return Ok(Locked::TimedOut(apt_plan::apt_errors(&stderr)));
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Whether the host says a reboot is needed: Debian's `/var/run/reboot-required`
/// (update-notifier), RHEL's `needs-restarting -r` exit code 1.
async fn reboot_required(remote: &dyn Remote) -> Result<bool, ModuleError> {
    let out = run(remote, crate::system::reboot::REBOOT_REQUIRED_COMMAND).await?;
    Ok(out.stdout_text().trim() == "required")
}

/// The lock message every backend fails with when the lock stays held.
fn lock_timeout_message(lock_timeout: u64, detail: &str) -> String {
    format!(
        "the package manager lock is held by another process; gave up after waiting \
         {lock_timeout} s (lock_timeout): {detail}"
    )
}
