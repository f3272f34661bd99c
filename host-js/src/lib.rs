//! wasm-bindgen build of the index-sync engine (in progress).
