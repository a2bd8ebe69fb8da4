//! The events of a Chrome trace as they are parsed: checked one by one, with times in
//! ns, and errors that name the event and the field.

use std::borrow::Cow;
use std::collections::HashMap;

use serde_json::Value as Json;
use serde_json::error::Category;

use super::EXTRA_KEY;
use super::Extra;
use super::de::{Element, Scalar};
use taskscope_core::trace::{ReadError, ReadErrorKind};

/// Makes the text parseable where the Chrome format is laxer than JSON: blanks
/// trailing commas (keeping every line and column), and closes an array form whose `]`
/// is missing. An array cut inside its last event loses that event and is reported
/// as cut (the second value).
pub(super) fn prepare(bytes: &[u8], array: bool) -> (Cow<'_, [u8]>, bool) {
    let (mut in_string, mut escaped) = (false, false);
    let mut depth = 0usize;
    let mut closed = false;
    let mut last: Option<usize> = None; // last byte outside whitespace
    let mut item_end: Option<usize> = None; // last comma between top-level items
    let mut blank = Vec::new();
    for (i, &b) in bytes.iter().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
                last = Some(i);
            }
            continue;
        }
        match b {
            b' ' | b'\t' | b'\n' | b'\r' => continue,
            b'"' => in_string = true,
            b'[' | b'{' => depth += 1,
            b']' | b'}' => {
                if let Some(p) = last.filter(|&p| bytes[p] == b',') {
                    blank.push(p);
                }
                depth = depth.saturating_sub(1);
                closed |= depth == 0;
            }
            b',' if depth == 1 => item_end = Some(i),
            _ => {}
        }
        last = Some(i);
    }
    let mut cut = false;
    let mut keep = bytes.len();
    let unclosed = array && !closed;
    if unclosed {
        if depth == 1 && !in_string {
            blank.extend(last.filter(|&p| bytes[p] == b','));
        } else {
            // Cut inside an event: keep the events before it.
            cut = true;
            let open = bytes.iter().position(|&b| b == b'[').unwrap_or(0);
            keep = item_end.unwrap_or(open + 1);
        }
    }
    if blank.is_empty() && !unclosed {
        return (Cow::Borrowed(bytes), false);
    }
    let mut text = bytes[..keep].to_vec();
    for p in blank.into_iter().filter(|&p| p < keep) {
        text[p] = b' ';
    }
    if unclosed {
        text.extend_from_slice(b"\n]");
    }
    (Cow::Owned(text), cut)
}

/// A field of event `index`, as errors name it: `traceEvents[3].ts`, or `[3].ts` in
/// the array form.
pub(super) fn field(array: bool, index: usize, name: &str) -> String {
    let list = if array { "" } else { "traceEvents" };
    let dot = if name.is_empty() { "" } else { "." };
    format!("{list}[{index}]{dot}{name}")
}

/// A field name and what is wrong with it.
pub(super) type Failure = (String, String);

pub(super) struct Parser {
    pub(super) array: bool,
    pub(super) at: At,
    /// Why an event was refused: reported with the position serde gives.
    pub(super) failure: Option<Failure>,
    pub(super) raw: Raw,
    pub(super) extra: Option<Extra>,
}

/// Where in the file the parser is, for errors.
#[derive(Clone, Copy)]
pub(super) enum At {
    Top,
    Event(usize),
    Extra,
}

/// The events that matter, checked and with times in ns (not yet relative).
#[derive(Default)]
pub(super) struct Raw {
    pub(super) events: Vec<RawEvent>,
    pub(super) thread_names: HashMap<Lane, String>,
    pub(super) process_names: HashMap<LaneId, String>,
    pub(super) skipped: usize,
    pub(super) first: Option<i64>,
    pub(super) last: Option<i64>,
}

impl Raw {
    pub(super) fn saw(&mut self, t: i64) {
        self.first = Some(self.first.map_or(t, |f| f.min(t)));
        self.last = Some(self.last.map_or(t, |l| l.max(t)));
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    Complete,
    Begin,
    End,
    Counter,
}

pub(super) struct RawEvent {
    pub(super) index: usize,
    pub(super) phase: Phase,
    pub(super) ts: i64,
    pub(super) dur: i64,
    pub(super) lane: Lane,
    pub(super) name: Option<String>,
    pub(super) cat: Option<String>,
    pub(super) args: Option<Json>,
}

/// A pid or tid: a number, or a string as some tools write (Ray).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) enum LaneId {
    Num(i64),
    Str(String),
}

