//! The DOT lexer: bytes to tokens, following Graphviz's own scanner (`scan.l`):
//! identifiers (any byte from 0x80 counts as a letter, so non-ASCII names work),
//! numerals, quoted strings with `\"` and line continuations, `+` concatenation of
//! quoted strings, HTML strings with nested `<…>`, and `//`, `/* */` and `#` comments.

use std::borrow::Cow;

/// What a token is.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Tok<'a> {
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
pub(super) enum IdKind {
    Name,
    Numeral,
    Quoted,
    Html,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Keyword {
    Strict,
    Graph,
    Digraph,
    Subgraph,
    Node,
    Edge,
}

impl Keyword {
    /// Keywords are case-independent in DOT.
    fn of(word: &[u8]) -> Option<Keyword> {
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

    pub(super) fn as_str(self) -> &'static str {
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
    pub(super) fn describe(&self) -> String {
        match self {
            Tok::Id(s, kind) => {
                let shown = short(s);
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

/// An ID as an error message shows it: its first 40 characters, and `…` when cut.
pub(super) fn short(id: &str) -> String {
    let mut shown: String = id.chars().take(40).collect();
    if shown.len() < id.len() {
        shown.push('…');
    }
    shown
}

/// A token and where it starts.
#[derive(Clone, Debug)]
pub(super) struct Token<'a> {
    pub tok: Tok<'a>,
    pub at: Pos,
}

/// A place in the input: 1-based line, and the byte offsets of the place and of the
/// start of its line (the column is counted in characters when an error needs it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Pos {
    pub line: usize,
    pub offset: usize,
    pub line_start: usize,
}

impl Pos {
    /// 1-based column, in characters.
    pub(super) fn column(&self, input: &[u8]) -> usize {
        let end = self.offset.min(input.len());
        let start = self.line_start.min(end);
        String::from_utf8_lossy(&input[start..end]).chars().count() + 1
    }
}

/// A lexing error: what is wrong and where.
#[derive(Debug)]
pub(super) struct LexError {
    pub at: Pos,
    pub message: String,
}

pub(super) struct Lexer<'a> {
    input: &'a [u8],
    pos: usize,
    line: usize,
    line_start: usize,
}

fn is_letter(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

/// Turns ID bytes into text; DOT files are UTF-8 by default, and other bytes are
/// replaced rather than refused.
fn text(bytes: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

fn owned_text(bytes: Vec<u8>) -> Cow<'static, str> {
    match String::from_utf8(bytes) {
        Ok(s) => Cow::Owned(s),
        Err(e) => Cow::Owned(String::from_utf8_lossy(e.as_bytes()).into_owned()),
    }
}

impl<'a> Lexer<'a> {
    pub(super) fn new(input: &'a [u8]) -> Self {
        let pos = if input.starts_with(b"\xef\xbb\xbf") {
            3
        } else {
            0
        };
        Lexer {
            input,
            pos,
            line: 1,
            line_start: 0,
        }
    }

    fn here(&self) -> Pos {
        Pos {
            line: self.line,
            offset: self.pos,
            line_start: self.line_start,
        }
    }

    fn peek_byte(&self, ahead: usize) -> Option<u8> {
        self.input.get(self.pos + ahead).copied()
    }

    fn newline(&mut self) {
        self.line += 1;
        self.line_start = self.pos;
    }

    /// Skips whitespace and comments.
    fn skip_trivia(&mut self) -> Result<(), LexError> {
        while let Some(b) = self.peek_byte(0) {
            match b {
                b'\n' => {
                    self.pos += 1;
                    self.newline();
                }
                b' ' | b'\t' | b'\r' | b'\x0b' | b'\x0c' => self.pos += 1,
                // `#` lines are C preprocessor output; Graphviz ignores `#` to the end
                // of the line wherever it appears.
                b'#' => self.skip_line(),
                b'/' if self.peek_byte(1) == Some(b'/') => self.skip_line(),
                b'/' if self.peek_byte(1) == Some(b'*') => {
                    let start = self.here();
                    self.pos += 2;
                    loop {
                        match self.peek_byte(0) {
                            None => {
                                return Err(LexError {
                                    at: start,
                                    message: "a `/*` comment is not closed: expected `*/`"
                                        .to_string(),
                                });
                            }
                            Some(b'*') if self.peek_byte(1) == Some(b'/') => {
                                self.pos += 2;
                                break;
                            }
                            Some(b'\n') => {
                                self.pos += 1;
                                self.newline();
                            }
                            Some(_) => self.pos += 1,
                        }
                    }
                }
                // A byte-order mark anywhere is ignored, as Graphviz does.
                0xef if self.input[self.pos..].starts_with(b"\xef\xbb\xbf") => self.pos += 3,
                _ => break,
            }
        }
        Ok(())
    }

    fn skip_line(&mut self) {
        match memchr(b'\n', &self.input[self.pos..]) {
            Some(i) => self.pos += i,
            None => self.pos = self.input.len(),
        }
    }

    pub(super) fn next_token(&mut self) -> Result<Token<'a>, LexError> {
        self.skip_trivia()?;
        let at = self.here();
        let Some(b) = self.peek_byte(0) else {
            return Ok(Token { tok: Tok::Eof, at });
        };
        let tok = match b {
            b'{' | b'}' | b'[' | b']' | b';' | b',' | b':' | b'=' => {
                self.pos += 1;
                Tok::Punct(b)
            }
            b'-' if self.peek_byte(1) == Some(b'>') => {
                self.pos += 2;
                Tok::Arrow
            }
            b'-' if self.peek_byte(1) == Some(b'-') => {
                self.pos += 2;
                Tok::Line
            }
            b'-' | b'.' | b'0'..=b'9' => self.numeral(at)?,
            b'"' => self.quoted(at)?,
            b'<' => self.html(at)?,
            b if is_letter(b) => {
                let start = self.pos;
                while self
                    .peek_byte(0)
                    .is_some_and(|c| is_letter(c) || c.is_ascii_digit())
                {
                    self.pos += 1;
                }
                let input: &'a [u8] = self.input;
                let word = &input[start..self.pos];
                match Keyword::of(word) {
                    Some(k) => Tok::Keyword(k),
                    None => Tok::Id(text(word), IdKind::Name),
                }
            }
            b'+' => {
                return Err(LexError {
                    at,
                    message: "`+` must join two quoted strings (\"a\" + \"b\")".to_string(),
                });
            }
            _ => {
                let shown = String::from_utf8_lossy(&self.input[self.pos..])
                    .chars()
                    .next()
                    .map_or_else(|| format!("byte 0x{b:02x}"), |c| format!("{c:?}"));
                return Err(LexError {
                    at,
                    message: format!(
                        "unexpected character {shown}: expected a name, a number, a quoted \
                         string, or one of {{ }} [ ] ; , : = -> --"
                    ),
                });
            }
        };
        Ok(Token { tok, at })
    }

    /// `[-]?(.[0-9]+ | [0-9]+(.[0-9]*)?)`. Like Graphviz, a letter or a second `.`
    /// right after a number starts the next token.
    fn numeral(&mut self, at: Pos) -> Result<Tok<'a>, LexError> {
        let start = self.pos;
        if self.peek_byte(0) == Some(b'-') {
            self.pos += 1;
        }
        let digits = |lexer: &mut Self| {
            let from = lexer.pos;
            while lexer.peek_byte(0).is_some_and(|c| c.is_ascii_digit()) {
                lexer.pos += 1;
            }
            lexer.pos - from
        };
        let whole = digits(self);
        let mut fraction = 0;
        if self.peek_byte(0) == Some(b'.') {
            self.pos += 1;
            fraction = digits(self);
        }
        if whole == 0 && fraction == 0 {
            self.pos = start;
            let what = if self.peek_byte(0) == Some(b'-') {
                "`-` must start a number (-1.5) or an edge (-> or --)"
            } else {
                "`.` must be part of a number (.5)"
            };
            return Err(LexError {
                at,
                message: what.to_string(),
            });
        }
        let input: &'a [u8] = self.input;
        Ok(Tok::Id(text(&input[start..self.pos]), IdKind::Numeral))
    }

    /// A double-quoted string, and any `+ "…"` after it.
    fn quoted(&mut self, at: Pos) -> Result<Tok<'a>, LexError> {
        // Most strings have no escapes and no `+`: borrow those from the input.
        let input: &'a [u8] = self.input;
        let start = self.pos + 1;
        let body = &input[start..];
        let stop = body.iter().position(|&c| matches!(c, b'"' | b'\\' | b'\n'));
        if let Some(i) = stop
            && body[i] == b'"'
        {
            let end = start + i;
            let after = self.skip_plain_space(end + 1);
            // Anything that could lead to a `+` takes the general path below.
            let maybe_plus = matches!(
                input.get(after),
                Some(b'+' | b'/' | b'#' | b'\r' | b'\n' | 0x0b | 0x0c | 0xef)
            );
            if !maybe_plus {
                self.pos = end + 1;
                return Ok(Tok::Id(text(&input[start..end]), IdKind::Quoted));
            }
        }
        let mut out = Vec::new();
        self.quoted_part(at, &mut out)?;
        loop {
            // Look past trivia for `+`; trivia skipped here would be skipped anyway.
            self.skip_trivia()?;
            if self.peek_byte(0) != Some(b'+') {
                break;
            }
            let plus = self.here();
            self.pos += 1;
            self.skip_trivia()?;
            if self.peek_byte(0) != Some(b'"') {
                return Err(LexError {
                    at: plus,
                    message: "expected a quoted string after `+`".to_string(),
                });
            }
            let part = self.here();
            self.quoted_part(part, &mut out)?;
        }
        Ok(Tok::Id(owned_text(out), IdKind::Quoted))
    }

