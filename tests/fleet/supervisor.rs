//! The supervisor thread: the parent of every host process of one fleet. Host processes
//! are started with `setpriv --pdeathsig KILL`, which ties them to the thread that spawned
//! them: this thread lives exactly as long as the fleet, and when the test process dies
//! the kernel kills every host. It also carries out the reboots hosts ask for.

use std::fs::{self, OpenOptions};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::host::{self, HostDir};
use super::process::{self, ProcId};

/// How long a host keeps running after `shutdown -r` returned (so the command's own
/// session completes, as on a real machine).
const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);
/// How long a rebooting host stays down (connections are refused meanwhile).
const DOWN_DURATION: Duration = Duration::from_secs(2);
const TICK: Duration = Duration::from_millis(100);

pub type Reply = Sender<Result<(), String>>;

pub enum Request {
    /// Start these hosts (those already up are left alone).
    Boot(Vec<usize>, Reply),
    /// SIGKILL the host's PID 1; it stays down.
    Kill(usize, Reply),
    /// Whether the host is up or on its way up (booting, rebooting).
    Powered(usize, Sender<bool>),
    /// End every host and the thread.
    Stop(Reply),
}

/// A running host: `unshare` (our child) and the host's PID 1 (its child).
struct Running {
    child: Child,
    unshare: Option<ProcId>,
    init: Option<ProcId>,
}

enum Power {
    Down,
    Up(Running),
    /// Asked to shut down; killed at `at`, then booted again if `reboot`.
    Stopping {
        running: Running,
        at: Instant,
        reboot: bool,
    },
    /// Down for a reboot; booted again at `at`.
    Restarting {
        at: Instant,
    },
}

pub fn spawn(dirs: Vec<HostDir>) -> Result<(Sender<Request>, JoinHandle<()>), String> {
    let (sender, receiver) = mpsc::channel();
    let handle = thread::Builder::new()
        .name("fleet-supervisor".into())
        .spawn(move || Supervisor::new(dirs).run(receiver))
        .map_err(|e| format!("cannot start the fleet supervisor thread: {e}"))?;
    Ok((sender, handle))
}

struct Supervisor {
    dirs: Vec<HostDir>,
    power: Vec<Power>,
}

impl Supervisor {
    fn new(dirs: Vec<HostDir>) -> Supervisor {
        let power = dirs.iter().map(|_| Power::Down).collect();
        Supervisor { dirs, power }
    }

    fn run(mut self, requests: Receiver<Request>) {
        loop {
            match requests.recv_timeout(TICK) {
                Ok(Request::Boot(hosts, reply)) => {
                    let _ = reply.send(self.boot(&hosts));
                }
                Ok(Request::Kill(index, reply)) => {
                    let answer = if index < self.power.len() {
                        self.kill(index);
                        Ok(())
                    } else {
                        Err(format!("no host with index {index}"))
                    };
                    let _ = reply.send(answer);
                }
                Ok(Request::Powered(index, reply)) => {
                    let powered = self
                        .power
                        .get(index)
                        .is_some_and(|power| !matches!(power, Power::Down));
                    let _ = reply.send(powered);
                }
                Ok(Request::Stop(reply)) => {
                    self.kill_all();
                    let _ = reply.send(Ok(()));
                    return;
                }
                Err(RecvTimeoutError::Disconnected) => {
                    self.kill_all();
                    return;
                }
                Err(RecvTimeoutError::Timeout) => {}
            }
            self.tick();
        }
    }

    fn boot(&mut self, hosts: &[usize]) -> Result<(), String> {
        let mut started = Vec::new();
        for &index in hosts {
            match self.power.get(index) {
                None => return Err(format!("no host with index {index}")),
                Some(Power::Up(_)) => continue,
                Some(Power::Stopping { .. }) => self.kill(index),
                Some(Power::Down | Power::Restarting { .. }) => {}
            }
            let running = self.start(index)?;
            self.power[index] = Power::Up(running);
            started.push(index);
        }
        // Recorded once every host is started: `unshare` forks the host's PID 1 at once,
        // and looking for it host by host would serialise the start.
        for index in started {
            self.record(index);
        }
        Ok(())
    }

    /// Starts host `index` with a new boot id.
    fn start(&self, index: usize) -> Result<Running, String> {
        let dir = &self.dirs[index];
        fs::write(dir.boot_id(), format!("{}\n", host::new_boot_id()))
            .map_err(|e| format!("cannot write {}: {e}", dir.boot_id().display()))?;
        let _ = fs::remove_file(dir.request());
        let console = OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.console())
            .map_err(|e| format!("cannot open {}: {e}", dir.console().display()))?;
        let console_err = console
            .try_clone()
            .map_err(|e| format!("cannot open {}: {e}", dir.console().display()))?;
        let child = Command::new("setpriv")
            .args(["--pdeathsig", "KILL", "--"])
            .args([
                "unshare",
                "--mount",
                "--uts",
                "--ipc",
                "--pid",
                "--fork",
                "--kill-child",
            ])
            .arg("--")
            .arg("/bin/sh")
            .arg(dir.boot_script())
            .env_clear()
            .env(
                "PATH",
                "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            )
            .env("LANG", "C.UTF-8")
            .stdin(Stdio::null())
            .stdout(console)
            .stderr(console_err)
            .spawn()
            .map_err(|e| format!("cannot start a host (setpriv/unshare, util-linux): {e}"))?;
        let unshare = ProcId::of(child.id());
        Ok(Running {
            child,
            unshare,
            init: None,
        })
    }

