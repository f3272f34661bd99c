//! The engine as a WebAssembly component, run by Wasmtime: the component that
//! `build.rs` builds is embedded in this crate, compiled once per process, and instantiated
//! with its imports bound to a [`Backend`] (the fakes, or the SQLite store).
//!
//! Each request gets a fresh `Store` and instance: a trap then costs one request and never
//! leaves a broken instance behind, the backend is moved in for the call and handed back
//! after it, and instantiating a pre-linked component costs microseconds. The engine's
//! `indexer` resource is created per request for the same reason; a host that keeps its
//! instance (jco in a Worker) creates it once. The requests of a `concurrently` step run
//! that way too, each on a thread of its own whose imports wait for the scheduler
//! (`concurrent.rs`, `relay.rs`).

mod bindings;
mod cache;
pub mod concurrent;
pub mod imports;
pub mod relay;

use std::sync::{Arc, OnceLock};

use index_sync_core::{RequestKind, Response};
use serde_json::json;
use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Engine, Store};

use crate::backend::Backend;
use crate::concurrent::Request;
use crate::fakes::World;
use crate::runner::Host;
pub use bindings::Imports;
use concurrent::ComponentRequest;
use relay::Relay;

/// `wasmtime::component::bindgen!` output for `wit/engine.wit`, fenced off.
#[allow(missing_docs)]
mod generated {
    wasmtime::component::bindgen!({
        world: "indexer",
        path: "../wit",
    });
}

use generated::exports::index_sync::engine::operations;

/// The component built by `build.rs`, embedded so the binary runs from anywhere.
pub static COMPONENT_BYTES: &[u8] = include_bytes!(env!("INDEX_SYNC_COMPONENT"));

/// Where `build.rs` wrote the component.
pub const COMPONENT_PATH: &str = env!("INDEX_SYNC_COMPONENT");

/// The Wasmtime engine and the compiled component, made once per process (and compiled once
/// per build, see `cache`): compiling is the slow part, instantiating is cheap.
pub fn compiled() -> Result<&'static (Engine, Component), String> {
    static COMPILED: OnceLock<Result<(Engine, Component), String>> = OnceLock::new();
    COMPILED
        .get_or_init(|| {
            let mut config = wasmtime::Config::new();
            // Cranelift built in debug compiles this component in about 4 s without
            // optimising against 7 s with (2-core dev machine), and tests run the guest for
            // milliseconds: only release builds optimise.
            if cfg!(debug_assertions) {
                config.cranelift_opt_level(wasmtime::OptLevel::None);
            }
            let engine = Engine::new(&config).map_err(|e| format!("starting Wasmtime: {e:#}"))?;
            let component = cache::load_or_compile(&engine, COMPONENT_BYTES)?;
            Ok((engine, component))
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// The component, linked to backends of type `B`, with an engine config (JSON).
pub struct ComponentIndexer<B: Backend> {
    pre: generated::IndexerPre<Imports<B>>,
    config: String,
}

impl<B: Backend> ComponentIndexer<B> {
    /// Links the imports for `B`; the config is checked by the engine at each request (a
    /// refused config answers every request with 500 `invalid_config`).
    pub fn new(config: &str) -> Result<Self, String> {
        let (engine, component) = compiled()?;
        let mut linker = Linker::<Imports<B>>::new(engine);
        generated::Indexer::add_to_linker::<_, HasSelf<_>>(&mut linker, |imports| imports)
            .map_err(|e| format!("linking the imports: {e:#}"))?;
        let pre = linker
            .instantiate_pre(component)
            .and_then(generated::IndexerPre::new)
            .map_err(|e| format!("pre-instantiating the component: {e:#}"))?;
        Ok(Self {
            pre,
            config: config.to_owned(),
        })
    }

    /// Serves one request on `backend`, which is handed back with the response. A trap (a
    /// guest bug; the engine refuses bad input with a response, never a trap) becomes a 500
    /// `trap` response.
    pub fn serve(
        &self,
        backend: B,
        kind: RequestKind,
        user: &str,
        body: &[u8],
        now: u64,
    ) -> (B, Response) {
        let mut store = Store::new(self.pre.engine(), Imports(backend));
        let response = self
            .call(&mut store, kind, user, body, now)
            .unwrap_or_else(|e| Response {
                status: 500,
                body: json!({"error": {"code": "trap", "message": format!("{e:#}")}}),
            });
        (store.into_data().0, response)
    }

    fn call(
        &self,
        store: &mut Store<Imports<B>>,
        kind: RequestKind,
        user: &str,
        body: &[u8],
        now: u64,
    ) -> wasmtime::Result<Response> {
        let instance = self.pre.instantiate(&mut *store)?;
        let indexer = instance.index_sync_engine_operations().indexer();
        let resource = match indexer.call_create(&mut *store, &self.config)? {
            Ok(resource) => resource,
            Err(refusal) => return Ok(from_wit(refusal)),
        };
        let answer = match kind {
            RequestKind::Init => indexer.call_init(&mut *store, resource, user, body, now)?,
            RequestKind::Sync => indexer.call_sync(&mut *store, resource, user, body, now)?,
            RequestKind::Search => indexer.call_search(&mut *store, resource, user, body, now)?,
            RequestKind::Remove => indexer.call_remove(&mut *store, resource, user, body, now)?,
            RequestKind::Usage => indexer.call_usage(&mut *store, resource, user, body, now)?,
            RequestKind::Status => indexer.call_status(&mut *store, resource, user, body, now)?,
        };
        resource.resource_drop(&mut *store)?;
        Ok(from_wit(answer.unwrap_or_else(|refusal| refusal)))
    }
}

/// A response from the guest; a body that is not JSON is kept as a string, so a comparison
/// with the engine shows it rather than hiding it.
fn from_wit(response: operations::Response) -> Response {
    Response {
        status: response.status,
        body: serde_json::from_str(&response.body)
            .unwrap_or(serde_json::Value::String(response.body)),
    }
}

/// The conformance host that runs scenarios through the component.
pub struct ComponentHost {
    indexer: ComponentIndexer<World>,
    /// The same component with its imports relayed to the driving thread, for the
    /// requests of a `concurrently` step (`concurrent.rs`).
    relayed: Arc<ComponentIndexer<Relay>>,
}

impl ComponentHost {
    /// A component host for a scenario's config JSON.
    pub fn new(config: &str) -> Result<Self, String> {
        Ok(Self {
            indexer: ComponentIndexer::new(config)?,
            relayed: Arc::new(ComponentIndexer::new(config)?),
        })
    }
}

impl Host for ComponentHost {
    fn begin(
        &mut self,
        kind: RequestKind,
        user: &str,
        body: &[u8],
        now: u64,
    ) -> Result<Box<dyn Request>, String> {
        let request = ComponentRequest::start(Arc::clone(&self.relayed), kind, user, body, now)?;
        Ok(Box::new(request))
    }

    fn serve(&mut self, world: &mut World, kind: RequestKind, user: &str, body: &[u8]) -> Response {
        let now = world.now;
        let (back, response) = self
            .indexer
            .serve(std::mem::take(world), kind, user, body, now);
        *world = back;
        response
    }
}
