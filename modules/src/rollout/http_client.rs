//! The HTTP(S) GET that `validate`'s `http` check makes from the controller: HTTP/1.1,
//! `Connection: close`, TLS by rustls. Certificates are checked against the system's
//! trust store (as curl and Ansible's `uri` do) or against `ca_path`; `validate_certs:
//! false` skips the check (signatures are still verified, names and issuers are not).

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _};

/// How the controller trusts a server's certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsTrust {
    pub validate_certs: bool,
    /// A PEM bundle on the controller to trust instead of the system's store.
    pub ca_path: Option<String>,
}

/// A URL split into what a GET needs.
#[derive(Debug, PartialEq, Eq)]
struct Target<'a> {
    tls: bool,
    host: &'a str,
    port: u16,
    /// `host[:port]` as written, for the `Host:` header.
    authority: &'a str,
    path: &'a str,
}

fn split_url(url: &str) -> Result<Target<'_>, String> {
    let (tls, rest) = if let Some(rest) = url.strip_prefix("https://") {
        (true, rest)
    } else if let Some(rest) = url.strip_prefix("http://") {
        (false, rest)
    } else {
        return Err(format!("expected an http:// or https:// URL, got '{url}'"));
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    // `[::1]:8443` keeps its brackets in the header, not in the address.
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !p.contains(']') => (
            h,
            p.parse::<u16>()
                .map_err(|_| format!("bad port '{p}' in {url}"))?,
        ),
        _ => (authority, if tls { 443 } else { 80 }),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        return Err(format!("no host in {url}"));
    }
    Ok(Target {
        tls,
        host,
        port,
        authority,
        path,
    })
}

/// GET `url` from the controller: (status, body).
pub async fn http_get(
    url: &str,
    timeout: Duration,
    trust: &TlsTrust,
) -> Result<(u16, String), String> {
    let target = split_url(url)?;
    let work = async {
        let tcp = super::validate::tcp_connect(target.host, target.port, timeout).await?;
        if !target.tls {
            return exchange(tcp, &target).await;
        }
        let config = client_config(trust)?;
        let name = ServerName::try_from(target.host.to_string())
            .map_err(|_| format!("'{}' is not a valid TLS server name", target.host))?;
        let tls = tokio_rustls::TlsConnector::from(config)
            .connect(name, tcp)
            .await
            .map_err(|e| tls_failure(&e, trust))?;
        exchange(tls, &target).await
    };
    tokio::time::timeout(timeout, work)
        .await
        .map_err(|_| format!("timed out after {} s", timeout.as_secs()))?
}

/// A handshake error in words, with the way out when it is about trust.
fn tls_failure(e: &std::io::Error, trust: &TlsTrust) -> String {
    let text = e.to_string();
    if text.contains("invalid peer certificate") && trust.validate_certs {
        format!(
            "TLS certificate verify failed: {text} (trust its CA with ca_path, or set \
             validate_certs: false)"
        )
    } else {
        format!("TLS handshake failed: {text}")
    }
}

async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    target: &Target<'_>,
) -> Result<(u16, String), String> {
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: ringmaster-validate\r\nConnection: close\r\n\r\n",
        target.path, target.authority
    );
    let io = |e: std::io::Error| super::validate::io_reason(&e);
    stream.write_all(request.as_bytes()).await.map_err(io)?;
    stream.flush().await.map_err(io)?;
    let mut reply = Vec::new();
    match stream.read_to_end(&mut reply).await {
        Ok(_) => {}
        // Many servers close without TLS's close_notify; the reply is complete anyway
        // when it parses (a cut body is caught by the body regex, as with curl).
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && !reply.is_empty() => {}
        Err(e) => return Err(io(e)),
    }
    parse_http_reply(&reply)
}

/// The TLS set-up for `trust`; the default one (the system's store) is built once per
/// process, since reading the store takes milliseconds.
fn client_config(trust: &TlsTrust) -> Result<Arc<ClientConfig>, String> {
    static SYSTEM: OnceLock<Result<Arc<ClientConfig>, String>> = OnceLock::new();
    if !trust.validate_certs {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier = Arc::new(AnyCertificate(provider.clone()));
        return Ok(Arc::new(
            config_builder(provider)?
                .dangerous()
                .with_custom_certificate_verifier(verifier)
                .with_no_client_auth(),
        ));
    }
    let with_roots = |roots: RootCertStore| {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        Ok(Arc::new(
            config_builder(provider)?
                .with_root_certificates(roots)
                .with_no_client_auth(),
        ))
    };
    if let Some(path) = &trust.ca_path {
        return with_roots(roots_from_pem(path)?);
    }
    SYSTEM
        .get_or_init(|| {
            let found = rustls_native_certs::load_native_certs();
            let mut roots = RootCertStore::empty();
            roots.add_parsable_certificates(found.certs);
            if roots.is_empty() {
                return Err(
                    "no trusted CA certificates found on the controller (install \
                     ca-certificates, or give ca_path)"
                        .to_string(),
                );
            }
            with_roots(roots)
        })
        .clone()
}

fn config_builder(
    provider: Arc<rustls::crypto::CryptoProvider>,
) -> Result<rustls::ConfigBuilder<ClientConfig, rustls::WantsVerifier>, String> {
    ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS set-up failed: {e}"))
}

fn roots_from_pem(path: &str) -> Result<RootCertStore, String> {
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("cannot read ca_path {path}: {e}"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("ca_path {path}: not a PEM certificate file: {e}"))?;
    let mut roots = RootCertStore::empty();
    let (added, _) = roots.add_parsable_certificates(certs);
    if added == 0 {
        return Err(format!("ca_path {path}: no certificate in it"));
    }
    Ok(roots)
}

/// `validate_certs: false`: any certificate is accepted, but the handshake's signatures
/// are still checked with the provider's algorithms.
#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// Status and body of a raw HTTP/1.x reply (chunked bodies are decoded).
pub fn parse_http_reply(reply: &[u8]) -> Result<(u16, String), String> {
    let text = String::from_utf8_lossy(reply);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| "malformed HTTP reply".to_string())?;
    let code = head
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse::<u16>().ok())
        .ok_or_else(|| "malformed HTTP status line".to_string())?;
    let chunked = head.lines().any(|l| {
        let l = l.to_ascii_lowercase();
        l.starts_with("transfer-encoding:") && l.contains("chunked")
    });
    let body = if chunked {
        let mut out = String::new();
        let mut rest = body;
        while let Some((size, after)) = rest.split_once("\r\n") {
            let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            if n == 0 || after.len() < n {
                break;
            }
            out.push_str(&after[..n]);
            rest = after[n..].trim_start_matches("\r\n");
        }
        out
    } else {
        body.to_string()
    };
    Ok((code, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_into_scheme_host_port_and_path() {
        let t = split_url("https://db1.example:8443/health?x=1").unwrap();
        assert_eq!(
            (t.tls, t.host, t.port, t.authority, t.path),
            (true, "db1.example", 8443, "db1.example:8443", "/health?x=1")
        );
        let t = split_url("http://[::1]:8080").unwrap();
        assert_eq!((t.host, t.port, t.path), ("::1", 8080, "/"));
        assert_eq!(split_url("https://web").unwrap().port, 443);
        assert_eq!(split_url("http://web").unwrap().port, 80);
        assert!(split_url("ftp://web/").unwrap_err().contains("http://"));
        assert!(
            split_url("http://web:99999/")
                .unwrap_err()
                .contains("bad port")
        );
    }
}
