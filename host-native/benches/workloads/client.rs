//! The measured hosts and the client that drives them.
//!
//! A host serves one request (one Worker invocation) over the fakes; it keeps how long it
//! spent inside the fakes, so the engine's own time is the request's time minus that. The
//! client resends whatever the engine deferred, as a real client does, counting every
//! request as one invocation.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use index_sync_core::{
    Charged, Config, Engine, HostError, Lease, ListedKey, Match, ProjectUsage, RequestKind,
    Response, TextEntry, Vector,
};
use index_sync_native::backend::{Backend, Charge};
use index_sync_native::component::ComponentIndexer;
use index_sync_native::fakes::World;
use serde_json::{Value, json};

use crate::data::Chunk;

/// A host whose time inside the fakes is known.
pub trait Measured {
    /// Serves one request on `world`.
    fn serve(&mut self, world: &mut World, kind: RequestKind, user: &str, body: &[u8]) -> Response;
    /// Time spent inside the fakes so far.
    fn io(&self) -> Duration;
}

/// The engine, driven in this process (the `EngineHost` loop, with the fakes timed).
pub struct Native {
    engine: Engine,
    io: Duration,
}

impl Native {
    pub fn new(config: &str) -> Self {
        let config = Config::from_json(config).expect("a valid config");
        Self {
            engine: Engine::new(config).expect("a valid config"),
            io: Duration::ZERO,
        }
    }
}

impl Measured for Native {
    fn serve(&mut self, world: &mut World, kind: RequestKind, user: &str, body: &[u8]) -> Response {
        let io = &mut self.io;
        self.engine
            .start(kind, user, body, world.now)
            .run_to_end(|effect| {
                let start = Instant::now();
                let outcome = world.perform(effect);
                *io += start.elapsed();
                outcome
            })
    }

    fn io(&self) -> Duration {
        self.io
    }
}

/// The fakes with a stopwatch, as the component's backend.
#[derive(Default)]
pub struct Timed {
    world: World,
    io: Duration,
}

impl Timed {
    fn time<T>(&mut self, run: impl FnOnce(&mut World) -> T) -> T {
        let start = Instant::now();
        let out = run(&mut self.world);
        self.io += start.elapsed();
        out
    }
}

impl Backend for Timed {
    fn kv_get(&mut self, keys: &[String]) -> Result<Vec<Option<String>>, HostError> {
        self.time(|w| w.kv_get(keys))
    }
    fn kv_put(
        &mut self,
        key: &str,
        value: &str,
        ttl: Option<u64>,
        metadata: Option<&Value>,
    ) -> Result<(), HostError> {
        self.time(|w| w.kv_put(key, value, ttl, metadata))
    }
    fn kv_delete(&mut self, key: &str) -> Result<(), HostError> {
        self.time(|w| w.kv_delete(key))
    }
    fn kv_list(
        &mut self,
        prefix: &str,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<(Vec<ListedKey>, Option<String>), HostError> {
        self.time(|w| w.kv_list(prefix, cursor, limit))
    }
    fn ai_run(&mut self, model: &str, input: &Value) -> Result<Value, HostError> {
        self.time(|w| w.ai_run(model, input))
    }
    fn vectorize_upsert(&mut self, vectors: Vec<Vector>) -> Result<(), HostError> {
        self.time(|w| w.vectorize_upsert(vectors))
    }
    fn vectorize_query(&mut self, v: &[f32], k: u32, f: &Value) -> Result<Vec<Match>, HostError> {
        self.time(|w| w.vectorize_query(v, k, f))
    }
    fn vectorize_delete_by_ids(&mut self, ids: &[String]) -> Result<(), HostError> {
        self.time(|w| w.vectorize_delete_by_ids(ids))
    }
    fn text_index_put(&mut self, entries: Vec<TextEntry>) -> Result<(), HostError> {
        self.time(|w| w.text_index_put(entries))
    }
    fn text_index_query(
        &mut self,
        user: &str,
        project: &str,
        terms: &[String],
        top_k: u32,
    ) -> Result<Vec<Match>, HostError> {
        self.time(|w| w.text_index_query(user, project, terms, top_k))
    }
    fn text_index_delete(&mut self, ids: &[String]) -> Result<(), HostError> {
        self.time(|w| w.text_index_delete(ids))
    }
    fn coordinator_acquire(
        &mut self,
        user: &str,
        project: &str,
        seconds: u64,
        token: Option<u64>,
    ) -> Result<Lease, HostError> {
        self.time(|w| w.coordinator_acquire(user, project, seconds, token))
    }
    fn coordinator_release(
        &mut self,
        user: &str,
        project: &str,
        token: u64,
    ) -> Result<(), HostError> {
        self.time(|w| w.coordinator_release(user, project, token))
    }
    fn coordinator_read_state(
        &mut self,
        user: &str,
        project: &str,
    ) -> Result<Option<String>, HostError> {
        self.time(|w| w.coordinator_read_state(user, project))
    }
    fn coordinator_write_state(
        &mut self,
        user: &str,
        project: &str,
        token: u64,
        state: Option<&str>,
    ) -> Result<bool, HostError> {
        self.time(|w| w.coordinator_write_state(user, project, token, state))
    }
    fn coordinator_charge(
        &mut self,
        user: &str,
        project: &str,
        charge: Charge,
    ) -> Result<Charged, HostError> {
        self.time(|w| w.coordinator_charge(user, project, charge))
    }
    fn coordinator_credit(
        &mut self,
        user: &str,
        project: &str,
        day: u32,
        ai: u32,
        vectors: u32,
    ) -> Result<(), HostError> {
        self.time(|w| w.coordinator_credit(user, project, day, ai, vectors))
    }
    fn coordinator_usage(&mut self, user: &str, day: u32) -> Result<Vec<ProjectUsage>, HostError> {
        self.time(|w| w.coordinator_usage(user, day))
    }
}

/// The engine component in Wasmtime: a fresh store and instance per request, as
/// `ComponentHost` does.
pub struct Component {
    indexer: ComponentIndexer<Timed>,
    io: Duration,
}

impl Component {
    pub fn new(config: &str) -> Self {
        Self {
            indexer: ComponentIndexer::new(config).expect("the component links"),
            io: Duration::ZERO,
        }
    }
}

impl Measured for Component {
    fn serve(&mut self, world: &mut World, kind: RequestKind, user: &str, body: &[u8]) -> Response {
        let backend = Timed {
            world: std::mem::take(world),
            io: Duration::ZERO,
        };
        let (back, response) = self.indexer.serve(backend, kind, user, body, world.now);
        *world = back.world;
        self.io += back.io;
        response
    }

