//! Runs a scenario against a host over a fresh fake world and checks every expectation.
//! What each step answered and called is kept, so two hosts can be compared step by step.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use index_sync_core::{Config, ConfigError, Engine, RequestKind, Response};
use serde_json::Value;

use crate::concurrent::{EngineRequest, Request, interleave};
use crate::fakes::World;
use crate::scenario::{Concurrently, HasLacks, RequestStep, Scenario, ScenarioStep};

/// Something that serves requests against a world: the engine driven directly, or the
/// component through its imports.
pub trait Host {
    /// Serves one request, running its effects (and any work after the response) on `world`.
    fn serve(&mut self, world: &mut World, kind: RequestKind, user: &str, body: &[u8]) -> Response;

    /// Starts one request at `now` that makes each host call only when granted
    /// (`concurrent.rs`), run to its first call.
    fn begin(
        &mut self,
        kind: RequestKind,
        user: &str,
        body: &[u8],
        now: u64,
    ) -> Result<Box<dyn Request>, String>;
}

/// Makes a host for a scenario's config JSON, or says why the config is refused.
pub type HostFactory<'a> = dyn Fn(&str) -> Result<Box<dyn Host>, ConfigError> + 'a;

/// The engine, driven in this process.
pub struct EngineHost {
    engine: Engine,
}

impl EngineHost {
    /// An engine host with a config given as JSON.
    pub fn from_json(config: &str) -> Result<Self, ConfigError> {
        Ok(Self {
            engine: Engine::new(Config::from_json(config)?)?,
        })
    }
}

impl EngineHost {
    /// As a [`HostFactory`] wants it: `run(&scenario, &EngineHost::boxed)`.
    pub fn boxed(config: &str) -> Result<Box<dyn Host>, ConfigError> {
        Ok(Box::new(Self::from_json(config)?))
    }
}

impl Host for EngineHost {
    fn serve(&mut self, world: &mut World, kind: RequestKind, user: &str, body: &[u8]) -> Response {
        self.engine
            .start(kind, user, body, world.now)
            .run_to_end(|effect| world.perform(effect))
    }

    fn begin(
        &mut self,
        kind: RequestKind,
        user: &str,
        body: &[u8],
        now: u64,
    ) -> Result<Box<dyn Request>, String> {
        Ok(Box::new(EngineRequest::start(
            &self.engine,
            kind,
            user,
            body,
            now,
        )))
    }
}

/// A request answered before any call.
pub struct Answered(pub Response);

impl Request for Answered {
    fn next_call(&self) -> Option<&'static str> {
        None
    }

    fn make_call(&mut self, _: &mut World) {}

    fn response(&self) -> Option<&Response> {
        Some(&self.0)
    }
}

/// Answers every request with the config's refusal: 500 `invalid_config`, nothing written.
struct RefusedConfig(ConfigError);

impl Host for RefusedConfig {
    fn serve(&mut self, _: &mut World, _: RequestKind, _: &str, _: &[u8]) -> Response {
        let error = self.0.to_request_error();
        Response {
            status: error.status(),
            body: error.to_body(),
        }
    }

    fn begin(
        &mut self,
        kind: RequestKind,
        user: &str,
        body: &[u8],
        _: u64,
    ) -> Result<Box<dyn Request>, String> {
        let mut world = World::new();
        Ok(Box::new(Answered(self.serve(&mut world, kind, user, body))))
    }
}

/// What one request step answered and called.
#[derive(Clone, Debug, PartialEq)]
pub struct StepRecord {
    /// The response.
    pub response: Response,
    /// Calls made during the step, by name.
    pub calls: BTreeMap<&'static str, u64>,
}

/// A scenario's result on one host.
#[derive(Debug)]
pub struct Verdict {
    /// Scenario name.
    pub name: String,
    /// Every expectation not met, readable.
    pub failures: Vec<String>,
    /// Each request step's record, in order.
    pub records: Vec<StepRecord>,
    /// The world at the end.
    pub world: World,
}

