//! The component's requests in a `concurrently` step, each on a thread of its own: a schedule
//! is replayed call for call exactly as on the engine, a request answered before any call
//! needs no grant, and a request dropped before it answered touches the world no more and
//! does not leave its thread behind.

use std::sync::{Arc, mpsc};
use std::time::Duration;

use index_sync_core::{Config, Engine, RequestKind};
use index_sync_native::component::relay::Relay;
use index_sync_native::component::{ComponentHost, ComponentIndexer, concurrent::ComponentRequest};
use index_sync_native::concurrent::{Calls, EngineRequest, Grant, Request, interleave};
use index_sync_native::fakes::World;
use index_sync_native::runner::Host;
use serde_json::{Value, json};

/// How long a dropped request's thread may take to end (it makes a handful of calls, each
/// failing at once) before the test calls it stuck.
const THREAD_END: Duration = Duration::from_secs(30);

fn init_body(hash: &str) -> Vec<u8> {
    json!({"projectId": "p", "chunks": [
        {"hash": hash, "code": format!("fn {hash}() -> u8 {{ 1 }}"), "filePath": "a.rs"}]})
    .to_string()
    .into_bytes()
}

/// What a replay gave: each request's status and body, each one's calls, and the names in
/// the world after (KV keys, then vector ids).
type Replayed = (Vec<(u16, Value)>, Vec<Calls>, Vec<String>);

/// Starts one request of a host from its body at a time.
type Begin<'a> = dyn FnMut(&[u8], u64) -> Box<dyn Request> + 'a;

/// Two inits of one tenant, a and b, replayed under `schedule`.
fn replay(begin: &mut Begin<'_>, schedule: &[Grant]) -> Replayed {
    let mut world = World::new();
    let mut requests = vec![
        ("a".to_owned(), begin(&init_body("x"), world.now)),
        ("b".to_owned(), begin(&init_body("y"), world.now)),
    ];
    let calls = interleave(&mut world, &mut requests, schedule).expect("the schedule is valid");
    let answers = requests
        .iter()
        .map(|(name, r)| {
            let response = r.response().unwrap_or_else(|| panic!("{name} answered"));
            (response.status, response.body.clone())
        })
        .collect();
    let mut names: Vec<String> = world.kv.keys(world.now).map(str::to_owned).collect();
    names.extend(world.vectorize.ids().map(str::to_owned));
    (answers, calls, names)
}

#[test]
fn the_component_replays_a_schedule_call_for_call_as_the_engine_does() {
    let engine = Engine::new(Config::default()).expect("config");
    let mut host = ComponentHost::new("{}").expect("the component links");
    let schedules = [
        // b asks while a holds the lease (before a's upsert): refused at its first call.
        vec![
            Grant::Before("a".into(), "vectorize.upsert".into()),
            Grant::ToEnd("b".into()),
        ],
        // Turn by turn, one call each.
        (0..40)
            .map(|i| Grant::Next(if i % 2 == 0 { "a" } else { "b" }.into()))
            .collect(),
        // a to its end first: b then finds the lease free and indexes too.
        vec![Grant::ToEnd("a".into()), Grant::ToEnd("b".into())],
    ];
    for schedule in &schedules {
        let on_engine = replay(
            &mut |body, now| {
                Box::new(EngineRequest::start(
                    &engine,
                    RequestKind::Init,
                    "alice",
                    body,
                    now,
                ))
            },
            schedule,
        );
        let on_component = replay(
            &mut |body, now| {
                host.begin(RequestKind::Init, "alice", body, now)
                    .expect("the request starts")
            },
            schedule,
        );
        assert_eq!(on_component, on_engine, "{schedule:?}");
    }
    let (answers, calls, _) = replay(
        &mut |body, now| host.begin(RequestKind::Init, "alice", body, now).unwrap(),
        &schedules[0],
    );
    assert_eq!(answers[0].0, 200, "{}", answers[0].1);
    assert_eq!(answers[1].0, 409, "{}", answers[1].1);
    assert_eq!(answers[1].1["error"]["code"], "tenant_busy");
    assert_eq!(
        calls[1].iter().collect::<Vec<_>>(),
        [(&"coordinator.acquire", &1)],
        "b refused at its first call, having made no other"
    );
    let (answers, _, _) = replay(
        &mut |body, now| host.begin(RequestKind::Init, "alice", body, now).unwrap(),
        &schedules[2],
    );
    assert_eq!((answers[0].0, answers[1].0), (200, 200), "{answers:?}");
}

#[test]
fn a_refused_body_is_answered_before_any_call() {
    let mut host = ComponentHost::new("{}").expect("the component links");
    let request = host
        .begin(RequestKind::Init, "alice", b"not json", World::new().now)
        .expect("the request starts");
    assert_eq!(request.next_call(), None);
    assert_eq!(request.response().map(|r| r.status), Some(400));
}

#[test]
fn a_request_dropped_before_it_answered_makes_no_more_calls_and_its_thread_ends() {
    let indexer = Arc::new(ComponentIndexer::<Relay>::new("{}").expect("the component links"));
    let mut world = World::new();
    let mut request = ComponentRequest::start(
        indexer,
        RequestKind::Init,
        "alice",
        &init_body("x"),
        world.now,
    )
    .expect("the request starts");
    assert_eq!(request.next_call(), Some("coordinator.acquire"));
    request.make_call(&mut world);
    assert!(request.next_call().is_some(), "it goes on after the lease");
    assert!(world.coordinator.is_held("alice", "p", world.now));
    let made = world.calls().clone();
    // Dropped on another thread, so a thread that never ends fails the test, not hangs it.
    let (dropped, done) = mpsc::channel();
    std::thread::spawn(move || {
        drop(request);
        let _ = dropped.send(());
    });
    done.recv_timeout(THREAD_END)
        .expect("dropping the request ends its thread");
    assert_eq!(
        world.calls(),
        &made,
        "no call after the drop reached the world"
    );
    assert!(
        world.coordinator.is_held("alice", "p", world.now),
        "its release was never granted: the lease runs out on its own"
    );
}
