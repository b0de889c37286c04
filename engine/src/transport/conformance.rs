//! The behaviour every [`Remote`] must show, written against the trait only (inspecting
//! the host through `exec`), so each transport (local, ssh, ...) runs the same checks
//! against a scratch directory on its host.

use modules::runtime::{Remote, quote};

/// Files in `dir` on the host, sorted (`ls -A`).
async fn list(r: &dyn Remote, dir: &str) -> Vec<String> {
    let out = r
        .exec(&format!("ls -A {}", quote(dir)), None)
        .await
        .unwrap();
    let mut names: Vec<String> = out.stdout_text().lines().map(str::to_string).collect();
    names.sort();
    names
}

pub(crate) async fn exit_codes_and_streams(r: &dyn Remote) {
    let out = r
        .exec("echo out; echo err >&2; exit 3", None)
        .await
        .unwrap();
    assert_eq!(
        (out.rc, out.stdout.as_slice(), out.stderr.as_slice()),
        (3, &b"out\n"[..], &b"err\n"[..])
    );
    assert_eq!(r.exec("true", None).await.unwrap().rc, 0);
    assert_eq!(r.exec("no-such-command-xyz", None).await.unwrap().rc, 127);
}

pub(crate) async fn stdin_is_passed_and_optional(r: &dyn Remote) {
    let out = r
        .exec("cat; printf end", Some(b"line1\nline2"))
        .await
        .unwrap();
    assert_eq!(out.stdout, b"line1\nline2end");
    assert_eq!(r.exec("cat", None).await.unwrap().stdout, b"");
    let big = vec![b'x'; 4 << 20];
    assert_eq!(r.exec("echo ignored", Some(&big)).await.unwrap().rc, 0);
    let out = r.exec("wc -c", Some(&big)).await.unwrap();
    assert_eq!(out.stdout_text().trim(), (4 << 20).to_string());
}

pub(crate) async fn large_output_is_whole(r: &dyn Remote) {
    let out = r
        .exec(
            "head -c 10485760 /dev/zero; head -c 1048576 /dev/zero >&2",
            None,
        )
        .await
        .unwrap();
    assert_eq!((out.stdout.len(), out.stderr.len()), (10 << 20, 1 << 20));
}

pub(crate) async fn hostile_words_survive_quoting(r: &dyn Remote) {
    for s in [
        "$(echo pwned)",
        "`echo pwned`",
        "a; echo pwned",
        "line1\nline2",
        "it's \"quoted\"",
        "ünïcødé ✓ 日本",
        "$HOME ${PATH} \\ * ? [a] ~ # & | < > !",
        "",
        "-n",
    ] {
        let out = r
            .exec(&format!("printf %s {}", quote(s)), None)
            .await
            .unwrap();
        assert_eq!(out.stdout_text(), s);
    }
}

pub(crate) async fn files_round_trip_atomically(r: &dyn Remote, scratch: &str) {
    let path = format!("{scratch}/it's a \"file\" with spaces.bin");
    let data: Vec<u8> = (0..=255u8).cycle().take(300_000).collect();
    r.put(&data, &path, Some(0o640)).await.unwrap();
    assert_eq!(r.get(&path).await.unwrap(), data);
    let mode = r
        .exec(&format!("stat -c %a {}", quote(&path)), None)
        .await
        .unwrap();
    assert_eq!(mode.stdout_text().trim(), "640");
    r.put(b"new", &path, None).await.unwrap();
    assert_eq!(r.get(&path).await.unwrap(), b"new");
    assert_eq!(list(r, scratch).await, ["it's a \"file\" with spaces.bin"]);
}

pub(crate) async fn failed_puts_leave_nothing(r: &dyn Remote, scratch: &str) {
    let target = format!("{scratch}/file");
    r.put(b"old", &target, None).await.unwrap();
    let err = r
        .put(b"x", &format!("{scratch}/no/such/dir/f"), None)
        .await
        .unwrap_err();
    assert!(err.message.contains("no/such/dir/f"), "{}", err.message);
    let sub = format!("{scratch}/sub");
    r.exec(&format!("mkdir {0} && touch {0}/keep", quote(&sub)), None)
        .await
        .unwrap();
    assert!(r.put(b"x", &sub, None).await.is_err());
    assert!(r.get(&format!("{scratch}/nope")).await.is_err());
    assert_eq!(list(r, scratch).await, ["file", "sub"]);
    assert_eq!(r.get(&target).await.unwrap(), b"old");
}

pub(crate) async fn concurrent_execs_stay_apart(r: &dyn Remote) {
    let runs = (0..32).map(|i| async move {
        let out = r
            .exec(&format!("sleep 0.0$(({i} % 5)); echo {i}"), None)
            .await
            .unwrap();
        assert_eq!(out.stdout_text(), format!("{i}\n"));
    });
    futures_join_all(runs).await;
}

/// Awaits all futures concurrently (no extra crate: a JoinSet needs 'static).
async fn futures_join_all<F: std::future::Future<Output = ()>>(futs: impl Iterator<Item = F>) {
    let mut pinned: Vec<std::pin::Pin<Box<F>>> = futs.map(Box::pin).collect();
    std::future::poll_fn(|cx| {
        pinned.retain_mut(|f| f.as_mut().poll(cx).is_pending());
        if pinned.is_empty() {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
}

/// Many commands at once on one host (one connection for ssh): none is lost, mixed up
/// or refused (sshd allows 10 sessions per connection; the transport must queue).
pub(crate) async fn many_execs_at_once(r: &dyn Remote) {
    let runs = (0..100).map(|i| async move {
        let input = format!("in{i}");
        let out = r
            .exec(&format!("cat; echo \" {i}\" >&2"), Some(input.as_bytes()))
            .await
            .unwrap();
        assert_eq!((out.rc, out.stdout_text()), (0, input));
        assert_eq!(out.stderr_text(), format!(" {i}\n"));
    });
    futures_join_all(runs).await;
}

/// A host that goes away while a command runs: the command fails with an error (the
/// host is unreachable) within seconds instead of hanging. `kill` takes the host down.
pub(crate) async fn a_host_dying_mid_command_fails_promptly(
    r: &dyn Remote,
    kill: impl FnOnce() + Send,
) {
    let started = std::time::Instant::now();
    let run = r.exec("echo started; sleep 30; echo finished", None);
    let killer = async {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        kill();
    };
    let (result, ()) = tokio::join!(
        tokio::time::timeout(std::time::Duration::from_secs(20), run),
        killer
    );
    let result = result.expect("the command hung after its host died");
    assert!(result.is_err(), "{result:?}");
    assert!(started.elapsed() < std::time::Duration::from_secs(15));
}
