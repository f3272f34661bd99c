//! One user's counters against the quotas, with the coordinator's rules for them
//! (tests/README.md, "Coordinator"): the fake coordinator keeps one per user in memory, and
//! the command-line tool's SQLite store reads one, applies the same rules and writes it
//! back in one transaction, so both count exactly alike.
//!
//! - The counters are of one UTC day, the latest any charge named: a `charge` of a later
//!   day first sets every project's AI units to 0 (the day's counters are dropped); the
//!   AI units of a charge of an earlier day count in the counters' day.
//! - `charge` grants `min(ai, ai-limit - AI units of all projects)` AI units (all asked for
//!   without a limit) and likewise vectors against `vectors-limit` and the vectors of all
//!   projects; adds what it granted to the project's counters; answers the grant and the
//!   user's totals after it.
//! - `credit` takes from the project's counters, never below 0: vectors always, AI units
//!   only when its day is the counters' day (a past day's units are gone already).
//! - `usage(day)` lists each project whose counters are not both 0, in project order: its
//!   AI units (0 when `day` is not the counters' day) and its vectors.

use std::collections::BTreeMap;

use index_sync_core::{Charged, ProjectUsage};

/// What one `coordinator.charge` asks for: AI units of the UTC `day` and new vectors, and
/// the user's limits of each (`None`: no limit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Charge {
    /// The UTC day (Unix seconds / 86,400) the AI units count in.
    pub day: u32,
    /// AI units asked for.
    pub ai: u32,
    /// The user's AI units a day.
    pub ai_limit: Option<u32>,
    /// New vectors asked for.
    pub vectors: u32,
    /// The vectors the user may hold.
    pub vectors_limit: Option<u32>,
}

/// One project's counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProjectCounters {
    /// AI units used on the counters' day.
    pub ai: u32,
    /// Vectors held.
    pub vectors: u32,
}

/// One user's counters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserCounters {
    /// The UTC day the AI units are of.
    pub day: u32,
    /// Per project.
    pub projects: BTreeMap<String, ProjectCounters>,
}

impl UserCounters {
    /// The user's AI units and vectors, all projects.
    pub fn totals(&self) -> (u32, u32) {
        self.projects.values().fold((0, 0), |(ai, vectors), p| {
            (ai.saturating_add(p.ai), vectors.saturating_add(p.vectors))
        })
    }

    /// Grants what the limits leave of `ai` and `vectors` and counts it (module doc).
    pub fn charge(&mut self, project: &str, charge: Charge) -> Charged {
        let Charge {
            day,
            ai,
            ai_limit,
            vectors,
            vectors_limit,
        } = charge;
        if day > self.day {
            self.day = day;
            for counters in self.projects.values_mut() {
                counters.ai = 0;
            }
        }
        let (used, held) = self.totals();
        let grant = |asked: u32, limit: Option<u32>, counted: u32| {
            limit.map_or(asked, |limit| asked.min(limit.saturating_sub(counted)))
        };
        let (ai, vectors) = (
            grant(ai, ai_limit, used),
            grant(vectors, vectors_limit, held),
        );
        let counters = self.projects.entry(project.to_owned()).or_default();
        counters.ai = counters.ai.saturating_add(ai);
        counters.vectors = counters.vectors.saturating_add(vectors);
        Charged {
            ai,
            vectors,
            ai_used: used.saturating_add(ai),
            vectors_held: held.saturating_add(vectors),
        }
    }

    /// Gives back `ai` units of `day` and `vectors` (module doc).
    pub fn credit(&mut self, project: &str, day: u32, ai: u32, vectors: u32) {
        let today = day == self.day;
        if let Some(counters) = self.projects.get_mut(project) {
            if today {
                counters.ai = counters.ai.saturating_sub(ai);
            }
            counters.vectors = counters.vectors.saturating_sub(vectors);
        }
    }

    /// Each project's counters on `day` (module doc).
    pub fn usage(&self, day: u32) -> Vec<ProjectUsage> {
        self.projects
            .iter()
            .filter(|(_, c)| c.ai > 0 || c.vectors > 0)
            .map(|(project, c)| ProjectUsage {
                project: project.clone(),
                ai_today: if day == self.day { c.ai } else { 0 },
                vectors: c.vectors,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_charge_grants_what_the_limits_leave_across_projects() {
        let mut u = UserCounters::default();
        let first = u.charge(
            "p",
            Charge {
                day: 10,
                ai: 3,
                ai_limit: Some(4),
                vectors: 3,
                vectors_limit: Some(5),
            },
        );
        assert_eq!((first.ai, first.vectors), (3, 3));
        let second = u.charge(
            "q",
            Charge {
                day: 10,
                ai: 3,
                ai_limit: Some(4),
                vectors: 3,
                vectors_limit: Some(5),
            },
        );
        assert_eq!(
            second,
            Charged {
                ai: 1,
                vectors: 2,
                ai_used: 4,
                vectors_held: 5
            }
        );
        assert_eq!(
            u.charge(
                "q",
                Charge {
                    day: 10,
                    ai: 9,
                    ai_limit: None,
                    vectors: 0,
                    vectors_limit: None
                }
            )
            .ai,
            9,
            "no limit"
        );
        u.credit("p", 10, 1, 2);
        u.credit("q", 9, 5, 0);
        assert_eq!(
            u.usage(10),
            [
                ProjectUsage {
                    project: "p".into(),
                    ai_today: 2,
                    vectors: 1
                },
                ProjectUsage {
                    project: "q".into(),
                    ai_today: 10,
                    vectors: 2
                }
            ],
            "a credit of another day gives back no AI units"
        );
    }

    #[test]
    fn a_new_day_drops_the_last_days_ai_units_and_keeps_the_vectors() {
        let mut u = UserCounters::default();
        u.charge(
            "p",
            Charge {
                day: 10,
                ai: 2,
                ai_limit: Some(2),
                vectors: 2,
                vectors_limit: None,
            },
        );
        assert_eq!(
            u.charge(
                "p",
                Charge {
                    day: 10,
                    ai: 1,
                    ai_limit: Some(2),
                    vectors: 0,
                    vectors_limit: None
                }
            )
            .ai,
            0
        );
        assert_eq!(u.usage(11)[0].ai_today, 0, "nothing used on another day");
        let next = u.charge(
            "p",
            Charge {
                day: 11,
                ai: 1,
                ai_limit: Some(2),
                vectors: 0,
                vectors_limit: None,
            },
        );
        assert_eq!((next.ai, next.ai_used, next.vectors_held), (1, 1, 2));
        let late = u.charge(
            "p",
            Charge {
                day: 10,
                ai: 1,
                ai_limit: Some(2),
                vectors: 0,
                vectors_limit: None,
            },
        );
        assert_eq!(late.ai_used, 2, "a late charge counts in the counters' day");
        u.credit("p", 11, 5, 5);
        assert_eq!(
            u.usage(11),
            [],
            "never below 0, and a project at 0 is not listed"
        );
    }
}
