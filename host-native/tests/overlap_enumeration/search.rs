//! The depth-first search over orders of calls: each order replayed from the same world,
//! its choices kept on a path, the next order taken at the last point that has a request
//! still to play; with sleep sets (`commute.rs`), a request whose next call commutes with
//! every call made since it was played from an earlier point is not played again.

use std::collections::BTreeMap;

use index_sync_native::checker::Watched;
use index_sync_native::fakes::FaultMode;

use crate::cases::Case;
use crate::clients::{self, Clients, check_of};
use crate::commute::Footprint;

/// A fault at one position: the call of this name after `skip` such calls fails so.
pub type Fault = (&'static str, usize, FaultMode);

/// How a case is enumerated.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    /// A coordinator that orders nothing.
    pub permissive: bool,
    pub fault: Option<Fault>,
    /// Every interleaving; else one order of each set that differ only in the order of
    /// calls that commute.
    pub every: bool,
    /// Stop once each of these checks has seen a broken order.
    pub until: &'static [&'static str],
}

/// One call made: by which request, touching what.
#[derive(Clone, Debug)]
struct Made {
    request: usize,
    footprint: Footprint,
}

/// A point of an order: the requests that can make a call there, those asleep (their call
/// was played first from an earlier point, and nothing made since conflicts with it), those
/// played from here so far, and the one being played, with the call it made.
#[derive(Debug)]
struct Choice {
    ready: Vec<usize>,
    asleep: Vec<Made>,
    played: Vec<Made>,
    current: usize,
    made: Option<Made>,
}

impl Choice {
    /// The next request to play from here, if any.
    fn next(&self) -> Option<usize> {
        let taken = |i: &usize| {
            self.asleep
                .iter()
                .chain(&self.played)
                .any(|m| m.request == *i)
        };
        self.ready.iter().copied().find(|i| !taken(i))
    }
}

/// How one played order ended.
enum End {
    /// Every request over: the order counts.
    Whole,
    /// Every request that could go on is asleep: the rest is an order played already.
    Asleep,
}

/// What the enumeration of one case found.
#[derive(Debug, Default)]
pub struct Tally {
    /// Every order was played (not stopped by `Plan::until`).
    pub finished: bool,
    /// Orders played to their end.
    pub orders: usize,
    /// Orders cut short: the rest of them was played in another.
    pub cut: usize,
    pub broken: usize,
    /// Broken orders by each check that saw them.
    pub by_check: BTreeMap<&'static str, usize>,
    /// What each check saw first.
    pub examples: BTreeMap<&'static str, String>,
    /// The first broken one: the requests in the order they made their calls, and what broke.
    pub first: Option<(Vec<usize>, Vec<String>)>,
    /// Every call name the requests made.
    pub calls: BTreeMap<&'static str, usize>,
}

/// The world after the case's first requests, once for all its orders.
fn prepared(case: &Case, permissive: bool) -> Clients {
    let mut clients = Clients::new(&case.config(), false);
    for ask in &case.setup {
        let response = clients.send(ask).expect("the setup is served");
        assert_eq!(
            response.status, 200,
            "{}: setup {}",
            case.name, response.body
        );
    }
    clients.world.advance(case.advance);
    clients.world.coordinator.permissive = permissive;
    clients
}

/// Plays one order: the choices on `path` as they are, then at each new point the first
/// request not asleep. With `every`, no two calls are taken to commute.
fn play(
    base: &Clients,
    case: &Case,
    plan: &Plan,
    path: &mut Vec<Choice>,
    tally: &mut Tally,
) -> (End, Vec<usize>, Vec<String>) {
    let mut clients = base.fork();
    if let Some((call, skip, mode)) = plan.fault {
        clients.world.fail_after(call, skip, mode);
    }
    let faulted = plan.fault.map(|(call, _, _)| call);
    let mut requests: Vec<Watched> = case.together.iter().map(|a| clients.start(a)).collect();
    let (mut broken, mut order) = (Vec::new(), Vec::new());
    let mut last: Option<Made> = None;
    for depth in 0.. {
        let ready: Vec<usize> = (0..requests.len())
            .filter(|&i| requests[i].next_call().is_some())
            .collect();
        if ready.is_empty() {
            break;
        }
        if depth == path.len() {
            // Asleep here: what was asleep or played at the point before, unless the call
            // just made conflicts with it.
            let asleep = match (path.last(), &last) {
                (Some(parent), Some(made)) if !plan.every => parent
                    .asleep
                    .iter()
                    .chain(&parent.played)
                    .filter(|u| !u.footprint.conflicts(&made.footprint))
                    .cloned()
                    .collect(),
                _ => Vec::new(),
            };
            let mut choice = Choice {
                ready,
                asleep,
                played: Vec::new(),
                current: 0,
                made: None,
            };
            let Some(first) = choice.next() else {
                return (End::Asleep, order, broken);
            };
            choice.current = first;
            path.push(choice);
        }
        let i = path[depth].current;
        let effect = requests[i]
            .next_effect()
            .expect("the engine shows its calls");
        *tally.calls.entry(effect.call_name()).or_default() += 1;
        let mut footprint = Footprint::of(effect, faulted);
        let answered = requests[i].response().is_some();
        broken.extend(clients.call(&mut requests[i]));
        if !answered && requests[i].response().is_some() {
            footprint = footprint.answered();
        }
        order.push(i);
        let made = Made {
            request: i,
            footprint,
        };
        path[depth].made = Some(made.clone());
        last = Some(made);
    }
    for request in &requests {
        broken.extend(clients::answered(request));
    }
    // Each check has its say, even after another saw something.
    for ask in &case.after {
        if let Err(found) = clients.send(ask) {
            broken.extend(found.into_iter().map(|b| format!("afterwards: {b}")));
        }
    }
    broken.extend(clients.converge(&case.project));
    (End::Whole, order, broken)
}

/// Every order of the calls of `case`'s requests, as `plan` says, depth first.
pub fn enumerate(case: &Case, plan: Plan) -> Tally {
    let base = prepared(case, plan.permissive);
    let mut tally = Tally::default();
    let mut path: Vec<Choice> = Vec::new();
    loop {
        let (end, order, broken) = play(&base, case, &plan, &mut path, &mut tally);
        match end {
            End::Whole => tally.orders += 1,
            End::Asleep => tally.cut += 1,
        }
        if !broken.is_empty() {
            tally.broken += 1;
            for b in &broken {
                tally
                    .examples
                    .entry(check_of(b))
                    .or_insert_with(|| b.clone());
            }
            let mut checks: Vec<&str> = broken.iter().map(|b| check_of(b)).collect();
            checks.sort_unstable();
            checks.dedup();
            for check in checks {
                *tally.by_check.entry(check).or_default() += 1;
            }
            tally.first.get_or_insert((order, broken));
            if plan.until.iter().all(|c| tally.by_check.contains_key(c)) && !plan.until.is_empty() {
                return tally;
            }
        }
        // Back to the last point with a request still to play from it.
        loop {
            let Some(choice) = path.last_mut() else {
                tally.finished = true;
                return tally;
            };
            if let Some(made) = choice.made.take() {
                choice.played.push(made);
            }
            if let Some(next) = choice.next() {
                choice.current = next;
                break;
            }
            path.pop();
        }
    }
}