impl Verdict {
    /// Whether every expectation held.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Runs `scenario` on a host made by `factory`.
pub fn run(scenario: &Scenario, factory: &HostFactory<'_>) -> Verdict {
    run_in(World::new(), scenario, factory)
}

/// Runs `scenario` on a host made by `factory`, from `world` (a fresh one, set up by a test:
/// a coordinator that orders nothing, say).
pub fn run_in(mut world: World, scenario: &Scenario, factory: &HostFactory<'_>) -> Verdict {
    let mut host: Box<dyn Host> = match factory(&scenario.config_json()) {
        Ok(host) => host,
        Err(e) => Box::new(RefusedConfig(e)),
    };
    let mut failures = Vec::new();
    let mut records = Vec::new();
    for (n, step) in scenario.steps.iter().enumerate() {
        match step {
            ScenarioStep::Advance(seconds) => world.advance(*seconds),
            ScenarioStep::FailNext {
                call,
                times,
                skip,
                mode,
            } => world.fail_next(call, *times, *skip, *mode),
            ScenarioStep::KvPut {
                key,
                value,
                ttl_seconds,
            } => {
                if let Err(e) = world.kv.put(key, value, *ttl_seconds, world.now) {
                    failures.push(format!("step {n}: kvPut refused: {}", e.message));
                }
            }
            ScenarioStep::Concurrently(step) => match overlap(host.as_mut(), &mut world, step) {
                Ok(done) => {
                    for ((name, request), record) in step.requests.iter().zip(done) {
                        check_step(&format!("{n}.{name}"), request, &record, &mut failures);
                        records.push(record);
                    }
                }
                Err(e) => failures.push(format!("step {n}: {e}")),
            },
            ScenarioStep::Request(request) => {
                let kind = match request.kind() {
                    Ok(kind) => kind,
                    Err(e) => {
                        failures.push(format!("step {n}: {e}"));
                        continue;
                    }
                };
                let before = world.calls().clone();
                let response = host.serve(&mut world, kind, &request.user, &request.body_bytes());
                let calls = world
                    .calls()
                    .iter()
                    .map(|(name, count)| (*name, count - before.get(name).copied().unwrap_or(0)))
                    .filter(|(_, count)| *count > 0)
                    .collect();
                let record = StepRecord { response, calls };
                check_step(&n.to_string(), request, &record, &mut failures);
                records.push(record);
            }
        }
    }
    check_names(
        "kv",
        &scenario.final_state.kv,
        |k| world.kv.read(k, world.now).is_some(),
        &mut failures,
    );
    check_names(
        "vectors",
        &scenario.final_state.vectors,
        |id| world.vectorize.get(id).is_some(),
        &mut failures,
    );
    check_names(
        "textIndex",
        &scenario.final_state.text_index,
        |id| world.text_index.contains(id),
        &mut failures,
    );
    Verdict {
        name: scenario.name.clone(),
        failures,
        records,
        world,
    }
}

/// Runs a `concurrently` step: each request's record, in the order listed.
fn overlap(
    host: &mut dyn Host,
    world: &mut World,
    step: &Concurrently,
) -> Result<Vec<StepRecord>, String> {
    let mut requests = Vec::new();
    for (name, request) in &step.requests {
        let kind = request.kind()?;
        let started = host.begin(kind, &request.user, &request.body_bytes(), world.now)?;
        requests.push((name.clone(), started));
    }
    let calls = interleave(world, &mut requests, &step.schedule)?;
    requests
        .iter()
        .zip(calls)
        .map(|((name, request), calls)| {
            let response = request
                .response()
                .cloned()
                .ok_or_else(|| format!("request {name:?} ended without a response"))?;
            Ok(StepRecord { response, calls })
        })
        .collect()
}

fn check_step(n: &str, request: &RequestStep, record: &StepRecord, failures: &mut Vec<String>) {
    let at = format!("step {n} ({} as {})", request.request, request.user);
    let expect = &request.expect;
    let response = &record.response;
    if let Some(status) = &expect.status
        && !status.allows(response.status)
    {
        failures.push(format!(
            "{at}: status {} (body {}), expected {status:?}",
            response.status, response.body
        ));
    }
    let body_checked = expect
        .status
        .as_ref()
        .is_none_or(|s| s.checks_body_of(response.status));
    if let Some(body) = expect.body.as_ref().filter(|_| body_checked) {
        let mut diffs = Vec::new();
        subset("body", body, &response.body, &mut diffs);
        failures.extend(diffs.into_iter().map(|d| format!("{at}: {d}")));
    }
    if let Some(calls) = &expect.calls {
        for (name, want) in calls {
            let got = record.calls.get(name.as_str()).copied().unwrap_or(0);
            if got != *want {
                failures.push(format!("{at}: {got} {name} calls, expected {want}"));
            }
        }
    }
    if let Some(paths) = &expect.file_paths {
        let got: Vec<&str> = response.body["results"]
            .as_array()
            .map(|r| r.iter().filter_map(|m| m["filePath"].as_str()).collect())
            .unwrap_or_default();
        if got != *paths {
            failures.push(format!("{at}: file paths {got:?}, expected {paths:?}"));
        }
    }
}

fn check_names(
    what: &str,
    names: &HasLacks,
    exists: impl Fn(&str) -> bool,
    failures: &mut Vec<String>,
) {
    for name in &names.has {
        if !exists(name) {
            failures.push(format!("final: {what} lacks {name:?}"));
        }
    }
    for name in &names.lacks {
        if exists(name) {
            failures.push(format!("final: {what} has {name:?}"));
        }
    }
}

/// Subset match: every key of `want` is in `got` with a matching value; arrays match
/// element by element with the same length.
pub fn subset(path: &str, want: &Value, got: &Value, diffs: &mut Vec<String>) {
    match (want, got) {
        (Value::Object(w), Value::Object(g)) => {
            for (key, wv) in w {
                match g.get(key) {
                    Some(gv) => subset(&format!("{path}.{key}"), wv, gv, diffs),
                    None => diffs.push(format!("{path}.{key}: missing, expected {wv}")),
                }
            }
        }
        (Value::Array(w), Value::Array(g)) => {
            if w.len() != g.len() {
                diffs.push(format!(
                    "{path}: {got}, expected {} items like {want}",
                    w.len()
                ));
                return;
            }
            for (i, (wv, gv)) in w.iter().zip(g).enumerate() {
                subset(&format!("{path}[{i}]"), wv, gv, diffs);
            }
        }
        (Value::Number(w), Value::Number(g)) if w.as_f64() == g.as_f64() => {}
        _ if want == got => {}
        _ => diffs.push(format!("{path}: {got}, expected {want}")),
    }
}

/// A verdict as text: `PASS name` or `FAIL name` and one indented line per failure.
pub fn report(verdict: &Verdict) -> String {
    let mut out = format!(
        "{} {}",
        if verdict.passed() { "PASS" } else { "FAIL" },
        verdict.name
    );
    for failure in &verdict.failures {
        let _ = write!(out, "\n    {failure}");
    }
    out
}

/// Where two hosts' records of the same scenario differ, if anywhere.
pub fn disagreements(a: &Verdict, b: &Verdict) -> Vec<String> {
    let mut out = Vec::new();
    if a.records.len() != b.records.len() {
        out.push(format!(
            "{} vs {} request steps",
            a.records.len(),
            b.records.len()
        ));
    }
    for (n, (x, y)) in a.records.iter().zip(&b.records).enumerate() {
        if x != y {
            out.push(format!("request {n}: {x:?} vs {y:?}"));
        }
    }
    out
}
