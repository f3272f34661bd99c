//! `Indexer`: a configured engine, made once per config and reused for every request.

use std::str::FromStr;

use index_sync_core::{Config, Engine, RequestKind};
use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;

use crate::error::{code, coded_error};
use crate::operation::Operation;

/// A configured engine: starts one [`Operation`] per request.
#[wasm_bindgen]
pub struct Indexer(Engine);

#[wasm_bindgen]
impl Indexer {
    /// An engine with a config given as JSON (camelCase; absent fields keep their defaults;
    /// an empty string is the default config). A refused config throws an `Error` with
    /// `.code = "invalid_config"`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(js_name = configJson)] config_json: &str,
    ) -> Result<Indexer, JsValue> {
        let refuse = |e: index_sync_core::ConfigError| {
            // The same code and message every host answers a refused config with.
            let error = e.to_request_error();
            coded_error(error.code(), error.message())
        };
        let config = Config::from_json(config_json).map_err(refuse)?;
        Engine::new(config).map(Indexer).map_err(refuse)
    }

    /// Starts `kind` (`"init"`, `"sync"`, `"search"`, `"remove"`, `"usage"` or `"status"`)
    /// for the authenticated
    /// `user_id` with the request `body` at `now_seconds` (Unix seconds). The body is checked
    /// here; a refused body answers its error on the first poll, with no effect before it.
    pub fn start(
        &self,
        kind: &str,
        #[wasm_bindgen(js_name = userId)] user_id: &str,
        #[wasm_bindgen(unchecked_param_type = "string | Uint8Array")] body: JsValue,
        #[wasm_bindgen(js_name = nowSeconds)] now_seconds: f64,
    ) -> Result<Operation, JsValue> {
        let kind = RequestKind::from_str(kind)
            .map_err(|message| coded_error(code::INVALID_REQUEST_KIND, &message))?;
        let body = body_bytes(body)?;
        if !(now_seconds.is_finite() && now_seconds >= 0.0) {
            return Err(coded_error(
                code::INVALID_ARGUMENT,
                "nowSeconds must be a finite, non-negative number of Unix seconds",
            ));
        }
        // Whole seconds: the engine's clock has no finer grain.
        let now = now_seconds.floor() as u64;
        Ok(Operation::new(self.0.start(kind, user_id, &body, now)))
    }
}

fn body_bytes(body: JsValue) -> Result<Vec<u8>, JsValue> {
    if let Some(text) = body.as_string() {
        return Ok(text.into_bytes());
    }
    if body.is_instance_of::<Uint8Array>() {
        return Ok(Uint8Array::from(body).to_vec());
    }
    Err(coded_error(
        code::INVALID_ARGUMENT,
        "the body must be a string or a Uint8Array",
    ))
}
