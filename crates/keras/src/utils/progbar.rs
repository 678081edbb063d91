//! `keras.utils.Progbar`: the progress bar `fit` prints, character for character as Keras:
//! `1688/1688 ━━━━━━━━━━━━━━━━━━━━ 5s 3ms/step - accuracy: 0.9512 - loss: 0.1604`.

use std::collections::HashSet;
use std::io::{IsTerminal, Write};
use std::time::{SystemTime, UNIX_EPOCH};

use keras_ops::{Error, Result};

/// Seconds since the epoch, as Python's `time.time()`.
fn wall_clock() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// A metric's display state: a running (sum, count) average, or a value shown as is.
enum Shown {
    Average(f64, f64),
    AsIs(f64),
}

/// Which metrics the bar averages over its updates.
enum Averaged {
    /// All but these (Keras's `stateful_metrics`).
    AllBut(HashSet<String>),
    /// Only these (Keras's `stateless_metrics`).
    Only(HashSet<String>),
}

/// A progress bar with Keras's layout, averaging, ETA and redraw rules.
///
/// ```
/// use keras::utils::progbar::Progbar;
/// let mut out = Vec::new();
/// {
///     let mut t = 0.0;
///     let mut bar = Progbar::new(Some(2))
///         .verbose(2)
///         .with_clock(move || { t += 0.5; t })
///         .with_output(&mut out);
///     bar.update(1, &[("loss", 0.5)], None).unwrap();
///     bar.update(2, &[("loss", 0.25)], None).unwrap();
/// }
/// assert_eq!(String::from_utf8(out).unwrap(), "2/2 - 1s - 500ms/step - loss: 0.2500\n");
/// ```
pub struct Progbar<'a> {
    target: Option<usize>,
    width: usize,
    verbose: u8,
    interval: f64,
    unit_name: String,
    averaged: Averaged,
    dynamic: bool,
    values: Vec<(String, Shown)>,
    seen: usize,
    start: f64,
    last_update: f64,
    after_first_step: Option<f64>,
    prev_total_width: usize,
    clock: Box<dyn FnMut() -> f64 + Send + 'a>,
    out: Box<dyn Write + Send + 'a>,
}

