//! `index-sync push DIR --url URL --project P`: a complete sync of a folder into a deployed
//! Worker over HTTP (`sync/` is the protocol, `http.rs` the transport): what the folder no
//! longer holds leaves the index, moved and copied code is found at its new files, new
//! code is indexed; deferred and failed chunks are sent again until done or given up on.
//! At the end it prints the user's usage against the operator's quotas (`usage`). The exit
//! status is 0 only when the index follows the folder exactly, 3 when a quota of the user
//! stopped it (nothing is resent then: the message says when the quota resets), else 1.

mod http;
mod plan;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use index_sync_core::RequestKind;
use serde_json::Value;

use super::chunker;
use super::report::{Bars, print_sync};
use super::retry::{Backoff, DEFAULT_BASE_MS, DEFAULT_BUSY_WAIT, DEFAULT_RETRIES};
use super::sync::Transport;
use super::sync::sync_project;
use http::Http;

/// The environment variable `push` reads the token from when `--token` is not given.
pub const TOKEN_VARIABLE: &str = "INDEX_SYNC_TOKEN";

/// Arguments of `push`.
#[derive(clap::Args)]
pub struct Args {
    /// The folder to push (its .gitignore is respected).
    dir: PathBuf,
    /// The Worker's URL: requests go to URL/v1/index/sync. https, or http to a loopback
    /// address (`wrangler dev`).
    #[arg(long)]
    url: String,
    /// The project id.
    #[arg(long)]
    project: String,
    /// The bearer token the Worker knows you by. Prefer the environment variable: a
    /// command-line argument is visible to other users of the machine.
    #[arg(long, env = TOKEN_VARIABLE, hide_env_values = true)]
    token: Option<String>,
    /// Print what would be sent, and send nothing.
    #[arg(long)]
    dry_run: bool,
    /// Resends of one request on 429, 502, 503, 504 or a network error before giving up.
    /// A 409 tenant_busy (another client is changing the project's index) is resent
    /// without counting here, until --busy-wait runs out.
    #[arg(long, default_value_t = DEFAULT_RETRIES)]
    retries: u32,
    /// Seconds one request may wait, in all, while other clients keep its project busy
    /// (409 tenant_busy) before giving up.
    #[arg(long, default_value_t = DEFAULT_BUSY_WAIT.as_secs())]
    busy_wait: u64,
    /// The first wait before a resend, in milliseconds; it doubles with each resend (with
    /// jitter, at most 30 s) and is never shorter than the Worker's Retry-After.
    #[arg(long, default_value_t = DEFAULT_BASE_MS)]
    retry_base_ms: u64,
    /// Seconds one attempt of a request may take.
    #[arg(long, default_value_t = 300)]
    timeout: u64,
}

/// The exit status of a push that a quota of the user stopped.
pub const QUOTA_EXIT: u8 = 3;

/// How a push ended.
enum Outcome {
    /// The index follows the folder exactly.
    Complete,
    /// Some chunks are not indexed, or removal is unfinished: running again may finish it.
    Incomplete,
    /// A quota of the user refused chunks: running again before it resets does not help.
    StoppedByQuota,
}

