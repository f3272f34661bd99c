//! A [`Backend`] that performs nothing itself: each host call the component makes is sent,
//! as an engine [`Effect`], to the thread that drives the request, and the call waits for
//! its outcome. The driving thread makes the call on the shared world when the schedule
//! grants it (`concurrent.rs`), so the component's calls are counted, faulted and ordered
//! exactly as the engine's are.

use std::sync::mpsc::{Receiver, Sender};

use index_sync_core::{
    Charged, Effect, HostError, Lease, ListedKey, Match, Outcome, ProjectUsage, Reply, Response,
    TextEntry, Vector,
};
use serde_json::Value;

use crate::backend::{Backend, Charge};

/// What a request's thread tells the driving thread.
pub enum Message {
    /// The guest wants this call made; the thread waits for its outcome.
    Call(Effect),
    /// The export call returned (the work after the response included): the response.
    Answered(Response),
}

/// The request's side of the link to the driving thread.
pub struct Relay {
    calls: Sender<Message>,
    outcomes: Receiver<Outcome>,
}

/// A call the driving thread will never make, because it dropped the request: failing it
/// (the engine assumes nothing was written) lets the guest run to its end at once.
fn cancelled() -> HostError {
    HostError::new(
        "cancelled",
        "the request was dropped before it answered; the call was not made",
    )
}

/// The driving thread answered a call with a reply of another kind: a host bug, shown to the
/// engine as a failed call as the engine itself treats it.
fn wrong(reply: Reply) -> HostError {
    HostError::new(
        "protocol",
        format!("the driving thread answered with a reply of another kind: {reply:?}"),
    )
}

impl Relay {
    /// A relay over the two channel ends.
    pub fn new(calls: Sender<Message>, outcomes: Receiver<Outcome>) -> Self {
        Self { calls, outcomes }
    }

    /// Says the request answered; false when nobody listens any more.
    pub fn answer(&self, response: Response) -> bool {
        self.calls.send(Message::Answered(response)).is_ok()
    }

    /// Sends the call and waits until it was made.
    fn ask(&mut self, effect: Effect) -> Outcome {
        if self.calls.send(Message::Call(effect)).is_err() {
            return Err(cancelled());
        }
        self.outcomes.recv().unwrap_or_else(|_| Err(cancelled()))
    }
}

impl Backend for Relay {
    fn kv_get(&mut self, keys: &[String]) -> Result<Vec<Option<String>>, HostError> {
        match self.ask(Effect::KvGet {
            keys: keys.to_vec(),
        })? {
            Reply::KvGet { values } => Ok(values),
            other => Err(wrong(other)),
        }
    }

    fn kv_put(
        &mut self,
        key: &str,
        value: &str,
        ttl: Option<u64>,
        metadata: Option<&Value>,
    ) -> Result<(), HostError> {
        match self.ask(Effect::KvPut {
            key: key.to_owned(),
            value: value.to_owned(),
            ttl_seconds: ttl,
            metadata: metadata.cloned(),
        })? {
            Reply::KvPut => Ok(()),
            other => Err(wrong(other)),
        }
    }

    fn kv_delete(&mut self, key: &str) -> Result<(), HostError> {
        match self.ask(Effect::KvDelete {
            key: key.to_owned(),
        })? {
            Reply::KvDelete => Ok(()),
            other => Err(wrong(other)),
        }
    }