impl LaneId {
    pub(super) fn to_json(&self) -> Json {
        match self {
            LaneId::Num(n) => Json::from(*n),
            LaneId::Str(s) => Json::from(s.as_str()),
        }
    }
}

/// A (pid, tid) pair: one track, one worker.
pub(super) type Lane = (LaneId, LaneId);

impl Parser {
    pub(super) fn new(array: bool) -> Self {
        Parser {
            array,
            at: At::Top,
            failure: None,
            raw: Raw::default(),
            extra: None,
        }
    }

    pub(super) fn json_error(&mut self, e: serde_json::Error, source: &str) -> ReadError {
        let line = (e.line() > 0).then_some(e.line());
        let (kind, field_name, message) = match self.failure.take() {
            Some((field, message)) => (ReadErrorKind::Field, Some(field), message),
            None => {
                let text = e.to_string();
                let suffix = format!(" at line {} column {}", e.line(), e.column());
                let text = text.strip_suffix(&suffix).unwrap_or(&text);
                let at = match self.at {
                    _ if e.is_eof() => None,
                    At::Top => None,
                    At::Event(i) => Some(field(self.array, i, "")),
                    At::Extra => Some(EXTRA_KEY.to_string()),
                };
                let (kind, message) = match e.classify() {
                    Category::Eof => (
                        ReadErrorKind::Syntax,
                        format!("the file ends in the middle of the JSON ({text}): it is cut off"),
                    ),
                    Category::Syntax => (ReadErrorKind::Syntax, format!("not valid JSON: {text}")),
                    Category::Data => (ReadErrorKind::Field, text.to_string()),
                    Category::Io => (ReadErrorKind::Io, text.to_string()),
                };
                let column = format!("{message} (column {})", e.column());
                (kind, at, if line.is_some() { column } else { message })
            }
        };
        ReadError::new(kind, source, line, field_name.as_deref(), message)
    }

    /// Checks one event and keeps what matters of it.
    pub(super) fn accept(&mut self, index: usize, element: Element) -> Result<(), Failure> {
        let array = self.array;
        let f = |name: &str| field(array, index, name);
        let ev = match element {
            Element::Event(ev) => ev,
            Element::Other(what) => {
                return Err((
                    f(""),
                    format!("must be a JSON object (an event), not {what}"),
                ));
            }
        };
        let ph = match ev.ph {
            Some(Scalar::Str(s)) => s,
            None => {
                let why = "is missing; every trace event has a phase such as \"X\", \"B\" or \"E\"";
                return Err((f("ph"), why.to_string()));
            }
            Some(other) => {
                let why = format!("must be a string such as \"X\", not {other}");
                return Err((f("ph"), why));
            }
        };
        let lane = |pid, tid| -> Result<Lane, Failure> {
            let pid = lane_id(pid).map_err(|m| (f("pid"), m))?;
            let pid = pid.unwrap_or(LaneId::Num(0));
            let tid = lane_id(tid).map_err(|m| (f("tid"), m))?;
            Ok((pid.clone(), tid.unwrap_or(pid)))
        };
        if ph == "M" {
            let name = text(ev.name).map_err(|m| (f("name"), m))?;
            let value = ev.args.as_ref().and_then(|a| a.get("name"));
            let Some(value) = value.and_then(Json::as_str) else {
                return Ok(());
            };
            let lane = lane(ev.pid, ev.tid)?;
            match name.as_deref() {
                Some("thread_name") => _ = self.raw.thread_names.insert(lane, value.into()),
                Some("process_name") => _ = self.raw.process_names.insert(lane.0, value.into()),
                // Sort indexes, versions, ...: metadata, not events; not counted.
                _ => {}
            }
            return Ok(());
        }
        let ts = ev.ts.as_ref().map(nanos).transpose();
        let ts = ts.map_err(|m| (f("ts"), m))?;
        let phase = match ph.as_str() {
            "X" => Phase::Complete,
            "B" => Phase::Begin,
            "E" => Phase::End,
            "C" => Phase::Counter,
            _ => {
                if let Some(t) = ts {
                    self.raw.saw(t);
                }
                self.raw.skipped += 1;
                return Ok(());
            }
        };
        let Some(ts) = ts else {
            return Err((f("ts"), format!("is missing; a {ph:?} event needs a time")));
        };
        let lane = lane(ev.pid, ev.tid)?;
        let name = text(ev.name).map_err(|m| (f("name"), m))?;
        let mut dur = 0;
        if phase == Phase::Complete {
            let Some(d) = &ev.dur else {
                let why = "is missing; a complete (\"X\") event needs a duration";
                return Err((f("dur"), why.to_string()));
            };
            dur = nanos(d).map_err(|m| (f("dur"), m))?;
            if dur < 0 {
                return Err((f("dur"), format!("must not be negative, not {d}")));
            }
        }
        let end = ts
            .checked_add(dur)
            .ok_or_else(|| (f("dur"), TOO_BIG.to_string()))?;
        self.raw.saw(ts);
        self.raw.saw(end);
        let cat = text(ev.cat).map_err(|m| (f("cat"), m))?;
        self.raw.events.push(RawEvent {
            index,
            phase,
            ts,
            dur,
            lane,
            name,
            cat,
            args: ev.args,
        });
        Ok(())
    }
}

