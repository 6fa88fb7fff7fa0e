//! Progress of `cargo flags test` on stderr: a bar on a terminal, a line per row otherwise (in CI), so that
//! a run of many builds never looks stuck.

use std::io::IsTerminal;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};

use super::RowRun;

/// Progress on stderr: a bar on a terminal, a line per row otherwise (in CI).
pub(super) struct Progress {
    bar: Option<ProgressBar>,
    start: Instant,
    total: usize,
}

impl Progress {
    pub(super) fn new(total: usize) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(total as u64);
            if let Ok(style) = ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:20} {pos}/{len} rows  {wide_msg}",
            ) {
                bar.set_style(style);
            }
            // No steady-tick thread: `main` holds the stderr lock for the whole run, so only this thread
            // may draw. `tick` is called while a row runs instead.
            bar
        });
        Progress {
            bar,
            start: Instant::now(),
            total,
        }
    }

    /// Redraws the bar (its spinner and elapsed time), on a terminal.
    pub(super) fn tick(&self) {
        if let Some(bar) = &self.bar {
            bar.tick();
        }
    }

    pub(super) fn line(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None => eprintln!("{text}"),
        }
    }

    pub(super) fn start(&self, index: usize, command: &str) {
        let left = self.total - index - 1;
        match &self.bar {
            Some(bar) => bar.set_message(format!("row {}: {command}", index + 1)),
            None => eprintln!(
                "cargo flags test: row {} of {} ({} after it), {:.1}s elapsed: {command}",
                index + 1,
                self.total,
                left,
                self.start.elapsed().as_secs_f64()
            ),
        }
    }

    pub(super) fn finish(&self, index: usize, run: &RowRun) {
        let text = format!(
            "cargo flags test: row {} {} in {:.1}s",
            index + 1,
            if run.passed { "passed" } else { "FAILED" },
            run.elapsed.as_secs_f64()
        );
        match &self.bar {
            Some(bar) => {
                bar.println(text);
                bar.inc(1);
            }
            None => eprintln!("{text}"),
        }
    }

    pub(super) fn done(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