    fn kv_list(
        &mut self,
        prefix: &str,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<(Vec<ListedKey>, Option<String>), HostError> {
        match self.ask(Effect::KvList {
            prefix: prefix.to_owned(),
            cursor: cursor.map(str::to_owned),
            limit,
        })? {
            Reply::KvList { keys, cursor } => Ok((keys, cursor)),
            other => Err(wrong(other)),
        }
    }

    fn ai_run(&mut self, model: &str, input: &Value) -> Result<Value, HostError> {
        match self.ask(Effect::AiRun {
            model: model.to_owned(),
            input: input.clone(),
        })? {
            Reply::AiRun { output } => Ok(output),
            other => Err(wrong(other)),
        }
    }

    fn vectorize_upsert(&mut self, vectors: Vec<Vector>) -> Result<(), HostError> {
        match self.ask(Effect::VectorizeUpsert { vectors })? {
            Reply::VectorizeUpsert => Ok(()),
            other => Err(wrong(other)),
        }
    }

    fn vectorize_query(
        &mut self,
        vector: &[f32],
        top_k: u32,
        filter: &Value,
    ) -> Result<Vec<Match>, HostError> {
        match self.ask(Effect::VectorizeQuery {
            vector: vector.to_vec(),
            top_k,
            filter: filter.clone(),
        })? {
            Reply::VectorizeQuery { matches } => Ok(matches),
            other => Err(wrong(other)),
        }
    }

    fn vectorize_delete_by_ids(&mut self, ids: &[String]) -> Result<(), HostError> {
        match self.ask(Effect::VectorizeDeleteByIds { ids: ids.to_vec() })? {
            Reply::VectorizeDeleteByIds => Ok(()),
            other => Err(wrong(other)),
        }
    }

    fn text_index_put(&mut self, entries: Vec<TextEntry>) -> Result<(), HostError> {
        match self.ask(Effect::TextIndexPut { entries })? {
            Reply::TextIndexPut => Ok(()),
            other => Err(wrong(other)),
        }
    }

    fn text_index_query(
        &mut self,
        user: &str,
        project: &str,
        terms: &[String],
        top_k: u32,
    ) -> Result<Vec<Match>, HostError> {
        match self.ask(Effect::TextIndexQuery {
            user: user.to_owned(),
            project: project.to_owned(),
            terms: terms.to_vec(),
            top_k,
        })? {
            Reply::TextIndexQuery { matches } => Ok(matches),
            other => Err(wrong(other)),
        }
    }

    fn text_index_delete(&mut self, ids: &[String]) -> Result<(), HostError> {
        match self.ask(Effect::TextIndexDelete { ids: ids.to_vec() })? {
            Reply::TextIndexDelete => Ok(()),
            other => Err(wrong(other)),
        }
    }

    fn coordinator_acquire(
        &mut self,
        user: &str,
        project: &str,
        seconds: u64,
        token: Option<u64>,
    ) -> Result<Lease, HostError> {
        match self.ask(Effect::CoordinatorAcquire {
            user: user.to_owned(),
            project: project.to_owned(),
            seconds,
            token,
        })? {
            Reply::CoordinatorAcquire { lease } => Ok(lease),
            other => Err(wrong(other)),
        }
    }

    fn coordinator_release(
        &mut self,
        user: &str,
        project: &str,
        token: u64,
    ) -> Result<(), HostError> {
        match self.ask(Effect::CoordinatorRelease {
            user: user.to_owned(),
            project: project.to_owned(),
            token,
        })? {
            Reply::CoordinatorRelease => Ok(()),
            other => Err(wrong(other)),
        }
    }

    fn coordinator_read_state(
        &mut self,
        user: &str,
        project: &str,
    ) -> Result<Option<String>, HostError> {
        match self.ask(Effect::CoordinatorReadState {
            user: user.to_owned(),
            project: project.to_owned(),
        })? {
            Reply::CoordinatorReadState { state } => Ok(state),
            other => Err(wrong(other)),
        }
    }

    fn coordinator_write_state(
        &mut self,
        user: &str,
        project: &str,
        token: u64,
        state: Option<&str>,
    ) -> Result<bool, HostError> {
        match self.ask(Effect::CoordinatorWriteState {
            user: user.to_owned(),
            project: project.to_owned(),
            token,
            state: state.map(str::to_owned),
        })? {
            Reply::CoordinatorWriteState { written } => Ok(written),
            other => Err(wrong(other)),
        }
    }

    fn coordinator_charge(
        &mut self,
        user: &str,
        project: &str,
        charge: Charge,
    ) -> Result<Charged, HostError> {
        let Charge {
            day,
            ai,
            ai_limit,
            vectors,
            vectors_limit,
        } = charge;
        match self.ask(Effect::CoordinatorCharge {
            user: user.to_owned(),
            project: project.to_owned(),
            day,
            ai,
            ai_limit,
            vectors,
            vectors_limit,
        })? {
            Reply::CoordinatorCharge { charged } => Ok(charged),
            other => Err(wrong(other)),
        }
    }

    fn coordinator_credit(
        &mut self,
        user: &str,
        project: &str,
        day: u32,
        ai: u32,
        vectors: u32,
    ) -> Result<(), HostError> {
        match self.ask(Effect::CoordinatorCredit {
            user: user.to_owned(),
            project: project.to_owned(),
            day,
            ai,
            vectors,
        })? {
            Reply::CoordinatorCredit => Ok(()),
            other => Err(wrong(other)),
        }
    }

    fn coordinator_usage(&mut self, user: &str, day: u32) -> Result<Vec<ProjectUsage>, HostError> {
        match self.ask(Effect::CoordinatorUsage {
            user: user.to_owned(),
            day,
        })? {
            Reply::CoordinatorUsage { projects } => Ok(projects),
            other => Err(wrong(other)),
        }
    }
}
