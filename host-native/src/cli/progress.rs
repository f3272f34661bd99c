//! `index`'s progress on standard error: phase 1 as a bar of its requests (`report::Bars`),
//! then phase 2 as chunks embedded of the chunks phase 1 asked for, with the rate in
//! chunks per second and the time left, drawn as a bar when standard error is a terminal
//! and otherwise said in a plain line every [`PLAIN_LINE_EVERY`].
//!
//! Phase 2's position is the chunks its earlier requests settled (indexed, or found in the
//! shared cache) plus those embedded so far in the request under way: the AI reports each
//! step of an embedding ([`Progress::hook`]), so the bar moves within a request. The rate
//! counts embedded chunks only, over the time since phase 2 began; the time left is the
//! chunks left at that rate.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use super::ai::Embedded;
use super::report::Bars;

/// How often a plain line is said when standard error is not a terminal.
pub const PLAIN_LINE_EVERY: Duration = Duration::from_secs(15);
/// The phase whose chunks are embedded (`sync::sync_project`'s name for it).
const EMBEDDING_PHASE: &str = "phase 2";

/// What `index` shows while it runs; cheap to clone, one state.
#[derive(Clone)]
pub struct Progress {
    state: Arc<Mutex<State>>,
}

struct State {
    terminal: bool,
    requests: Bars,
    bar: Option<ProgressBar>,
    /// Chunks phase 1 asked for.
    total: usize,
    /// Chunks earlier phase-2 requests settled.
    settled: usize,
    /// Chunks embedded in the request under way.
    in_request: usize,
    /// Chunks embedded in all.
    embedded: usize,
    started: Option<Instant>,
    last_line: Option<Instant>,
}

/// Chunks embedded, and the time phase 2 took.
#[derive(Clone, Copy, Debug)]
pub struct Rate {
    /// Chunks the AI embedded.
    pub chunks: usize,
    /// From phase 2's first request to its end.
    pub elapsed: Duration,
}

impl Rate {
    /// Chunks per second; 0 when nothing was timed.
    pub fn per_second(&self) -> f64 {
        let seconds = self.elapsed.as_secs_f64();
        if seconds > 0.0 {
            self.chunks as f64 / seconds
        } else {
            0.0
        }
    }
}

impl Progress {
    /// Drawn as bars when standard error is a terminal.
    pub fn new() -> Self {
        Self {
            state: Arc::new(Mutex::new(State {
                terminal: std::io::stderr().is_terminal(),
                requests: Bars::default(),
                bar: None,
                total: 0,
                settled: 0,
                in_request: 0,
                embedded: 0,
                started: None,
                last_line: None,
            })),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// What the AI tells of each step of an embedding.
    pub fn hook(&self) -> Embedded {
        let progress = self.clone();
        Arc::new(move |texts| {
            let mut state = progress.state();
            state.in_request += texts;
            state.embedded += texts;
            state.show();
        })
    }

    /// The sync's own progress: `done` of `total` in `phase`, before each request.
    pub fn phase(&self, phase: &str, done: usize, total: usize) {
        let mut state = self.state();
        if phase != EMBEDDING_PHASE {
            state.requests.show(phase, done, total);
            return;
        }
        if state.started.is_none() {
            state.requests.finish();
            state.started = Some(Instant::now());
            if state.terminal {
                let bar = ProgressBar::new(total as u64);
                if let Ok(style) =
                    ProgressStyle::with_template("embedding {bar:30} {pos}/{len} chunks  {msg}")
                {
                    bar.set_style(style);
                }
                state.bar = Some(bar);
            }
        }
        state.total = total;
        state.settled = done;
        state.in_request = 0;
        state.show();
    }

    /// Clears the bars; what phase 2 embedded, and how long it took.
    pub fn finish(&self) -> Rate {
        let mut state = self.state();
        state.requests.finish();
        if let Some(bar) = state.bar.take() {
            bar.finish_and_clear();
        }
        Rate {
            chunks: state.embedded,
            elapsed: state.started.map(|s| s.elapsed()).unwrap_or_default(),
        }
    }
}

impl State {
    fn show(&mut self) {
        let position = (self.settled + self.in_request).min(self.total);
        let elapsed = self.started.map(|s| s.elapsed()).unwrap_or_default();
        let rate = Rate {
            chunks: self.embedded,
            elapsed,
        }
        .per_second();
        let pace = pace(rate, self.total - position);
        if let Some(bar) = &self.bar {
            bar.set_length(self.total as u64);
            bar.set_position(position as u64);
            bar.set_message(pace);
        } else if !self.terminal && self.embedded > 0 {
            let now = Instant::now();
            if self
                .last_line
                .is_none_or(|last| now - last >= PLAIN_LINE_EVERY)
            {
                self.last_line = Some(now);
                eprintln!("embedding: {position}/{} chunks, {pace}", self.total);
            }
        }
    }
}

/// `21.3 chunks/s, 1m 05s left`, or without a rate yet, what is known.
fn pace(rate: f64, left: usize) -> String {
    if rate <= 0.0 {
        return "starting".into();
    }
    let seconds = (left as f64 / rate).ceil() as u64;
    format!("{rate:.1} chunks/s, {} left", clock(seconds))
}

/// `42s`, `3m 05s`, `1h 02m`.
pub fn clock(seconds: u64) -> String {
    match seconds {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m {:02}s", s / 60, s % 60),
        s => format!("{}h {:02}m", s / 3600, s % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_time_left_is_the_chunks_left_at_the_rate() {
        assert_eq!(pace(0.0, 10), "starting");
        assert_eq!(pace(20.0, 1300), "20.0 chunks/s, 1m 05s left");
        assert_eq!(clock(42), "42s");
        assert_eq!(clock(3720), "1h 02m");
    }

    #[test]
    fn embedding_steps_move_phase_two_within_a_request() {
        let progress = Progress::new();
        let hook = progress.hook();
        progress.phase("phase 1", 0, 1);
        progress.phase(EMBEDDING_PHASE, 0, 250);
        hook(32);
        hook(32);
        {
            let state = progress.state();
            assert_eq!(state.settled + state.in_request, 64);
        }
        progress.phase(EMBEDDING_PHASE, 100, 250);
        hook(16);
        let state = progress.state();
        assert_eq!(
            (state.settled, state.in_request, state.embedded),
            (100, 16, 80)
        );
        drop(state);
        assert_eq!(progress.finish().chunks, 80);
    }
}