pub(super) const TOO_BIG: &str = "is too large: times must fit in 2^63 ns";

pub(super) fn lane_id(value: Option<Scalar>) -> Result<Option<LaneId>, String> {
    Ok(match value {
        None | Some(Scalar::Null) => None,
        Some(Scalar::U(u)) => {
            Some(i64::try_from(u).map_or(LaneId::Str(u.to_string()), LaneId::Num))
        }
        Some(Scalar::I(i)) => Some(LaneId::Num(i)),
        Some(Scalar::F(x)) if x.fract() == 0.0 && x.abs() < 1e15 => Some(LaneId::Num(x as i64)),
        Some(Scalar::F(x)) => Some(LaneId::Str(x.to_string())),
        Some(Scalar::Str(s)) => Some(LaneId::Str(s)),
        Some(other) => return Err(format!("must be a number or a string, not {other}")),
    })
}

pub(super) fn text(value: Option<Scalar>) -> Result<Option<String>, String> {
    Ok(match value {
        None | Some(Scalar::Null) => None,
        Some(Scalar::Str(s)) => Some(s),
        Some(Scalar::U(n)) => Some(n.to_string()),
        Some(Scalar::I(n)) => Some(n.to_string()),
        Some(Scalar::F(n)) => Some(n.to_string()),
        Some(other) => return Err(format!("must be a string, not {other}")),
    })
}

/// A time in µs (a number or a numeric string) in ns. Integers and decimal strings
/// convert exactly; floats are rounded to the nearest ns.
pub(super) fn nanos(value: &Scalar) -> Result<i64, String> {
    let float = |x: f64| {
        let ns = (x * 1000.0).round();
        (ns.is_finite() && ns.abs() < 9.2e18).then_some(ns as i64)
    };
    let ns = match value {
        Scalar::U(u) => i64::try_from(*u).ok().and_then(|v| v.checked_mul(1000)),
        Scalar::I(i) => i.checked_mul(1000),
        Scalar::F(x) => float(*x),
        Scalar::Str(s) => {
            let s = s.trim();
            match (decimal(s), s.parse::<f64>()) {
                (Some(ns), _) => Some(ns),
                (None, Ok(x)) if x.is_finite() => float(x),
                _ => return Err(format!("must be a number of microseconds, not {value}")),
            }
        }
        _ => return Err(format!("must be a number of microseconds, not {value}")),
    };
    ns.ok_or_else(|| TOO_BIG.to_string())
}

/// Parses `-12.3456` µs exactly into ns (rounding below the ns); None if it is not a
/// plain decimal.
pub(super) fn decimal(s: &str) -> Option<i64> {
    let (negative, s) = s.strip_prefix('-').map_or((false, s), |r| (true, r));
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !digits(int) || !digits(frac) {
        return None;
    }
    let mut sub = frac
        .bytes()
        .map(|b| i64::from(b - b'0'))
        .chain(std::iter::repeat(0));
    let ns_part = sub.by_ref().take(3).fold(0, |acc, d| acc * 10 + d);
    let round = i64::from(sub.next().unwrap_or(0) >= 5);
    let ns = int
        .parse::<i64>()
        .ok()?
        .checked_mul(1000)?
        .checked_add(ns_part + round)?;
    Some(if negative { -ns } else { ns })
}
