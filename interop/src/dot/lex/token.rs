//! What the lexer makes: tokens, the places they start at, and lexing errors.

use std::borrow::Cow;

use crate::QUOTED_CHARS;
use taskscope_core::units::cut_after;

/// What a token is.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Tok<'a> {
    /// An ID: identifier, numeral, quoted string (unescaped) or HTML string (without
    /// its outer `<>`); borrowed from the input unless unescaping changed it.
    Id(Cow<'a, str>, IdKind),
    Keyword(Keyword),
    /// One of `{ } [ ] ; , : =`.
    Punct(u8),
    /// `->`
    Arrow,
    /// `--`
    Line,
    Eof,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IdKind {
    Name,
    Numeral,
    Quoted,
    Html,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Keyword {
    Strict,
    Graph,
    Digraph,
    Subgraph,
    Node,
    Edge,
}

impl Keyword {
    /// Keywords are case-independent in DOT.
    pub(super) fn of(word: &[u8]) -> Option<Keyword> {
        const ALL: [(&str, Keyword); 6] = [
            ("strict", Keyword::Strict),
            ("graph", Keyword::Graph),
            ("digraph", Keyword::Digraph),
            ("subgraph", Keyword::Subgraph),
            ("node", Keyword::Node),
            ("edge", Keyword::Edge),
        ];
        ALL.iter()
            .find(|(k, _)| k.as_bytes().eq_ignore_ascii_case(word))
            .map(|&(_, kw)| kw)
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Keyword::Strict => "strict",
            Keyword::Graph => "graph",
            Keyword::Digraph => "digraph",
            Keyword::Subgraph => "subgraph",
            Keyword::Node => "node",
            Keyword::Edge => "edge",
        }
    }
}

impl Tok<'_> {
    /// How the token reads in an error message: "`]`", "the name `a`", "the end of the file".
    pub(crate) fn describe(&self) -> String {
        match self {
            Tok::Id(s, kind) => {
                let shown = cut_after(s.to_string(), QUOTED_CHARS);
                match kind {
                    IdKind::Name => format!("the name `{shown}`"),
                    IdKind::Numeral => format!("the number `{shown}`"),
                    IdKind::Quoted => format!("the string {shown:?}"),
                    IdKind::Html => format!("the HTML string `<{shown}>`"),
                }
            }
            Tok::Keyword(k) => format!("the keyword `{}`", k.as_str()),
            Tok::Punct(c) => format!("`{}`", *c as char),
            Tok::Arrow => "`->`".to_string(),
            Tok::Line => "`--`".to_string(),
            Tok::Eof => "the end of the file".to_string(),
        }
    }
}

/// A token and where it starts.
#[derive(Clone, Debug)]
pub(crate) struct Token<'a> {
    pub tok: Tok<'a>,
    pub at: Pos,
}

/// A place in the input: 1-based line, and the byte offsets of the place and of the
/// start of its line (the column is counted in characters when an error needs it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Pos {
    pub line: usize,
    pub offset: usize,
    pub line_start: usize,
}

impl Pos {
    /// 1-based column, in characters.
    pub(crate) fn column(&self, input: &[u8]) -> usize {
        let end = self.offset.min(input.len());
        let start = self.line_start.min(end);
        String::from_utf8_lossy(&input[start..end]).chars().count() + 1
    }
}

/// A lexing error: what is wrong and where.
#[derive(Debug)]
pub(crate) struct LexError {
    pub at: Pos,
    pub message: String,
}