impl<'a> Progbar<'a> {
    /// A bar for `target` steps (`None` when unknown), verbose 1, width 20, on stdout.
    pub fn new(target: Option<usize>) -> Progbar<'a> {
        let mut bar = Progbar {
            target,
            width: 20,
            verbose: 1,
            interval: 0.05,
            unit_name: "step".into(),
            averaged: Averaged::AllBut(HashSet::new()),
            dynamic: std::io::stdout().is_terminal(),
            values: Vec::new(),
            seen: 0,
            start: 0.0,
            last_update: 0.0,
            after_first_step: None,
            prev_total_width: 0,
            clock: Box::new(wall_clock),
            out: Box::new(std::io::stdout()),
        };
        bar.start = (bar.clock)();
        bar
    }
    /// 0 silent, 1 a redrawn bar, 2 one line when done.
    pub fn verbose(mut self, verbose: u8) -> Self {
        self.verbose = verbose;
        self
    }
    /// Bar width in characters.
    pub fn width(mut self, width: usize) -> Self {
        self.width = width;
        self
    }
    /// Minimum seconds between redraws.
    pub fn interval(mut self, seconds: f64) -> Self {
        self.interval = seconds;
        self
    }
    /// The unit after the time per unit (`"step"`).
    pub fn unit_name(mut self, name: &str) -> Self {
        self.unit_name = name.into();
        self
    }
    /// Whether to redraw the bar in place (backspaces, carriage return and colours, as
    /// Keras on a terminal). Without it (the default when stdout is not a terminal, such
    /// as a log file), verbose 1 writes only the final line of each bar, in plain text.
    pub fn dynamic_display(mut self, dynamic: bool) -> Self {
        self.dynamic = dynamic;
        self
    }
    /// Metrics shown as given instead of averaged over the updates (the others are
    /// averaged).
    pub fn stateful_metrics(mut self, names: &[&str]) -> Self {
        self.averaged = Averaged::AllBut(names.iter().map(|s| s.to_string()).collect());
        self
    }
    /// The only metrics averaged over the updates (the others are shown as given; Keras's
    /// `ProgbarLogger` passes none, since its logs are already running means).
    pub fn stateless_metrics(mut self, names: &[&str]) -> Self {
        self.averaged = Averaged::Only(names.iter().map(|s| s.to_string()).collect());
        self
    }
    /// Uses `clock` (seconds) instead of the wall clock; the start time is read again.
    pub fn with_clock(mut self, clock: impl FnMut() -> f64 + Send + 'a) -> Self {
        self.clock = Box::new(clock);
        self.start = (self.clock)();
        self
    }
    /// Writes to `out` instead of stdout, with Keras's exact redraw bytes.
    pub fn with_output(mut self, out: impl Write + Send + 'a) -> Self {
        self.out = Box::new(out);
        self.dynamic = true;
        self
    }

    /// Sets the number of steps once it is known (after an epoch of unknown length).
    pub fn set_target(&mut self, target: Option<usize>) {
        self.target = target;
    }

    /// Records step `current` with this step's `values`, and redraws (Keras's `update`).
    /// `finalize` defaults to `current >= target`.
    pub fn update(
        &mut self,
        current: usize,
        values: &[(&str, f64)],
        finalize: Option<bool>,
    ) -> Result<()> {
        let finalize = finalize.unwrap_or_else(|| self.target.is_some_and(|t| current >= t));
        for &(k, v) in values {
            let base = current.saturating_sub(self.seen).max(1) as f64;
            let stateless = match &self.averaged {
                Averaged::AllBut(stateful) => !stateful.contains(k),
                Averaged::Only(stateless) => stateless.contains(k),
            };
            let entry = match self.values.iter_mut().find(|(n, _)| n == k) {
                Some((_, e)) => e,
                None => {
                    self.values.push((k.to_string(), Shown::Average(0.0, 0.0)));
                    &mut self.values.last_mut().expect("just pushed").1
                }
            };
            *entry = match (stateless, finalize, &*entry) {
                (false, _, _) => Shown::AsIs(v),
                (true, true, _) => Shown::Average(v, 1.0),
                (true, false, Shown::Average(s, c)) => Shown::Average(s + v * base, c + base),
                (true, false, Shown::AsIs(_)) => Shown::Average(v * base, base),
            };
        }
        self.seen = current;
        let now = (self.clock)();
        let per_unit = self.step_duration(current, now);
        let message = match self.verbose {
            1 if now - self.last_update < self.interval && !finalize => return Ok(()),
            1 if !self.dynamic && !finalize => String::new(),
            1 if !self.dynamic => strip_ansi(&self.bar_message(current, now, per_unit, finalize)),
            1 => self.bar_message(current, now, per_unit, finalize),
            2 if finalize && self.target.is_some_and(|t| t > 0) => {
                self.line_message(current, now, per_unit)
            }
            _ => String::new(),
        };
        if !message.is_empty() {
            self.out
                .write_all(message.as_bytes())
                .and_then(|()| self.out.flush())
                .map_err(|e| Error::op("Progbar", format!("cannot write: {e}")))?;
        }
        self.last_update = now;
        Ok(())
    }

    /// Advances by `n` steps (Keras's `add`).
    pub fn add(&mut self, n: usize, values: &[(&str, f64)]) -> Result<()> {
        self.update(self.seen + n, values, None)
    }

    /// Seconds per step, ignoring the (unrepresentative) first step once there are more.
    fn step_duration(&mut self, current: usize, now: f64) -> f64 {
        if current == 0 {
            return 0.0;
        }
        let per = match self.after_first_step {
            Some(t) if current > 1 => (now - t) / (current - 1) as f64,
            _ => (now - self.start) / current as f64,
        };
        if current == 1 {
            self.after_first_step = Some(now);
        }
        per
    }

    fn metrics_text(&self, abs_threshold: bool) -> String {
        let mut s = String::new();
        for (k, v) in &self.values {
            let avg = match v {
                Shown::Average(sum, count) => sum / count.max(1.0),
                Shown::AsIs(x) => *x,
            };
            let big = if abs_threshold {
                avg.abs() > 1e-3
            } else {
                avg > 1e-3
            };
            let text = if big {
                format!("{avg:.4}")
            } else {
                python_exp(avg)
            };
            s.push_str(&format!(" - {k}: {text}"));
        }
        s
    }

    fn bar_message(&mut self, current: usize, now: f64, per_unit: f64, finalize: bool) -> String {
        let mut message = "\u{8}".repeat(self.prev_total_width);
        message.push('\r');
        // Escape sequences do not count towards the width used for redraws.
        let mut special = 0;
        let bar = match self.target {
            Some(t) if t > 0 => {
                let digits = t.ilog10() as usize + 1;
                let mut bar = format!("\x1b[1m{current:>digits$}/{t}\x1b[0m ");
                special += 8;
                let done = ((self.width as f64) * current as f64 / t as f64) as usize;
                let done = done.min(self.width);
                if done > 0 {
                    bar.push_str(&format!("\x1b[32m{}\x1b[0m", "━".repeat(done)));
                    special += 9;
                }
                bar.push_str(&format!("\x1b[37m{}\x1b[0m", "━".repeat(self.width - done)));
                special += 9;
                bar
            }
            _ => format!("{current:>7}/Unknown"),
        };
        let mut info = match self.target {
            Some(t) if t > 0 && !finalize => {
                let eta = per_unit * t.saturating_sub(current) as f64;
                format!(" \x1b[1m{}\x1b[0m", eta_text(eta))
            }
            _ => format!(" \x1b[1m{:.0}s\x1b[0m", now - self.start),
        };
        special += 8;
        info.push_str(&time_text(per_unit, &self.unit_name));
        info.push_str(&self.metrics_text(true));
        let total = (bar.chars().count() + info.chars().count()).saturating_sub(special);
        message.push_str(&bar);
        message.push_str(&info);
        if self.prev_total_width > total {
            message.push_str(&" ".repeat(self.prev_total_width - total));
        }
        if finalize {
            message.push('\n');
        }
        self.prev_total_width = total;
        message
    }

    fn line_message(&self, current: usize, now: f64, per_unit: f64) -> String {
        let t = self.target.unwrap_or(current);
        let digits = t.max(1).ilog10() as usize + 1;
        format!(
            "{current:>digits$}/{t} - {:.0}s -{}{}\n",
            now - self.start,
            time_text(per_unit, &self.unit_name),
            self.metrics_text(false)
        )
    }
}