    /// Finds the host's PID 1 and records both processes in the host's `pids` file.
    fn record(&mut self, index: usize) {
        let Power::Up(running) = &mut self.power[index] else {
            return;
        };
        let deadline = Instant::now() + Duration::from_secs(2);
        while running.init.is_none() && Instant::now() < deadline {
            running.init = running.unshare.and_then(|u| u.first_child());
            if running.init.is_none() {
                thread::sleep(Duration::from_millis(1));
            }
        }
        let records: Vec<String> = [running.unshare, running.init]
            .into_iter()
            .flatten()
            .map(|p| p.to_record() + "\n")
            .collect();
        let _ = fs::write(self.dirs[index].pids(), records.concat());
    }

    /// SIGKILL to the host's PID 1 (every process of the host dies with it), then to
    /// `unshare`; waits until both are gone.
    fn kill(&mut self, index: usize) {
        let Some(power) = self.power.get_mut(index) else {
            return;
        };
        match std::mem::replace(power, Power::Down) {
            Power::Up(running) | Power::Stopping { running, .. } => {
                end(running);
                let _ = fs::remove_file(self.dirs[index].pids());
            }
            Power::Down | Power::Restarting { .. } => {}
        }
    }

    fn kill_all(&mut self) {
        // Every PID 1 at once first; then each host is reaped.
        let inits: Vec<ProcId> = self
            .power
            .iter()
            .filter_map(|power| match power {
                Power::Up(running) | Power::Stopping { running, .. } => running.init,
                Power::Down | Power::Restarting { .. } => None,
            })
            .collect();
        process::kill_all(&inits);
        for index in 0..self.power.len() {
            self.kill(index);
        }
    }

    /// Reboot and power-off requests, and their timed steps.
    fn tick(&mut self) {
        let now = Instant::now();
        for index in 0..self.power.len() {
            let next = match &mut self.power[index] {
                Power::Up(running) => {
                    if let Some((reboot, delay)) = take_request(self.dirs[index].request()) {
                        Some(Step::Stop {
                            at: now + SHUTDOWN_GRACE.max(delay),
                            reboot,
                        })
                    } else if matches!(running.child.try_wait(), Ok(Some(_))) {
                        // sshd ended by itself (or was killed from inside): the host is off.
                        Some(Step::Kill)
                    } else {
                        None
                    }
                }
                Power::Stopping { at, reboot, .. } if now >= *at => {
                    Some(if *reboot { Step::Restart } else { Step::Kill })
                }
                Power::Restarting { at } if now >= *at => Some(Step::Boot),
                _ => None,
            };
            match next {
                None => {}
                Some(Step::Stop { at, reboot }) => {
                    if let Power::Up(running) =
                        std::mem::replace(&mut self.power[index], Power::Down)
                    {
                        self.power[index] = Power::Stopping {
                            running,
                            at,
                            reboot,
                        };
                    }
                }
                Some(Step::Kill) => self.kill(index),
                Some(Step::Restart) => {
                    self.kill(index);
                    self.power[index] = Power::Restarting {
                        at: Instant::now() + DOWN_DURATION,
                    };
                }
                Some(Step::Boot) => {
                    self.power[index] = Power::Down;
                    if let Err(message) = self.boot(&[index]) {
                        super::base::progress(&format!("rebooting host {index} failed: {message}"));
                    }
                }
            }
        }
    }
}

enum Step {
    Stop { at: Instant, reboot: bool },
    Kill,
    Restart,
    Boot,
}

fn end(mut running: Running) {
    let init = running
        .init
        .or_else(|| running.unshare.and_then(|u| u.first_child()));
    if let Some(init) = init {
        init.kill();
    }
    let _ = running.child.kill();
    let _ = running.child.wait();
    // `unshare` is gone; its child got SIGKILL through --kill-child if the kill above
    // missed it. Wait until the kernel has really removed the host's PID 1 (and with it
    // the whole PID namespace).
    if let Some(init) = init {
        let deadline = Instant::now() + Duration::from_secs(5);
        while init.is_alive() && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(2));
        }
    }
}

/// The host's request ("reboot|poweroff DELAY_SECONDS"), removed once read.
fn take_request(path: PathBuf) -> Option<(bool, Duration)> {
    let text = fs::read_to_string(&path).ok()?;
    let _ = fs::remove_file(&path);
    let mut words = text.split_whitespace();
    let reboot = words.next() == Some("reboot");
    let delay = words.next().and_then(|d| d.parse().ok()).unwrap_or(0);
    Some((reboot, Duration::from_secs(delay)))
}
