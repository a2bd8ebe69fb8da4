//! Strings in DOT: double-quoted ones (unescaped, joined by `+`) and HTML ones.

use std::borrow::Cow;

use super::{IdKind, LexError, Lexer, Pos, Tok, text};

/// Turns unescaped string bytes into text, replacing bytes that are not UTF-8.
fn owned_text(bytes: Vec<u8>) -> Cow<'static, str> {
    match String::from_utf8(bytes) {
        Ok(s) => Cow::Owned(s),
        Err(e) => Cow::Owned(String::from_utf8_lossy(e.as_bytes()).into_owned()),
    }
}

impl<'a> Lexer<'a> {
    /// A double-quoted string, and any `+ "…"` after it.
    pub(super) fn quoted(&mut self, at: Pos) -> Result<Tok<'a>, LexError> {
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
    pub(super) fn html(&mut self, at: Pos) -> Result<Tok<'a>, LexError> {
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
