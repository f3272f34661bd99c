//! W1–W5: each a world prepared once (uncounted) and a measured run over a copy of it, per
//! budget and per host. `host-js/bench/workloads.ts` defines the same five for the Node side.

use std::collections::BTreeMap;
use std::time::Duration;

use index_sync_native::fakes::{AiUsage, World};
use serde_json::{Value, json};

use crate::client::{Client, Component, Measured, Native};
use crate::data::{self, Chunk};

/// An engine budget: subrequests and KV operations per invocation.
#[derive(Clone, Copy)]
pub struct Budget {
    pub name: &'static str,
    pub config: &'static str,
}

/// The free plan: 50 subrequests per invocation.
pub const FREE: Budget = Budget {
    name: "free 50/50",
    config: r#"{"operationBudget": 50, "kvOperationBudget": 50}"#,
};
/// The paid plan: the engine's defaults, 10,000 subrequests (the default since 2026-02)
/// and KV's 1,000 operations.
pub const PAID: Budget = Budget {
    name: "paid 10000/1000",
    config: "{}",
};
/// The paid plan, with 8 chunks summarised per text-generation call.
pub const PAID_BATCHED: Budget = Budget {
    name: "paid, summaryBatchSize 8",
    config: r#"{"summaryBatchSize": 8}"#,
};
/// The paid plan, the code alone embedded.
pub const PAID_NO_SUMMARIES: Budget = Budget {
    name: "paid, summaries off",
    config: r#"{"summaries": false}"#,
};
/// Budgets raised so one invocation does everything (W2's single-invocation figure).
pub const RAISED: Budget = Budget {
    name: "raised 10000/10000",
    config: r#"{"operationBudget": 10000, "kvOperationBudget": 10000}"#,
};

