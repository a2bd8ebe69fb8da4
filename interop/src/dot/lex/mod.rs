//! The DOT lexer: bytes to tokens, following Graphviz's own scanner (`scan.l`):
//! identifiers (any byte from 0x80 counts as a letter, so non-ASCII names work),
//! numerals, quoted strings with `\"` and line continuations, `+` concatenation of
//! quoted strings, HTML strings with nested `<…>`, and `//`, `/* */` and `#` comments.

mod strings;
#[cfg(test)]
mod tests;
mod token;

use std::borrow::Cow;

pub(super) use token::{IdKind, Keyword, LexError, Pos, Tok, Token};

/// Reads tokens one at a time, keeping the line and column of each.
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
}

fn memchr(needle: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|&b| b == needle)
}