    /// Where the spaces and tabs from `from` end (a cheap look for a `+`).
    fn skip_plain_space(&self, from: usize) -> usize {
        let rest = self.input.get(from..).unwrap_or(&[]);
        from + rest
            .iter()
            .take_while(|&&c| c == b' ' || c == b'\t')
            .count()
    }

    fn quoted_part(&mut self, at: Pos, out: &mut Vec<u8>) -> Result<(), LexError> {
        self.pos += 1; // the opening quote
        loop {
            let rest = &self.input[self.pos..];
            let Some(i) = rest.iter().position(|&c| matches!(c, b'"' | b'\\' | b'\n')) else {
                return Err(LexError {
                    at,
                    message: "a quoted string is not closed: expected `\"`".to_string(),
                });
            };
            out.extend_from_slice(&rest[..i]);
            self.pos += i;
            match rest[i] {
                b'"' => {
                    self.pos += 1;
                    return Ok(());
                }
                b'\n' => {
                    out.push(b'\n');
                    self.pos += 1;
                    self.newline();
                }
                _ => match self.peek_byte(1) {
                    Some(b'"') => {
                        out.push(b'"');
                        self.pos += 2;
                    }
                    Some(b'\\') => {
                        out.extend_from_slice(b"\\\\");
                        self.pos += 2;
                    }
                    // A backslash before a line break continues the line.
                    Some(b'\n') => {
                        self.pos += 2;
                        self.newline();
                    }
                    Some(b'\r') if self.peek_byte(2) == Some(b'\n') => {
                        self.pos += 3;
                        self.newline();
                    }
                    _ => {
                        out.push(b'\\');
                        self.pos += 1;
                    }
                },
            }
        }
    }

