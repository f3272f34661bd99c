//! The component as a [`Request`] of a `concurrently` step (tests/README.md): the export
//! call cannot be paused between host calls, so each request runs on a thread of its own,
//! with its own `Store` and instance (as [`ComponentIndexer::serve`] gives every request),
//! and its imports bound to a [`Relay`] that holds every call until the driving thread makes
//! it on the shared world. The driving thread only ever waits for one request thread at a
//! time, and that thread only for the driving thread: the calls of all the requests are made
//! one after the other in the order `interleave` grants them, as the engine's are.

use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::{self, JoinHandle};

use index_sync_core::{Effect, Outcome, RequestKind, Response};

use super::ComponentIndexer;
use super::relay::{Message, Relay};
use crate::concurrent::Request;
use crate::fakes::World;

/// The driving thread's ends of the link to a request's thread.
struct Link {
    outcomes: Sender<Outcome>,
    calls: Receiver<Message>,
}

/// One request of the component, run on its own thread and stopped before each host call.
pub struct ComponentRequest {
    /// The call the guest waits on, not yet granted.
    next: Option<Effect>,
    response: Option<Response>,
    /// Dropped first when the request is, so the thread stops waiting (`Drop`).
    link: Option<Link>,
    thread: Option<JoinHandle<()>>,
}

impl ComponentRequest {
    /// Starts the request on its own thread at `now` and waits until it asks for its first
    /// call (or answers without one: a refused body, say).
    pub fn start(
        indexer: Arc<ComponentIndexer<Relay>>,
        kind: RequestKind,
        user: &str,
        body: &[u8],
        now: u64,
    ) -> Result<Self, String> {
        let (calls_in, calls) = mpsc::channel();
        let (outcomes, outcomes_in) = mpsc::channel();
        let relay = Relay::new(calls_in, outcomes_in);
        let (user, body) = (user.to_owned(), body.to_vec());
        let thread = thread::Builder::new()
            .name(format!("component {}", kind.as_str()))
            .spawn(move || {
                let (relay, response) = indexer.serve(relay, kind, &user, &body, now);
                // Nobody listens only when the request was dropped: nothing to tell.
                let _ = relay.answer(response);
            })
            .map_err(|e| format!("starting a thread for the request: {e}"))?;
        let mut request = Self {
            next: None,
            response: None,
            link: Some(Link { outcomes, calls }),
            thread: Some(thread),
        };
        request.wait();
        Ok(request)
    }

    /// Waits until the thread asks for its next call or has answered, then joins it once it
    /// answered. A thread that panicked (it hangs up without answering) passes its panic on
    /// here, where the test sees it.
    fn wait(&mut self) {
        let Some(link) = &self.link else {
            return;
        };
        match link.calls.recv() {
            Ok(Message::Call(effect)) => {
                self.next = Some(effect);
                return;
            }
            Ok(Message::Answered(response)) => self.response = Some(response),
            Err(_) => {}
        }
        if let Err(panic) = self.finish() {
            std::panic::resume_unwind(panic);
        }
    }

    /// Hangs up and joins the thread: its export call has returned, or will at once, since
    /// every call it still makes then fails (`relay.rs`).
    fn finish(&mut self) -> thread::Result<()> {
        self.link = None;
        self.thread.take().map_or(Ok(()), JoinHandle::join)
    }
}

impl Request for ComponentRequest {
    fn next_call(&self) -> Option<&'static str> {
        self.next.as_ref().map(Effect::call_name)
    }

    fn make_call(&mut self, world: &mut World) {
        let Some(effect) = self.next.take() else {
            return;
        };
        let outcome = world.perform(effect);
        if let Some(link) = &self.link {
            // A thread that no longer listens has panicked: `wait` finds out.
            let _ = link.outcomes.send(outcome);
        }
        self.wait();
    }

    fn response(&self) -> Option<&Response> {
        self.response.as_ref()
    }
}

impl Drop for ComponentRequest {
    /// A request dropped before it answered (a schedule found wrong halfway) must not leave
    /// its thread waiting for a call forever: hanging up fails the call it waits on and
    /// every later one, so the guest runs to its end, and the thread is joined.
    fn drop(&mut self) {
        let _ = self.finish();
    }
}
