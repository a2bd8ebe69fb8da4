//! The serde side of reading: lenient event fields, and visitors that check each event
//! as soon as it is parsed, so that errors carry the parser's line and column.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value as Json;

use super::EXTRA_KEY;
use super::events::{At, Parser};
use crate::QUOTED_CHARS;
use taskscope_core::units::first_chars;

/// Any JSON value, kept when it is a scalar (pid, tid, ts, dur, name, cat, ph).
pub(super) enum Scalar {
    Str(String),
    U(u64),
    I(i64),
    F(f64),
    Bool(bool),
    Null,
    List,
    Object,
}

impl fmt::Display for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // Cut short, the `…` goes after the closing quote: the value does not end
            // in `…`, it goes on.
            Scalar::Str(s) if s.chars().nth(QUOTED_CHARS).is_some() => {
                write!(f, "{:?}…", first_chars(s, QUOTED_CHARS))
            }
            Scalar::Str(s) => write!(f, "{s:?}"),
            Scalar::U(n) => write!(f, "{n}"),
            Scalar::I(n) => write!(f, "{n}"),
            Scalar::F(n) => write!(f, "{n}"),
            Scalar::Bool(b) => write!(f, "{b}"),
            Scalar::Null => f.write_str("null"),
            Scalar::List => f.write_str("a list"),
            Scalar::Object => f.write_str("an object"),
        }
    }
}

/// Accepts any JSON value: scalars are kept, lists and objects skipped.
pub(super) struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Scalar, E> {
        Ok(Scalar::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Scalar, E> {
        Ok(Scalar::I(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Scalar, E> {
        Ok(Scalar::U(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Scalar, E> {
        Ok(Scalar::F(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Scalar, E> {
        Ok(Scalar::Str(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Scalar, E> {
        Ok(Scalar::Str(v))
    }
    fn visit_unit<E>(self) -> Result<Scalar, E> {
        Ok(Scalar::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Scalar::List)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scalar, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Scalar::Object)
    }
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

/// The fields of an event that taskscope reads; the others are skipped.
#[derive(Deserialize)]
pub(super) struct EventFields {
    pub(super) ph: Option<Scalar>,
    pub(super) ts: Option<Scalar>,
    pub(super) dur: Option<Scalar>,
    pub(super) pid: Option<Scalar>,
    pub(super) tid: Option<Scalar>,
    pub(super) name: Option<Scalar>,
    pub(super) cat: Option<Scalar>,
    pub(super) args: Option<Json>,
}

/// One item of the event list: an event, or what else it is.
pub(super) enum Element {
    Event(Box<EventFields>),
    Other(Scalar),
}

/// One item of the event list, checked by [`Parser::accept`] as soon as it is parsed:
/// an error then carries the line and column of the item's end.
struct EventSeed<'a> {
    parser: &'a mut Parser,
    index: usize,
}

impl EventSeed<'_> {
    fn accept<E: de::Error>(self, element: Element) -> Result<(), E> {
        let accepted = self.parser.accept(self.index, element);
        accepted.map_err(|failure| {
            let message = format!("{}: {}", failure.0, failure.1);
            self.parser.failure = Some(failure);
            E::custom(message)
        })
    }
}

impl<'de> DeserializeSeed<'de> for EventSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for EventSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a trace event")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        let fields = EventFields::deserialize(de::value::MapAccessDeserializer::new(map))?;
        self.accept(Element::Event(Box::new(fields)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        let list = ScalarVisitor.visit_seq(seq)?;
        self.accept(Element::Other(list))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.accept(Element::Other(Scalar::Bool(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.accept(Element::Other(Scalar::I(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.accept(Element::Other(Scalar::U(v)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.accept(Element::Other(Scalar::F(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.accept(Element::Other(Scalar::Str(v.to_string())))
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.accept(Element::Other(Scalar::Null))
    }
}

/// The whole file: an object with `traceEvents`, or the array of events.
pub(super) struct TopSeed<'a>(pub(super) &'a mut Parser);

impl<'de> DeserializeSeed<'de> for TopSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TopSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object with \"traceEvents\" or a JSON array of events")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        EventsSeed(self.0).visit_seq(seq)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = false;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match key.as_ref() {
                "traceEvents" => {
                    seen = true;
                    map.next_value_seed(EventsSeed(&mut *self.0))?;
                }
                EXTRA_KEY => {
                    self.0.at = At::Extra;
                    self.0.extra = Some(map.next_value()?);
                    self.0.at = At::Top;
                }
                _ => _ = map.next_value::<IgnoredAny>()?,
            }
        }
        if !seen {
            let why = "is missing: a Chrome trace object lists its events under \"traceEvents\"";
            self.0.failure = Some(("traceEvents".into(), why.into()));
            return Err(de::Error::custom(why));
        }
        Ok(())
    }
}

/// The list of events, checked one by one as they are parsed.
pub(super) struct EventsSeed<'a>(&'a mut Parser);

impl<'de> DeserializeSeed<'de> for EventsSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for EventsSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of trace events")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let p = self.0;
        for index in 0.. {
            p.at = At::Event(index);
            let seed = EventSeed {
                parser: &mut *p,
                index,
            };
            if seq.next_element_seed(seed)?.is_none() {
                break;
            }
        }
        p.at = At::Top;
        Ok(())
    }
}
