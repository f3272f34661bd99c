//! The coordinator in the local store: each tenant's lease and record state in the
//! `tenants` table, every call one SQLite transaction taken for writing at once
//! (`BEGIN IMMEDIATE`), so two runs of the tool on one store see one order of calls, as a
//! Durable Object gives a Worker. The rules are the fakes' (`fakes::coordinator`).

use index_sync_core::{HostError, Lease};
use rusqlite::{OptionalExtension, TransactionBehavior, params};

use super::{LocalStore, db_error};

/// A tenant's row: the lease held (token, until), and the last token granted.
type Row = (Option<u64>, Option<u64>, Option<u64>);

impl LocalStore {
    pub(super) fn lease_acquire(
        &mut self,
        user: &str,
        project: &str,
        seconds: u64,
        token: Option<u64>,
    ) -> Result<Lease, HostError> {
        self.count("coordinator.acquire");
        let now = self.now;
        let until = now.saturating_add(seconds);
        let tx = self
            .db
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db_error)?;
        let row: Option<Row> = tx
            .query_row(
                "SELECT token, held_until, last_token FROM tenants WHERE user = ?1 AND project = ?2",
                params![user, project],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(db_error)?;
        let (held, held_until, last) = row.unwrap_or((None, None, None));
        let live_until = held.and(held_until).filter(|&u| u > now);
        let granted = match token {
            Some(token) if held == Some(token) && last == Some(token) => Some(token),
            Some(_) => return Ok(Lease::Busy(live_until.unwrap_or(now))),
            None if live_until.is_some() => return Ok(Lease::Busy(live_until.unwrap_or(now))),
            None => {
                tx.execute("INSERT INTO tokens DEFAULT VALUES", [])
                    .map_err(db_error)?;
                Some(tx.last_insert_rowid() as u64)
            }
        };
        let token = granted.unwrap_or_default();
        tx.execute(
            "INSERT INTO tenants (user, project, token, held_until, last_token)
             VALUES (?1, ?2, ?3, ?4, ?3)
             ON CONFLICT (user, project) DO UPDATE SET
                 token = ?3, held_until = ?4, last_token = ?3",
            params![user, project, token, until],
        )
        .map_err(db_error)?;
        tx.commit().map_err(db_error)?;
        Ok(Lease::Granted(token))
    }

    pub(super) fn lease_release(
        &mut self,
        user: &str,
        project: &str,
        token: u64,
    ) -> Result<(), HostError> {
        self.count("coordinator.release");
        self.db
            .execute(
                "UPDATE tenants SET token = NULL, held_until = NULL
                 WHERE user = ?1 AND project = ?2 AND token = ?3",
                params![user, project, token],
            )
            .map(|_| ())
            .map_err(db_error)
    }

    pub(super) fn state_read(
        &mut self,
        user: &str,
        project: &str,
    ) -> Result<Option<String>, HostError> {
        self.count("coordinator.readState");
        self.db
            .query_row(
                "SELECT state FROM tenants WHERE user = ?1 AND project = ?2",
                params![user, project],
                |r| r.get::<_, Option<String>>(0),
            )
            .optional()
            .map(Option::flatten)
            .map_err(db_error)
    }

    pub(super) fn state_write(
        &mut self,
        user: &str,
        project: &str,
        token: u64,
        state: Option<&str>,
    ) -> Result<bool, HostError> {
        self.count("coordinator.writeState");
        self.db
            .execute(
                "UPDATE tenants SET state = ?4
                 WHERE user = ?1 AND project = ?2 AND token = ?3 AND last_token = ?3",
                params![user, project, token, state],
            )
            .map(|changed| changed == 1)
            .map_err(db_error)
    }
}
