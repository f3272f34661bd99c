//! Builds the engine component that the Wasmtime host embeds, as wasmtime's own
//! `test-programs/artifacts` does: an inner `cargo` builds `index-sync-core` with its
//! `component` feature for `wasm32-unknown-unknown` into a target directory of its own (the
//! outer build holds the lock of the usual one), and `wit-component` turns the core module
//! into a component. `wasm32-unknown-unknown` and not `wasm32-wasip2`: the Rust standard
//! library for WASI imports `wasi:cli`, `wasi:io` and friends, and this component must
//! import nothing but `index-sync:engine/*`.
//!
//! The component's path (in OUT_DIR) is handed to the crate as `INDEX_SYNC_COMPONENT`; a
//! copy lands in `<target>/component-build/index_sync_engine.component.wasm`.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The target the engine is compiled for: no WASI, so no WASI imports.
const TARGET: &str = "wasm32-unknown-unknown";

/// The component's file name, in OUT_DIR and in `<target>/component-build`.
const COMPONENT_FILE: &str = "index_sync_engine.component.wasm";

fn main() {
    let manifest_dir =
        PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let root = manifest_dir
        .parent()
        .expect("host-native sits in the workspace")
        .to_path_buf();
    for watched in [
        "core/src",
        "core/Cargo.toml",
        "wit",
        "Cargo.lock",
        "Cargo.toml",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }
    let target_dir = workspace_target_dir(&root).join("component-build");
    let module = build_module(&root, &target_dir);
    // The crate embeds the copy in OUT_DIR, which cargo owns: deleting the inner target
    // directory cannot leave the crate pointing at a missing file. The copy beside the
    // inner build is for people and other hosts (jco, ...).
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let component = out_dir.join(COMPONENT_FILE);
    encode_component(&module, &component);
    std::fs::copy(&component, target_dir.join(COMPONENT_FILE)).expect("copying the component");
    println!(
        "cargo:rustc-env=INDEX_SYNC_COMPONENT={}",
        component.display()
    );
}

/// The workspace's target directory: `CARGO_TARGET_DIR` when set, else the one `OUT_DIR`
/// sits in (`<target>/<profile>/build/<pkg>/out`), else `<workspace>/target`.
fn workspace_target_dir(root: &Path) -> PathBuf {
    if let Some(dir) = env::var_os("CARGO_TARGET_DIR") {
        let dir = PathBuf::from(dir);
        return if dir.is_absolute() {
            dir
        } else {
            root.join(dir)
        };
    }
    env::var_os("OUT_DIR")
        .map(PathBuf::from)
        .and_then(|out| out.ancestors().nth(4).map(Path::to_path_buf))
        .unwrap_or_else(|| root.join("target"))
}

/// `cargo rustc --crate-type cdylib` on the engine crate, so the engine's own manifest keeps
/// building an rlib only; the workspace release profile (size-tuned) applies.
fn build_module(root: &Path, target_dir: &Path) -> PathBuf {
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(root)
        .args([
            "rustc",
            "--package",
            "index-sync-core",
            "--release",
            "--features",
            "component",
        ])
        .args(["--target", TARGET, "--crate-type", "cdylib", "--target-dir"])
        .arg(target_dir);
    // What the outer build set for itself must not leak into the inner one: clippy's wrapper
    // (run by `cargo clippy`) and flags meant for the host target.
    for var in [
        "RUSTC_WORKSPACE_WRAPPER",
        "RUSTC_WRAPPER",
        "CLIPPY_ARGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "CARGO_MAKEFLAGS",
        "CARGO_PRIMARY_PACKAGE",
    ] {
        command.env_remove(var);
    }
    let status = command
        .status()
        .expect("running cargo for the engine component");
    if !status.success() {
        panic!(
            "building the engine for {TARGET} failed ({status}): the compiler's messages are \
             above; if they say the target is missing, `rustup target add {TARGET}`"
        );
    }
    target_dir
        .join(TARGET)
        .join("release")
        .join("index_sync_core.wasm")
}

/// Wraps the core module into a component; validation catches a bad encoding here rather
/// than at the first test.
fn encode_component(module: &Path, component: &Path) {
    let bytes =
        std::fs::read(module).unwrap_or_else(|e| panic!("reading {}: {e}", module.display()));
    let encoded = wit_component::ComponentEncoder::default()
        .module(&bytes)
        .and_then(|encoder| encoder.validate(true).encode())
        .unwrap_or_else(|e| panic!("encoding {} as a component: {e:?}", module.display()));
    std::fs::write(component, encoded)
        .unwrap_or_else(|e| panic!("writing {}: {e}", component.display()));
}