/// `message` without its redraw prefix (backspaces, carriage return) and colour codes.
fn strip_ansi(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut chars = message.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{8}' | '\r' => {}
            '\x1b' => {
                for c in chars.by_ref() {
                    if c == 'm' {
                        break;
                    }
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// ` 3ms/step`, ` 2s/step` or ` 150us/step`.
fn time_text(per_unit: f64, unit: &str) -> String {
    if per_unit >= 1.0 || per_unit == 0.0 {
        format!(" {per_unit:.0}s/{unit}")
    } else if per_unit >= 1e-3 {
        format!(" {:.0}ms/{unit}", per_unit * 1e3)
    } else {
        format!(" {:.0}us/{unit}", per_unit * 1e6)
    }
}

/// `5s`, `2:05` or `1:02:05` (seconds truncated, as Keras's `%d`).
fn eta_text(eta: f64) -> String {
    let s = eta.max(0.0) as u64;
    if eta > 3600.0 {
        format!("{}:{:02}:{:02}", s / 3600, (s % 3600) / 60, s % 60)
    } else if eta > 60.0 {
        format!("{}:{:02}", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

/// Python's `f"{x:.4e}"`: `1.0000e-04`.
fn python_exp(x: f64) -> String {
    let s = format!("{x:.4e}");
    match s.split_once('e') {
        Some((m, e)) => {
            let (sign, digits) = match e.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', e),
            };
            format!("{m}e{sign}{digits:0>2}")
        }
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The output of Keras 3.15.1's `Progbar` for the same updates, with `time.time`
    /// replaced by a fake clock (100.0 at construction, then +0.5, +0.7, +0.9, +1.4), and of
    /// a verbose-2 bar of 1200 steps (200.0, then +1, +61, +121).
    #[test]
    fn matches_keras_output() {
        let times = [100.0, 100.5, 100.7, 100.9, 101.4];
        let mut i = 0;
        let mut out = Vec::new();
        {
            let mut bar = Progbar::new(Some(5)).with_clock(move || {
                i += 1;
                times[i - 1]
            });
            bar = bar.with_output(&mut out);
            let steps: [(usize, [(&str, f64); 2]); 4] = [
                (1, [("accuracy", 0.5), ("loss", 1.25)]),
                (2, [("accuracy", 0.75), ("loss", 0.75)]),
                (3, [("accuracy", 0.8), ("loss", 0.0001)]),
                (5, [("accuracy", 0.9), ("loss", 0.5)]),
            ];
            for (cur, vals) in steps {
                bar.update(cur, &vals, None).unwrap();
            }
        }
        let bs = "\u{8}".repeat(72);
        let want = format!(
            "\r\x1b[1m1/5\x1b[0m \x1b[32m━━━━\x1b[0m\x1b[37m━━━━━━━━━━━━━━━━\x1b[0m \x1b[1m2s\x1b[0m 500ms/step - accuracy: 0.5000 - loss: 1.2500\
             {bs}\r\x1b[1m2/5\x1b[0m \x1b[32m━━━━━━━━\x1b[0m\x1b[37m━━━━━━━━━━━━\x1b[0m \x1b[1m0s\x1b[0m 200ms/step - accuracy: 0.6250 - loss: 1.0000\
             {bs}\r\x1b[1m3/5\x1b[0m \x1b[32m━━━━━━━━━━━━\x1b[0m\x1b[37m━━━━━━━━\x1b[0m \x1b[1m0s\x1b[0m 200ms/step - accuracy: 0.6833 - loss: 0.6667\
             {bs}\r\x1b[1m5/5\x1b[0m \x1b[32m━━━━━━━━━━━━━━━━━━━━\x1b[0m\x1b[37m\x1b[0m \x1b[1m1s\x1b[0m 225ms/step - accuracy: 0.9000 - loss: 0.5000\n"
        );
        assert_eq!(String::from_utf8(out).unwrap(), want);

        let times = [200.0, 201.0, 261.0, 321.0];
        let mut i = 0;
        let mut out = Vec::new();
        {
            let mut bar = Progbar::new(Some(1200))
                .verbose(2)
                .with_clock(move || {
                    i += 1;
                    times[i - 1]
                })
                .with_output(&mut out);
            for cur in [1, 600, 1200] {
                bar.update(cur, &[("loss", 0.25)], None).unwrap();
            }
        }
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "1200/1200 - 121s - 100ms/step - loss: 0.2500\n"
        );
    }

    #[test]
    fn number_formats() {
        assert_eq!(python_exp(0.0001), "1.0000e-04");
        assert_eq!(python_exp(-2.5e-7), "-2.5000e-07");
        assert_eq!(eta_text(125.0), "2:05");
        assert_eq!(eta_text(3725.0), "1:02:05");
        assert_eq!(time_text(0.0000015, "step"), " 2us/step");
    }

    /// Without dynamic display (stdout not a terminal), only each bar's final line is
    /// written, as plain text; `stateless_metrics(&[])` shows values as given.
    #[test]
    fn plain_final_line_when_not_a_terminal() {
        let mut t = 0.0;
        let mut out = Vec::new();
        {
            let mut bar = Progbar::new(Some(3))
                .with_clock(move || {
                    t += 1.0;
                    t
                })
                .with_output(&mut out)
                .dynamic_display(false)
                .stateless_metrics(&[]);
            for (cur, loss) in [(1, 0.5), (2, 0.25), (3, 0.125)] {
                bar.update(cur, &[("loss", loss)], None).unwrap();
            }
        }
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "3/3 ━━━━━━━━━━━━━━━━━━━━ 3s 1s/step - loss: 0.1250\n"
        );
    }
}
