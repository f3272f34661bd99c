//! What `index` and `search` share: the component over the local store, one request at a
//! time, with the wall clock as the engine's `now`.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use index_sync_core::{RequestKind, Response};
use index_sync_native::component::ComponentIndexer;
use index_sync_native::store::LocalStore;
use serde_json::Value;

/// Where `index` and `search` keep their data unless `--store` says otherwise.
pub const DEFAULT_STORE: &str = ".index-sync/store.sqlite";

/// Arguments `index` and `search` share.
#[derive(clap::Args)]
pub struct Tenant {
    /// The user to act as (the authenticated user id a server would pass).
    #[arg(long)]
    pub user: String,
    /// The project id.
    #[arg(long)]
    pub project: String,
    /// The SQLite file holding KV and vectors.
    #[arg(long, default_value = DEFAULT_STORE)]
    pub store: PathBuf,
}

/// The engine component with the store it runs on.
pub struct Client {
    indexer: ComponentIndexer<LocalStore>,
    store: Option<LocalStore>,
    user: String,
}

impl Client {
    /// Opens the store and readies the component with the default engine config.
    pub fn open(store: &Path, user: &str) -> Result<Self, String> {
        let store = LocalStore::open(store)?;
        Ok(Self {
            indexer: ComponentIndexer::new("{}")?,
            store: Some(store),
            user: user.to_owned(),
        })
    }

    /// Sends one request through the component; a refusal is an error with its body.
    pub fn request(&mut self, kind: RequestKind, body: &Value) -> Result<Value, String> {
        let mut store = self
            .store
            .take()
            .ok_or("the store was lost to an earlier failure")?;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        store.set_now(now);
        let (store, Response { status, body }) =
            self.indexer
                .serve(store, kind, &self.user, body.to_string().as_bytes(), now);
        self.store = Some(store);
        if status == 200 {
            Ok(body)
        } else {
            Err(format!("status {status}: {body}"))
        }
    }

    /// The store, between requests.
    pub fn store(&self) -> &LocalStore {
        self.store
            .as_ref()
            .expect("the store is back after every request")
    }
}