    /// An HTML string: `<` … `>` with nested angle brackets; the outer pair is dropped.
    fn html(&mut self, at: Pos) -> Result<Tok<'a>, LexError> {
        self.pos += 1;
        let start = self.pos;
        let mut depth = 1usize;
        loop {
            let Some(b) = self.peek_byte(0) else {
                return Err(LexError {
                    at,
                    message: "an HTML string is not closed: expected `>`".to_string(),
                });
            };
            self.pos += 1;
            match b {
                b'<' => depth += 1,
                b'>' => {
                    depth -= 1;
                    if depth == 0 {
                        let input: &'a [u8] = self.input;
                        let body = &input[start..self.pos - 1];
                        return Ok(Tok::Id(text(body), IdKind::Html));
                    }
                }
                b'\n' => self.newline(),
                _ => {}
            }
        }
    }
}

fn memchr(needle: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|&b| b == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(input: &str) -> Vec<Tok<'_>> {
        let mut lexer = Lexer::new(input.as_bytes());
        let mut out = Vec::new();
        loop {
            let t = lexer.next_token().unwrap().tok;
            if t == Tok::Eof {
                return out;
            }
            out.push(t);
        }
    }

    fn id(s: &str, kind: IdKind) -> Tok<'static> {
        Tok::Id(Cow::Owned(s.to_string()), kind)
    }

    #[test]
    fn ids_of_every_kind() {
        use IdKind::*;
        assert_eq!(
            toks("a_1 Ünïcödé -.5 3.14 -5541416842166732346 7."),
            [
                id("a_1", Name),
                id("Ünïcödé", Name),
                id("-.5", Numeral),
                id("3.14", Numeral),
                id("-5541416842166732346", Numeral),
                id("7.", Numeral),
            ]
        );
        // A letter right after a number starts a new token, as in Graphviz.
        assert_eq!(toks("12ab"), [id("12", Numeral), id("ab", Name)]);
        assert_eq!(toks("1.2.3"), [id("1.2", Numeral), id(".3", Numeral)]);
    }

    #[test]
    fn quoted_strings_unescape_quotes_and_join_lines() {
        use IdKind::Quoted;
        assert_eq!(toks(r#""say \"hi\"""#), [id("say \"hi\"", Quoted)]);
        assert_eq!(toks("\"long \\\nline\""), [id("long line", Quoted)]);
        assert_eq!(toks("\"crlf \\\r\nline\""), [id("crlf line", Quoted)]);
        // Other escapes stay as written: they mean something to the attribute.
        assert_eq!(toks(r#""a\nb\l""#), [id(r"a\nb\l", Quoted)]);
        assert_eq!(
            toks(r#""back\\" x"#),
            [id(r"back\\", Quoted), id("x", IdKind::Name)]
        );
        assert_eq!(toks("\"a\" + \"b\" /* c */ +\n \"c\""), [id("abc", Quoted)]);
        assert_eq!(toks("\"two\nlines\""), [id("two\nlines", Quoted)]);
        assert_eq!(toks("\"a\"\n+\"b\" // c"), [id("ab", Quoted)]);
        assert_eq!(toks("\"a\" // c\n + \"b\""), [id("ab", Quoted)]);
        assert_eq!(toks("\"a\"\t\"b\""), [id("a", Quoted), id("b", Quoted)]);
    }

    #[test]
    fn html_strings_nest() {
        assert_eq!(
            toks("<<b>bold</b> <i>x</i>> y"),
            [
                id("<b>bold</b> <i>x</i>", IdKind::Html),
                id("y", IdKind::Name)
            ]
        );
    }

    #[test]
    fn comments_and_keywords() {
        let t = toks("# cpp line\nDiGraph // c\n/* a\n b */ NODE -> -- nodes");
        assert_eq!(
            t,
            [
                Tok::Keyword(Keyword::Digraph),
                Tok::Keyword(Keyword::Node),
                Tok::Arrow,
                Tok::Line,
                id("nodes", IdKind::Name),
            ]
        );
    }

    #[test]
    fn positions_count_lines_and_characters() {
        let input = "a\n  ü b\n\"x\\\ny\" c";
        let mut lexer = Lexer::new(input.as_bytes());
        let mut seen = Vec::new();
        loop {
            let t = lexer.next_token().unwrap();
            if t.tok == Tok::Eof {
                break;
            }
            seen.push((t.at.line, t.at.column(input.as_bytes())));
        }
        assert_eq!(seen, [(1, 1), (2, 3), (2, 5), (3, 1), (4, 4)]);
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        for bad in [
            "\"open",
            "<a <b>",
            "/* open",
            "@",
            "+",
            "\"a\" + b",
            "- x",
            ".",
            "\u{0}",
        ] {
            let mut lexer = Lexer::new(bad.as_bytes());
            let mut failed = false;
            for _ in 0..10 {
                match lexer.next_token() {
                    Err(_) => {
                        failed = true;
                        break;
                    }
                    Ok(t) if t.tok == Tok::Eof => break,
                    Ok(_) => {}
                }
            }
            assert!(failed, "{bad:?} lexed without an error");
        }
    }
}
