//! The engine as a WebAssembly component (world `indexer` of `wit/engine.wit`).
//!
//! This file is glue only: it runs an [`Operation`]'s poll/handle loop over the world's
//! synchronous imports, one effect after the other (a component call cannot run two imports
//! at once; a host that can overlap them drives the engine itself, as the TS driver does).
//! Everything that decides anything stays in the engine, so the component answers exactly
//! what the engine run in-process answers.
//!
//! Built for `wasm32-unknown-unknown` and encoded with `wit-component` (see
//! `host-native/build.rs`), the component imports nothing but the five interfaces: no WASI.
// The bindings wit-bindgen generates are `unsafe` ABI glue; the engine itself stays safe.
#![allow(unsafe_code)]

use serde_json::Value;

use crate::{
    Charged, Config, Effect, Engine, HostError, Lease, ListedKey, Match, Outcome, ProjectUsage,
    Reply, RequestKind, Response, TextEntry, Vector,
};

wit_bindgen::generate!({
    world: "indexer",
    path: "../wit",
});

use exports::index_sync::engine::operations;
use index_sync::engine::{ai, coordinator, kv, text_index, types, vectorize};

struct Component;

impl operations::Guest for Component {
    type Indexer = Indexer;
}

/// The exported resource: an engine with its config checked once.
struct Indexer {
    engine: Engine,
}

impl operations::GuestIndexer for Indexer {
    fn create(config: String) -> Result<operations::Indexer, operations::Response> {
        Config::from_json(&config)
            .and_then(Engine::new)
            .map(|engine| operations::Indexer::new(Indexer { engine }))
            .map_err(|e| {
                let error = e.to_request_error();
                to_wit(Response {
                    status: error.status(),
                    body: error.to_body(),
                })
            })
    }

    fn init(
        &self,
        user: String,
        body: Vec<u8>,
        now: u64,
    ) -> Result<operations::Response, operations::Response> {
        self.serve(RequestKind::Init, &user, &body, now)
    }

    fn sync(
        &self,
        user: String,
        body: Vec<u8>,
        now: u64,
    ) -> Result<operations::Response, operations::Response> {
        self.serve(RequestKind::Sync, &user, &body, now)
    }

    fn search(
        &self,
        user: String,
        body: Vec<u8>,
        now: u64,
    ) -> Result<operations::Response, operations::Response> {
        self.serve(RequestKind::Search, &user, &body, now)
    }

    fn remove(
        &self,
        user: String,
        body: Vec<u8>,
        now: u64,
    ) -> Result<operations::Response, operations::Response> {
        self.serve(RequestKind::Remove, &user, &body, now)
    }

    fn usage(
        &self,
        user: String,
        body: Vec<u8>,
        now: u64,
    ) -> Result<operations::Response, operations::Response> {
        self.serve(RequestKind::Usage, &user, &body, now)
    }

    fn status(
        &self,
        user: String,
        body: Vec<u8>,
        now: u64,
    ) -> Result<operations::Response, operations::Response> {
        self.serve(RequestKind::Status, &user, &body, now)
    }
}

/// Statuses from here up are refusals, returned as the `err` case.
const FIRST_ERROR_STATUS: u16 = 400;

impl Indexer {
    /// Drives one operation to `Done`, work after the response included, and answers with
    /// its response: `ok` under status 400, `err` from 400 up.
    fn serve(
        &self,
        kind: RequestKind,
        user: &str,
        body: &[u8],
        now: u64,
    ) -> Result<operations::Response, operations::Response> {
        let response = self.engine.start(kind, user, body, now).run_to_end(perform);
        let failed = response.status >= FIRST_ERROR_STATUS;
        let response = to_wit(response);
        if failed { Err(response) } else { Ok(response) }
    }
}

fn to_wit(response: Response) -> operations::Response {
    operations::Response {
        status: response.status,
        body: response.body.to_string(),
    }
}