type Run = Box<dyn Fn(&mut Client<'_>)>;
type MakeHost = fn(&str) -> Box<dyn Measured>;

/// One workload.
pub struct Workload {
    pub name: &'static str,
    pub about: String,
    pub budgets: Vec<Budget>,
    setup: World,
    run: Run,
}

/// One measured run.
pub struct Record {
    pub workload: &'static str,
    pub budget: &'static str,
    pub host: &'static str,
    pub calls: BTreeMap<&'static str, u64>,
    pub ai: AiUsage,
    pub invocations: u64,
    pub chunks: u64,
    /// The engine's time (fakes excluded), the best of the repetitions.
    pub engine_time: Duration,
}

impl Record {
    pub fn to_json(&self) -> Value {
        json!({
            "workload": self.workload, "budget": self.budget, "host": self.host,
            "calls": self.calls, "invocations": self.invocations, "chunks": self.chunks,
            "ai": {"generationBytes": self.ai.generation_bytes, "summaries": self.ai.summaries,
                   "embeddingBytes": self.ai.embedding_bytes,
                   "generationCalls": self.ai.generation_calls,
                   "embeddingCalls": self.ai.embedding_calls},
            "engineMicros": self.engine_time.as_secs_f64() * 1e6,
        })
    }
}

/// A world prepared by the engine with raised budgets; its calls are not counted.
fn prepared(prepare: impl Fn(&mut Client<'_>)) -> World {
    let mut world = World::new();
    let mut host = Native::new(RAISED.config);
    prepare(&mut Client::new(&mut host, &mut world));
    world
}

/// The five workloads; W4 only when two source trees are given.
pub fn all(trees: Option<(Vec<Chunk>, Vec<Chunk>)>) -> Vec<Workload> {
    let w1 = data::synthetic(10_000, "w1");
    let w2 = data::synthetic(1_000, "w2");
    let w5 = data::synthetic(1_000, "w5");
    let mut list = vec![
        Workload {
            name: "W1",
            about: "a complete sync of 10,000 unchanged chunks (the full listing, as the seed's client sends every hash)".into(),
            budgets: vec![FREE, PAID],
            setup: prepared({
                let w1 = w1.clone();
                move |c| {
                    c.index("alice", "p", &w1, false);
                    c.complete_sync("alice", "p", &w1);
                }
            }),
            run: Box::new(move |c| {
                let (answer, needed) = c.complete_sync("alice", "p", &w1);
                assert_eq!((needed, &answer["unchanged"]), (0, &json!(true)));
            }),
        },
        Workload {
            name: "W2",
            about: "init of 1,000 new unique chunks".into(),
            budgets: vec![FREE, PAID, RAISED, PAID_BATCHED, PAID_NO_SUMMARIES],
            setup: World::new(),
            run: Box::new({
                let w2 = w2.clone();
                move |c| c.index("alice", "p", &w2, false)
            }),
        },
        Workload {
            name: "W3",
            about: "a second user indexes the same 1,000 chunks".into(),
            budgets: vec![FREE, PAID],
            setup: prepared({
                let w2 = w2.clone();
                move |c| c.index("alice", "p", &w2, false)
            }),
            run: Box::new(move |c| c.index("bob", "q", &w2, false)),
        },
    ];
    if let Some((a, b)) = trees {
        list.push(Workload {
            name: "W4",
            about: format!(
                "two users index two versions of a source tree ({} and {} chunks)",
                a.len(),
                b.len()
            ),
            budgets: vec![FREE, PAID],
            setup: World::new(),
            run: Box::new(move |c| {
                c.index("alice", "tree", &a, false);
                c.index("bob", "tree", &b, false);
            }),
        });
    }
    list.push(Workload {
        name: "W5",
        about: "50 complete syncs of a 1,000-chunk project, 2% changed each time, 10 min apart"
            .into(),
        budgets: vec![FREE, PAID],
        setup: prepared({
            let w5 = w5.clone();
            move |c| {
                c.index("alice", "p", &w5, false);
                c.complete_sync("alice", "p", &w5);
            }
        }),
        run: Box::new(move |c| {
            for sync in 1..=50 {
                c.world.advance(600);
                let (_, needed) =
                    c.complete_sync("alice", "p", &data::mixed_day_version(&w5, sync));
                assert_eq!(needed, w5.len() / 50);
            }
        }),
    });
    list
}

impl Workload {
    /// Runs on each host under each budget, `reps` times each (the best time is kept: a
    /// first run pays for V8's and Cranelift's warm-up alike under every budget).
    pub fn measure(&self, reps: usize) -> Vec<Record> {
        let mut records = Vec::new();
        for budget in &self.budgets {
            let hosts: [(&'static str, MakeHost); 2] = [
                ("native", |c| Box::new(Native::new(c))),
                ("component", |c| Box::new(Component::new(c))),
            ];
            for (host_name, make) in hosts {
                let mut best: Option<Record> = None;
                for _ in 0..reps.max(1) {
                    let record = self.once(budget, host_name, make(budget.config));
                    if let Some(b) = &best {
                        assert_eq!(b.calls, record.calls, "{} is not deterministic", self.name);
                    }
                    if best
                        .as_ref()
                        .is_none_or(|b| record.engine_time < b.engine_time)
                    {
                        best = Some(record);
                    }
                }
                records.extend(best);
            }
        }
        records
    }

    fn once(
        &self,
        budget: &Budget,
        host_name: &'static str,
        mut host: Box<dyn Measured>,
    ) -> Record {
        let mut world = self.setup.clone();
        let before = world.calls().clone();
        let mut client = Client::new(host.as_mut(), &mut world);
        (self.run)(&mut client);
        let (invocations, chunks, engine_time) =
            (client.invocations, client.chunks, client.engine_time);
        let calls = world
            .calls()
            .iter()
            .map(|(name, n)| (*name, n - before.get(name).copied().unwrap_or(0)))
            .collect();
        let (now, then) = (world.ai_usage, self.setup.ai_usage);
        let ai = AiUsage {
            generation_bytes: now.generation_bytes - then.generation_bytes,
            summaries: now.summaries - then.summaries,
            embedding_bytes: now.embedding_bytes - then.embedding_bytes,
            generation_calls: now.generation_calls - then.generation_calls,
            embedding_calls: now.embedding_calls - then.embedding_calls,
        };
        Record {
            workload: self.name,
            budget: budget.name,
            host: host_name,
            calls,
            ai,
            invocations,
            chunks,
            engine_time,
        }
    }
}
