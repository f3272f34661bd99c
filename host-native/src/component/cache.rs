//! The compiled component, cached on disk beside the component in the build's target
//! directory: Cranelift takes seconds to compile it (more in a debug build), while loading a
//! compiled artefact takes milliseconds, and every test binary and every run of the tool
//! would otherwise compile the same bytes again.
//!
//! The file name holds the SHA-256 of the component, so a rebuilt component never meets a
//! stale artefact; Wasmtime refuses an artefact made by another version or configuration,
//! and then the component is compiled and the file rewritten. Where the target directory is
//! gone (an installed binary) nothing is cached.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

use super::COMPONENT_PATH;

/// The compiled `bytes`, from the cache when it holds them.
pub(super) fn load_or_compile(engine: &Engine, bytes: &[u8]) -> Result<Component, String> {
    let path = artefact_path(bytes);
    if let Some(component) = path.as_deref().and_then(|p| load(engine, p)) {
        return Ok(component);
    }
    let component =
        Component::new(engine, bytes).map_err(|e| format!("compiling the component: {e:#}"))?;
    if let Some(path) = path {
        store(&component, &path);
    }
    Ok(component)
}

/// Every artefact is named `PREFIX{digest}.{profile}.cwasm`.
const PREFIX: &str = "index_sync_engine.";

/// Debug and release builds compile with other settings (see `compiled`).
fn profile() -> &'static str {
    if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    }
}

fn artefact_path(bytes: &[u8]) -> Option<PathBuf> {
    let dir = Path::new(COMPONENT_PATH).parent().filter(|d| d.is_dir())?;
    let digest = index_sync_core::names::hex(&Sha256::digest(bytes)[..16]);
    Some(dir.join(format!("{PREFIX}{digest}.{}.cwasm", profile())))
}

// Deserialising runs the machine code in the file, so the file must come from Wasmtime.
#[allow(unsafe_code)]
fn load(engine: &Engine, path: &Path) -> Option<Component> {
    let artefact = std::fs::read(path).ok()?;
    // SAFETY: the file was written by `store` below from `Component::serialize`, in the
    // target directory of the build that made this binary; whoever can write there can
    // replace the binary itself. Wasmtime checks the artefact's version and configuration
    // and refuses a mismatch, which is then compiled afresh.
    unsafe { Component::deserialize(engine, artefact) }.ok()
}

/// Writes the artefact under a unique name, then renames it into place: processes that
/// compile at the same time each write a whole file, and a reader never sees half of one.
/// Artefacts of earlier components (same profile, another digest) are removed.
fn store(component: &Component, path: &Path) {
    let Ok(artefact) = component.serialize() else {
        return;
    };
    let partial = path.with_extension(format!("{}.partial", std::process::id()));
    if std::fs::write(&partial, artefact).is_err() || std::fs::rename(&partial, path).is_err() {
        let _ = std::fs::remove_file(&partial);
        return;
    }
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return;
    };
    let ending = format!(".{}.cwasm", profile());
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let other = entry.file_name();
        let stale = other != name
            && other
                .to_str()
                .is_some_and(|o| o.starts_with(PREFIX) && o.ends_with(&ending));
        if stale {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}