/// Runs one effect through its import.
fn perform(effect: Effect) -> Outcome {
    match effect {
        Effect::KvGet { keys } => kv::get(&keys)
            .map(|values| Reply::KvGet { values })
            .map_err(from_wit),
        Effect::KvPut {
            key,
            value,
            ttl_seconds,
            metadata,
        } => kv::put(
            &key,
            &value,
            ttl_seconds,
            metadata.map(|m| m.to_string()).as_deref(),
        )
        .map(|()| Reply::KvPut)
        .map_err(from_wit),
        Effect::KvDelete { key } => kv::delete(&key).map(|()| Reply::KvDelete).map_err(from_wit),
        Effect::KvList {
            prefix,
            cursor,
            limit,
        } => {
            let limit = u32::try_from(limit).unwrap_or(u32::MAX);
            let page = kv::list(&prefix, cursor.as_deref(), limit).map_err(from_wit)?;
            let keys = page
                .keys
                .into_iter()
                .map(|k| {
                    Ok(ListedKey {
                        name: k.name,
                        metadata: k
                            .metadata
                            .map(|m| parse("kv.list metadata", &m))
                            .transpose()?,
                    })
                })
                .collect::<Result<_, HostError>>()?;
            Ok(Reply::KvList {
                keys,
                cursor: page.cursor,
            })
        }
        Effect::AiRun { model, input } => {
            let output = ai::run(&model, &input.to_string()).map_err(from_wit)?;
            parse("ai.run output", &output).map(|output| Reply::AiRun { output })
        }
        Effect::VectorizeUpsert { vectors } => {
            let vectors: Vec<vectorize::Vector> = vectors.into_iter().map(vector_to_wit).collect();
            vectorize::upsert(&vectors)
                .map(|()| Reply::VectorizeUpsert)
                .map_err(from_wit)
        }
        Effect::VectorizeQuery {
            vector,
            top_k,
            filter,
        } => {
            let matches =
                vectorize::query(&vector, top_k, &filter.to_string()).map_err(from_wit)?;
            let matches = matches
                .into_iter()
                .map(match_from_wit)
                .collect::<Result<_, _>>()?;
            Ok(Reply::VectorizeQuery { matches })
        }
        Effect::VectorizeDeleteByIds { ids } => vectorize::delete_by_ids(&ids)
            .map(|()| Reply::VectorizeDeleteByIds)
            .map_err(from_wit),
        Effect::TextIndexPut { entries } => {
            let entries: Vec<text_index::TextEntry> =
                entries.into_iter().map(entry_to_wit).collect();
            text_index::put(&entries)
                .map(|()| Reply::TextIndexPut)
                .map_err(from_wit)
        }
        Effect::TextIndexQuery {
            user,
            project,
            terms,
            top_k,
        } => {
            let matches = text_index::query(&user, &project, &terms, top_k).map_err(from_wit)?;
            let matches = matches
                .into_iter()
                .map(|m| {
                    Ok(Match {
                        id: m.id,
                        score: m.score,
                        metadata: Some(parse("textIndex.query metadata", &m.metadata)?),
                    })
                })
                .collect::<Result<_, HostError>>()?;
            Ok(Reply::TextIndexQuery { matches })
        }
        Effect::TextIndexDelete { ids } => text_index::delete(&ids)
            .map(|()| Reply::TextIndexDelete)
            .map_err(from_wit),
        Effect::CoordinatorAcquire {
            user,
            project,
            seconds,
            token,
        } => coordinator::acquire(&user, &project, seconds, token)
            .map(|lease| Reply::CoordinatorAcquire {
                lease: match lease {
                    coordinator::Lease::Granted(token) => Lease::Granted(token),
                    coordinator::Lease::Busy(until) => Lease::Busy(until),
                },
            })
            .map_err(from_wit),
        Effect::CoordinatorRelease {
            user,
            project,
            token,
        } => coordinator::release(&user, &project, token)
            .map(|()| Reply::CoordinatorRelease)
            .map_err(from_wit),
        Effect::CoordinatorReadState { user, project } => coordinator::read_state(&user, &project)
            .map(|state| Reply::CoordinatorReadState { state })
            .map_err(from_wit),
        Effect::CoordinatorWriteState {
            user,
            project,
            token,
            state,
        } => coordinator::write_state(&user, &project, token, state.as_deref())
            .map(|written| Reply::CoordinatorWriteState { written })
            .map_err(from_wit),
        Effect::CoordinatorCharge {
            user,
            project,
            day,
            ai,
            ai_limit,
            vectors,
            vectors_limit,
        } => coordinator::charge(&user, &project, day, ai, ai_limit, vectors, vectors_limit)
            .map(|c| Reply::CoordinatorCharge {
                charged: Charged {
                    ai: c.ai,
                    vectors: c.vectors,
                    ai_used: c.ai_used,
                    vectors_held: c.vectors_held,
                },
            })
            .map_err(from_wit),
        Effect::CoordinatorCredit {
            user,
            project,
            day,
            ai,
            vectors,
        } => coordinator::credit(&user, &project, day, ai, vectors)
            .map(|()| Reply::CoordinatorCredit)
            .map_err(from_wit),
        Effect::CoordinatorUsage { user, day } => coordinator::usage(&user, day)
            .map(|projects| Reply::CoordinatorUsage {
                projects: projects
                    .into_iter()
                    .map(|p| ProjectUsage {
                        project: p.project,
                        ai_today: p.ai_today,
                        vectors: p.vectors,
                    })
                    .collect(),
            })
            .map_err(from_wit),
    }
}

fn vector_to_wit(v: Vector) -> vectorize::Vector {
    vectorize::Vector {
        id: v.id,
        values: v.values,
        metadata: v.metadata.to_string(),
    }
}

fn entry_to_wit(e: TextEntry) -> text_index::TextEntry {
    text_index::TextEntry {
        id: e.id,
        user: e.user,
        project: e.project,
        words: e.words,
        metadata: e.metadata.to_string(),
    }
}

fn match_from_wit(m: vectorize::VectorMatch) -> Result<Match, HostError> {
    Ok(Match {
        id: m.id,
        score: m.score,
        metadata: m
            .metadata
            .map(|text| parse("vectorize.query metadata", &text))
            .transpose()?,
    })
}

/// JSON text from the host; text that does not parse is a failed call, never a success.
fn parse(what: &str, text: &str) -> Result<Value, HostError> {
    serde_json::from_str(text).map_err(|e| HostError::new("protocol", format!("{what}: {e}")))
}

fn from_wit(e: types::HostError) -> HostError {
    HostError::new(e.code, e.message)
}

export!(Component);