    fn io(&self) -> Duration {
        self.io
    }
}

/// A client of one host over one world: sends requests, resends deferred work, and counts
/// invocations, chunks sent and the engine's time.
pub struct Client<'a> {
    pub host: &'a mut dyn Measured,
    pub world: &'a mut World,
    /// Requests served, resends included.
    pub invocations: u64,
    /// Chunks named in first sends (phase-1 hashes count, resends do not).
    pub chunks: u64,
    /// Time inside `serve`, the fakes excluded.
    pub engine_time: Duration,
}

impl<'a> Client<'a> {
    pub fn new(host: &'a mut dyn Measured, world: &'a mut World) -> Self {
        Self {
            host,
            world,
            invocations: 0,
            chunks: 0,
            engine_time: Duration::ZERO,
        }
    }

    /// One request, timed and counted; its 200 body.
    pub fn send(&mut self, kind: RequestKind, user: &str, body: &Value) -> Value {
        self.request(kind, user, body)
    }

    fn request(&mut self, kind: RequestKind, user: &str, body: &Value) -> Value {
        let bytes = body.to_string().into_bytes();
        let io_before = self.host.io();
        let start = Instant::now();
        let response = self.host.serve(self.world, kind, user, &bytes);
        let elapsed = start.elapsed();
        self.engine_time += elapsed.saturating_sub(self.host.io() - io_before);
        self.invocations += 1;
        assert_eq!(response.status, 200, "{}", response.body);
        let failed = response.body.get("failed");
        assert!(failed.is_none_or(|f| f == &json!([])), "{}", response.body);
        response.body
    }

    /// Indexes `chunks` (init, or phase 2 when `phase2`), resending what was deferred.
    pub fn index(&mut self, user: &str, project: &str, chunks: &[Chunk], phase2: bool) {
        self.chunks += chunks.len() as u64;
        let mut pending: Vec<&Chunk> = chunks.iter().collect();
        while !pending.is_empty() {
            let list: Vec<Value> = pending.iter().map(|c| c.to_json()).collect();
            let (kind, body) = if phase2 {
                let body = json!({"phase": 2, "projectId": project, "chunks": list});
                (RequestKind::Sync, body)
            } else {
                (
                    RequestKind::Init,
                    json!({"projectId": project, "chunks": list}),
                )
            };
            let answer = self.request(kind, user, &body);
            let deferred = hashes(&answer["deferred"]);
            assert!(deferred.len() < pending.len(), "no progress: {answer}");
            pending.retain(|c| deferred.contains(c.hash.as_str()));
        }
    }

    /// A complete sync, as `index-sync index` makes it: the whole listing (every chunk with
    /// its file) in one phase 1, sent again while the engine says there is more to remove
    /// or something was deferred, then phase 2 of the needed ones. Returns the phase 1's
    /// body (its `unchanged` and counts) and how many were needed.
    pub fn complete_sync(&mut self, user: &str, project: &str, chunks: &[Chunk]) -> (Value, usize) {
        self.chunks += chunks.len() as u64;
        let listed: Vec<Value> = chunks
            .iter()
            .map(|c| json!({"hash": c.hash, "filePath": c.file_path}))
            .collect();
        let body = json!({"phase": 1, "complete": true, "projectId": project, "chunks": listed});
        let mut needed = HashSet::new();
        let first = loop {
            let answer = self.request(RequestKind::Sync, user, &body);
            needed.extend(hashes(&answer["needed"]).into_iter().map(str::to_owned));
            if answer["moreToRemove"] != true && hashes(&answer["deferred"]).is_empty() {
                break answer;
            }
        };
        let send: Vec<Chunk> = chunks
            .iter()
            .filter(|c| needed.contains(&c.hash))
            .cloned()
            .collect();
        if !send.is_empty() {
            self.chunks -= send.len() as u64;
            self.index(user, project, &send, true);
        }
        (first, send.len())
    }
}

fn hashes(list: &Value) -> HashSet<&str> {
    list.as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}
