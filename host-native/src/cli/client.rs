//! What `index`, `remove`, `search` and `mcp` share: the component over the local store, one
//! request at a time, with the wall clock as the engine's `now`, the engine config of the
//! AI the command runs and that AI answering its `ai.run` calls (`ai/`).
//!
//! Two runs of the tool on one store (two terminals, an editor hook beside a script) are
//! two clients of one tenant: the store's coordinator table lends the tenant's lease to one
//! request at a time, and refuses the other `409 tenant_busy`. The refused request is sent
//! again after the time it is told, with backoff, as `push` does (`retry.rs`); so is one
//! the coordinator could not answer (`503 coordinator_unavailable`: the SQLite file locked
//! longer than its busy timeout, say).

use std::thread::sleep;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use index_sync_core::{RequestKind, Response};
use index_sync_native::component::ComponentIndexer;
use index_sync_native::store::{LocalStore, Models};
use serde_json::Value;

use super::ai::{AiBackend, Embedded};
use super::retry::{
    Backoff, BusyWaits, DEFAULT_BASE_MS, DEFAULT_BUSY_WAIT, DEFAULT_RETRIES, body_retry_after,
    tenant_busy,
};

/// The engine component with the store it runs on.
pub struct Client {
    indexer: ComponentIndexer<LocalStore>,
    store: Option<LocalStore>,
    user: String,
    backoff: Backoff,
    /// What the requests so far waited for.
    pub waits: Waits,
}

/// Resends of a run's requests, and the time spent waiting for them.
#[derive(Clone, Copy, Debug, Default)]
pub struct Waits {
    /// Resends after a `409 tenant_busy`: another run held the project.
    pub busy: u64,
    /// Resends after a `503 coordinator_unavailable`.
    pub unavailable: u64,
    /// Time spent waiting between attempts.
    pub waited: Duration,
}

impl Waits {
    /// The report's line, when there was any resend.
    pub fn line(&self) -> Option<String> {
        (self.busy + self.unavailable > 0).then(|| {
            format!(
                "resends: {} while another run held the project, {} while the coordinator was \
                 unavailable ({:.1} s waiting)",
                self.busy,
                self.unavailable,
                self.waited.as_secs_f64()
            )
        })
    }
}

impl Client {
    /// The component over `store`, with `ai`'s engine config and models; `embedded` is told
    /// of each step of an embedding.
    pub fn new(
        store: LocalStore,
        user: &str,
        ai: AiBackend,
        embedded: Embedded,
    ) -> Result<Self, String> {
        let models = ai.models(embedded)?;
        Self::with_models(store, user, &ai.config_json(), models)
    }

    /// The component over `store` with the engine config `config` (JSON), its `ai.run`
    /// answered by `models`.
    pub fn with_models(
        store: LocalStore,
        user: &str,
        config: &str,
        models: Box<dyn Models>,
    ) -> Result<Self, String> {
        Ok(Self {
            indexer: ComponentIndexer::new(config)?,
            store: Some(store.with_models(models)),
            user: user.to_owned(),
            backoff: Backoff::new(DEFAULT_RETRIES, Duration::from_millis(DEFAULT_BASE_MS)),
            waits: Waits::default(),
        })
    }

    /// Sends one request through the component, again while another run holds the project
    /// or the coordinator cannot be asked; any other refusal is an error with its body.
    pub fn request(&mut self, kind: RequestKind, body: &Value) -> Result<Value, String> {
        let Response { status, body } = self.answer(kind, body)?;
        if status == 200 {
            Ok(body)
        } else {
            Err(format!("status {status}: {body}"))
        }
    }

    /// The engine's answer to one request: 200, or a refusal it would give again (a bad
    /// request, say), with its body; sent again while another run holds the project or the
    /// coordinator cannot be asked.
    pub fn answer(&mut self, kind: RequestKind, body: &Value) -> Result<Response, String> {
        let mut busy = BusyWaits::new(DEFAULT_BUSY_WAIT);
        let mut resends = 0;
        loop {
            let response = self.serve(kind, body)?;
            let (status, answer) = (response.status, &response.body);
            if status == 200 {
                return Ok(response);
            }
            let error = &answer["error"];
            let why = format!(
                "{} answered {status}: {} ({})",
                kind.as_str(),
                error["code"].as_str().unwrap_or_default(),
                error["message"].as_str().unwrap_or_default()
            );
            let (why, wait) = if tenant_busy(status, answer) {
                let wait = busy
                    .next(&mut self.backoff, body_retry_after(answer))
                    .ok_or_else(|| {
                        format!(
                            "{why}; another run kept the project busy for {} s: giving up",
                            busy.waited().as_secs()
                        )
                    })?;
                self.waits.busy += 1;
                (format!("{why}; another run is changing the project"), wait)
            } else if status == 503 && error["code"] == "coordinator_unavailable" {
                if resends >= self.backoff.retries {
                    return Err(format!("{why}; giving up after {resends} resends"));
                }
                resends += 1;
                self.waits.unavailable += 1;
                (why, self.backoff.delay(resends, None))
            } else {
                return Ok(response);
            };
            eprintln!("{why}; again in {} ms", wait.as_millis());
            let started = Instant::now();
            sleep(wait);
            self.waits.waited += started.elapsed();
        }
    }

    /// One request through the component, at the wall clock's `now`.
    fn serve(&mut self, kind: RequestKind, body: &Value) -> Result<Response, String> {
        let mut store = self
            .store
            .take()
            .ok_or("the store was lost to an earlier failure")?;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        store.set_now(now);
        let (store, response) =
            self.indexer
                .serve(store, kind, &self.user, body.to_string().as_bytes(), now);
        self.store = Some(store);
        Ok(response)
    }

    /// The store, between requests.
    pub fn store(&self) -> &LocalStore {
        self.store
            .as_ref()
            .expect("the store is back after every request")
    }

    /// The store, between requests, to read the tenant's data directly (`mcp`'s status).
    pub fn store_mut(&mut self) -> &mut LocalStore {
        self.store
            .as_mut()
            .expect("the store is back after every request")
    }
}
