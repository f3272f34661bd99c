//! Engine errors as JavaScript `Error`s carrying the engine's stable `.code`, so the driver
//! can match on the code instead of the message.

use wasm_bindgen::prelude::*;

/// Codes of errors made here rather than in the engine.
pub(crate) mod code {
    /// The request kind is not `init`, `sync`, `search` or `remove`.
    pub const INVALID_REQUEST_KIND: &str = "invalid_request_kind";
    /// An argument has the wrong type or range (a body that is neither string nor bytes).
    pub const INVALID_ARGUMENT: &str = "invalid_argument";
    /// The outcomes handed back are not a JSON array.
    pub const INVALID_OUTCOMES: &str = "invalid_outcomes";
}

/// A JS `Error` with `message` and `.code = code`.
pub(crate) fn coded_error(code: &str, message: &str) -> JsValue {
    let error = js_sys::Error::new(message);
    // Setting a property on a fresh Error object cannot fail.
    let _ = js_sys::Reflect::set(&error, &JsValue::from_str("code"), &JsValue::from_str(code));
    error.into()
}
