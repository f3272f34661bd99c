//! The users' counters against the quotas in the local store: two tables, read and written
//! in one SQLite transaction taken for writing at once (`BEGIN IMMEDIATE`) per call, with
//! the rules of the fake coordinator (`fakes::quota_counters`), so that two runs of the
//! tool on one store count as one coordinator would.

use index_sync_core::{Charged, HostError, ProjectUsage};
use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};

use super::{LocalStore, db_error};
use crate::fakes::quota_counters::{Charge, ProjectCounters, UserCounters};

impl LocalStore {
    /// Runs `change` on `user`'s counters in one write transaction, then saves them.
    fn with_counters<T>(
        &mut self,
        user: &str,
        change: impl FnOnce(&mut UserCounters) -> T,
    ) -> Result<T, HostError> {
        let tx = self
            .db
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db_error)?;
        let mut counters = read_counters(&tx, user).map_err(db_error)?;
        let answer = change(&mut counters);
        write_counters(&tx, user, &counters).map_err(db_error)?;
        tx.commit().map_err(db_error)?;
        Ok(answer)
    }

    pub(super) fn quota_charge(
        &mut self,
        user: &str,
        project: &str,
        charge: Charge,
    ) -> Result<Charged, HostError> {
        self.count("coordinator.charge");
        self.with_counters(user, |c| c.charge(project, charge))
    }

    pub(super) fn quota_credit(
        &mut self,
        user: &str,
        project: &str,
        day: u32,
        ai: u32,
        vectors: u32,
    ) -> Result<(), HostError> {
        self.count("coordinator.credit");
        self.with_counters(user, |c| c.credit(project, day, ai, vectors))
    }

    pub(super) fn quota_usage(
        &mut self,
        user: &str,
        day: u32,
    ) -> Result<Vec<ProjectUsage>, HostError> {
        self.count("coordinator.usage");
        let tx = self.db.transaction().map_err(db_error)?;
        let counters = read_counters(&tx, user).map_err(db_error)?;
        Ok(counters.usage(day))
    }
}

fn read_counters(tx: &Transaction<'_>, user: &str) -> rusqlite::Result<UserCounters> {
    let day: Option<u32> = tx
        .query_row(
            "SELECT day FROM quota_days WHERE user = ?1",
            params![user],
            |r| r.get(0),
        )
        .optional()?;
    let mut statement =
        tx.prepare_cached("SELECT project, ai, vectors FROM quota_counters WHERE user = ?1")?;
    let projects = statement
        .query_map(params![user], |r| {
            Ok((
                r.get::<_, String>(0)?,
                ProjectCounters {
                    ai: r.get(1)?,
                    vectors: r.get(2)?,
                },
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(UserCounters {
        day: day.unwrap_or(0),
        projects,
    })
}

fn write_counters(
    tx: &Transaction<'_>,
    user: &str,
    counters: &UserCounters,
) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO quota_days (user, day) VALUES (?1, ?2)
         ON CONFLICT (user) DO UPDATE SET day = ?2",
        params![user, counters.day],
    )?;
    for (project, c) in &counters.projects {
        tx.execute(
            "INSERT INTO quota_counters (user, project, ai, vectors) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (user, project) DO UPDATE SET ai = ?3, vectors = ?4",
            params![user, project, c.ai, c.vectors],
        )?;
    }
    Ok(())
}
