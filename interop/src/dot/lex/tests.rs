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
