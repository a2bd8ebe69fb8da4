//! Replay time and how it moves: play, pause, speed, stepping, following a live file.

use taskscope_core::units::format_ns;

/// How fast the replay runs. Runs last from microseconds to hours, so the default
/// plays the whole run in a fixed time rather than in real time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Speed {
    /// The whole run plays in this many seconds.
    WholeRunIn(f64),
    /// A multiple of real time.
    RealTime(f64),
}

impl Speed {
    /// The speeds the controls offer.
    pub const CHOICES: [Speed; 8] = [
        Speed::WholeRunIn(5.0),
        Speed::WholeRunIn(10.0),
        Speed::WholeRunIn(30.0),
        Speed::WholeRunIn(60.0),
        Speed::RealTime(0.01),
        Speed::RealTime(0.1),
        Speed::RealTime(1.0),
        Speed::RealTime(10.0),
    ];

    /// The speed in words, for the controls: "whole run in 10 s", "real time".
    pub fn label(self) -> String {
        match self {
            Speed::WholeRunIn(s) => format!("whole run in {s} s"),
            Speed::RealTime(1.0) => "real time".to_string(),
            Speed::RealTime(m) => format!("{m}× real time"),
        }
    }

    /// Replay ns per second of wall time, for a run of `end` ns.
    pub fn ns_per_second(self, end: u64) -> f64 {
        match self {
            Speed::WholeRunIn(s) => end as f64 / s,
            Speed::RealTime(m) => 1e9 * m,
        }
    }
}

/// The replay cursor.
#[derive(Clone, Debug)]
pub struct Playback {
    /// ns since the start of the run.
    pub t: u64,
    /// Whether the cursor moves on by itself.
    pub playing: bool,
    /// How fast it moves when playing.
    pub speed: Speed,
    /// Start over at the end instead of stopping.
    pub looping: bool,
    /// Keep the cursor at the end of a trace that is still being written.
    pub follow_live: bool,
    /// Fractional ns carried between frames, so slow speeds still move.
    carry: f64,
}

impl Default for Playback {
    fn default() -> Self {
        Playback {
            t: 0,
            playing: false,
            speed: Speed::WholeRunIn(10.0),
            looping: false,
            follow_live: true,
            carry: 0.0,
        }
    }
}

impl Playback {
    /// Moves the cursor by `dt` seconds of wall time; returns whether it moved.
    pub fn advance(&mut self, dt: f64, end: u64) -> bool {
        if !self.playing {
            return false;
        }
        if self.t >= end {
            if self.looping {
                self.t = 0;
            } else {
                self.playing = false;
                return false;
            }
        }
        let step = self.speed.ns_per_second(end) * dt.clamp(0.0, 0.1) + self.carry;
        self.carry = step.fract();
        self.t = self.t.saturating_add(step as u64).min(end);
        if self.t >= end && !self.looping {
            self.playing = false;
        }
        true
    }

    /// Plays or pauses; playing at the end of a run of `end` ns starts over.
    pub fn toggle(&mut self, end: u64) {
        if !self.playing && self.t >= end {
            self.t = 0;
        }
        self.playing = !self.playing;
        self.follow_live = false;
    }

    /// Jumps to `t` (and stops following a live file).
    pub fn seek(&mut self, t: u64) {
        self.t = t;
        self.carry = 0.0;
        self.follow_live = false;
    }

    /// Steps by `fraction` of the run, forwards or backwards.
    pub fn step(&mut self, fraction: f64, end: u64) {
        let d = (end as f64 * fraction.abs()).max(1.0) as u64;
        let t = if fraction < 0.0 {
            self.t.saturating_sub(d)
        } else {
            self.t.saturating_add(d).min(end)
        };
        self.seek(t);
    }

    /// "1.20 ms / 2.83 ms".
    pub fn position(&self, end: u64) -> String {
        format!("{} / {}", format_ns(self.t), format_ns(end))
    }
}