/// The subcommand.
pub fn run(args: Args) -> ExitCode {
    match push(&args) {
        Ok(Outcome::Complete) => ExitCode::SUCCESS,
        Ok(Outcome::Incomplete) => ExitCode::FAILURE,
        Ok(Outcome::StoppedByQuota) => ExitCode::from(QUOTA_EXIT),
        Err(e) => {
            eprintln!("index-sync push: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `url` without a trailing slash, or why it will not do: a token goes with every request,
/// so plain http only to this machine.
fn checked_url(url: &str) -> Result<String, String> {
    let url = url.trim_end_matches('/');
    let rest = if let Some(rest) = url.strip_prefix("https://") {
        rest
    } else if let Some(rest) = url.strip_prefix("http://") {
        let host = rest.split('/').next().unwrap_or_default();
        let name = host.rsplit_once(':').map_or(host, |(name, _)| name);
        if !matches!(name, "localhost" | "127.0.0.1" | "[::1]") {
            return Err(format!(
                "{url}: the token would travel in clear text; use https (plain http only to localhost)"
            ));
        }
        rest
    } else {
        return Err(format!("{url}: not an http(s) URL"));
    };
    if rest.is_empty() || rest.starts_with('/') {
        return Err(format!("{url}: no host"));
    }
    Ok(url.to_owned())
}

fn push(args: &Args) -> Result<Outcome, String> {
    let url = checked_url(&args.url)?;
    let vocabulary = chunker::model_vocabulary()?;
    let walk = chunker::walk(&args.dir, &chunker::Budget::model(&vocabulary))?;
    let route = format!("{url}/v1/index/{}", RequestKind::Sync.as_str());
    if args.dry_run {
        plan::print(&args.dir, &walk, &args.project, &route)?;
        return Ok(Outcome::Complete);
    }
    let token = match args.token.as_deref().map(str::trim) {
        Some(token) if !token.is_empty() => token,
        _ => return Err(format!("no token: pass --token or set {TOKEN_VARIABLE}")),
    };
    let backoff = Backoff::new(args.retries, Duration::from_millis(args.retry_base_ms));
    let mut http = Http::new(&url, token, backoff, Duration::from_secs(args.timeout))
        .waiting_while_busy(Duration::from_secs(args.busy_wait));
    let started = Instant::now();
    let mut bars = Bars::default();
    let synced = sync_project(
        &mut http,
        &args.project,
        &walk.chunks,
        &mut |phase, done, total| bars.show(phase, done, total),
    );
    bars.finish();
    let summary = synced.inspect_err(|_| print_traffic(&http, started))?;
    print_sync(&args.dir, &walk, &summary, "push");
    print_usage(&mut http, &args.project);
    print_traffic(&http, started);
    if let Some(message) = &summary.quota_exceeded {
        eprintln!(
            "index-sync push: stopped by a quota, {} chunks not sent again: {message}",
            summary.not_indexed.len()
        );
        return Ok(Outcome::StoppedByQuota);
    }
    Ok(if summary.complete() {
        Outcome::Complete
    } else {
        Outcome::Incomplete
    })
}

/// The user's figures against the operator's quotas (`POST /v1/index/usage`); a Worker
/// that cannot answer them only costs the line.
fn print_usage(http: &mut Http, project: &str) {
    match http.send(RequestKind::Usage, &serde_json::json!({})) {
        Ok(usage) => println!("{}", usage_line(&usage, project)),
        Err(e) => eprintln!("usage: not available ({e})"),
    }
}

/// One line of `usage`'s answer: this project's figures, the user's totals, the limits.
fn usage_line(usage: &Value, project: &str) -> String {
    let this = usage["projects"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["projectId"] == project);
    let figure =
        |v: Option<&Value>, field: &str| v.and_then(|v| v[field].as_u64()).unwrap_or_default();
    let limits = match usage["quotas"].as_object() {
        Some(quotas) if !quotas.is_empty() => {
            let limit = |field: &str| {
                quotas
                    .get(field)
                    .and_then(Value::as_u64)
                    .map_or("no limit".to_owned(), |n| n.to_string())
            };
            format!(
                "quotas: {} AI chunks a day (resets at {}), {} vectors",
                limit("aiChunksPerUserPerDay"),
                usage["resetAt"].as_str().unwrap_or("?"),
                limit("vectorsPerUser")
            )
        }
        _ => "no quotas configured".to_owned(),
    };
    format!(
        "usage: {} AI chunks today and {} vectors held in {project}, {} and {} in all your \
         projects; {limits}",
        figure(this, "aiChunksToday"),
        figure(this, "vectorsHeld"),
        figure(Some(usage), "aiChunksToday"),
        figure(Some(usage), "vectorsHeld"),
    )
}

fn print_traffic(http: &Http, started: Instant) {
    let traffic = &http.traffic;
    println!(
        "requests: {} ({} resends, {} of them while another client held the project, {:.1} s \
         waiting), {} bytes sent, {} bytes received, in {:.1} s",
        traffic.requests,
        traffic.retries,
        traffic.busy,
        traffic.waited.as_secs_f64(),
        traffic.bytes_sent,
        traffic.bytes_received,
        started.elapsed().as_secs_f64()
    );
}

#[cfg(test)]
mod tests {
    use super::checked_url;

    #[test]
    fn a_token_goes_over_https_or_to_this_machine_only() {
        assert_eq!(
            checked_url("https://index.example.workers.dev/").unwrap(),
            "https://index.example.workers.dev"
        );
        for local in [
            "http://localhost:8787",
            "http://127.0.0.1:9",
            "http://[::1]:8787/x",
        ] {
            assert!(checked_url(local).is_ok(), "{local}");
        }
        for refused in [
            "http://index.example.workers.dev",
            "http://localhost.example.com",
            "ftp://x",
            "https://",
            "index.example.workers.dev",
        ] {
            assert!(checked_url(refused).is_err(), "{refused}");
        }
    }
}