/// A time given on the command line: `40%` of the run, `1.5ms`, `250us`, `2s`, `1200` (ns).
///
/// ```
/// use taskscope_viewer::TimeSpec;
/// assert_eq!("50%".parse::<TimeSpec>().unwrap().resolve(2000), 1000);
/// assert_eq!("1.5us".parse::<TimeSpec>().unwrap().resolve(10_000), 1500);
/// assert_eq!("end".parse::<TimeSpec>().unwrap().resolve(7), 7);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum TimeSpec {
    /// A share of the run, from 0 (its start) to 1 (its end).
    Fraction(f64),
    /// A time since the start of the run, ns.
    Ns(u64),
}

impl TimeSpec {
    /// The time within a run of `end` ns.
    pub fn resolve(self, end: u64) -> u64 {
        match self {
            TimeSpec::Fraction(f) => (end as f64 * f).round() as u64,
            TimeSpec::Ns(ns) => ns.min(end),
        }
    }
}

impl std::str::FromStr for TimeSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let bad = || {
            format!(
                "{s:?} is not a time: use a share of the run (40%), start, end, or a time with a unit (250us, 1.5ms, 2s)"
            )
        };
        match s {
            "start" => return Ok(TimeSpec::Fraction(0.0)),
            "end" => return Ok(TimeSpec::Fraction(1.0)),
            _ => {}
        }
        if let Some(p) = s.strip_suffix('%') {
            let f: f64 = p.trim().parse().map_err(|_| bad())?;
            if !(0.0..=100.0).contains(&f) {
                return Err(format!("{s:?}: a share of the run is between 0% and 100%"));
            }
            return Ok(TimeSpec::Fraction(f / 100.0));
        }
        let split = s
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(s.len());
        let (number, unit) = s.split_at(split);
        let v: f64 = number.parse().map_err(|_| bad())?;
        let scale = match unit.trim() {
            "" | "ns" => 1.0,
            "us" | "µs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            _ => return Err(bad()),
        };
        if !v.is_finite() || v < 0.0 {
            return Err(bad());
        }
        Ok(TimeSpec::Ns((v * scale).round() as u64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn playing_reaches_the_end_and_stops() {
        let mut p = Playback {
            playing: true,
            speed: Speed::WholeRunIn(1.0),
            ..Playback::default()
        };
        let end = 1_000_000;
        for _ in 0..9 {
            assert!(p.advance(0.1, end));
        }
        assert!(p.t > 850_000 && p.t < end, "{}", p.t);
        p.advance(0.1, end);
        p.advance(0.1, end);
        assert_eq!(p.t, end);
        assert!(!p.playing);
        p.toggle(end);
        assert_eq!(p.t, 0, "play at the end starts over");
        assert!(p.playing);
    }

    #[test]
    fn slow_speeds_still_move() {
        let mut p = Playback {
            playing: true,
            speed: Speed::RealTime(0.01),
            ..Playback::default()
        };
        // 0.4 ns a frame: the fractions add up instead of being dropped.
        for _ in 0..100 {
            p.advance(4e-8, 1_000_000);
        }
        assert!((39..=40).contains(&p.t), "{}", p.t);
    }

    #[test]
    fn steps_stay_in_the_run() {
        let mut p = Playback::default();
        p.step(-0.1, 1000);
        assert_eq!(p.t, 0);
        p.step(0.25, 1000);
        assert_eq!(p.t, 250);
        p.step(1.0, 1000);
        assert_eq!(p.t, 1000);
    }

    #[test]
    fn times_parse_with_units() {
        let at = |s: &str| s.parse::<TimeSpec>().map(|t| t.resolve(10_000_000_000));
        assert_eq!(at("0%"), Ok(0));
        assert_eq!(at("25%"), Ok(2_500_000_000));
        assert_eq!(at("3ms"), Ok(3_000_000));
        assert_eq!(at("2 s"), Ok(2_000_000_000));
        assert_eq!(at("99s"), Ok(10_000_000_000), "clamped to the run");
        assert!(at("150%").unwrap_err().contains("between 0% and 100%"));
        assert!(at("3 parsecs").unwrap_err().contains("not a time"));
        assert!(at("-1ms").is_err());
    }
}
