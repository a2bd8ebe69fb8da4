//! The DOT parser: tokens to a [`DotGraph`] of nodes (with the attributes taskscope
//! uses) and edges, following the grammar of <https://graphviz.org/doc/info/lang.html>
//! and Graphviz's own `grammar.y` where the page is silent (comma-separated node
//! lists, several attribute lists, a named subgraph used as an endpoint stands for
//! every node it has gathered so far).

use std::borrow::Cow;
use std::hash::BuildHasher;
use std::rc::Rc;

use super::lex::{IdKind, Keyword, LexError, Lexer, Pos, Tok, Token};
use crate::QUOTED_CHARS;
use taskscope_core::trace::ReadErrorKind;
use taskscope_core::units::cut_after;

/// How deep subgraphs may nest. Real graphs nest a handful of clusters; the limit
/// keeps hostile input from exhausting the stack.
pub(super) const MAX_NESTING: usize = 100;

/// A parsed DOT graph: what taskscope needs of it.
#[derive(Debug, Default)]
pub(super) struct DotGraph {
    pub strict: bool,
    pub directed: bool,
    pub name: Option<String>,
    /// Nodes in order of first mention.
    pub nodes: Vec<DotNode>,
    /// `(tail, head)` indexes into `nodes`, in the order written (repeats kept).
    pub edges: Vec<(u32, u32)>,
}

#[derive(Debug)]
pub(super) struct DotNode {
    pub id: String,
    /// Where the node is first mentioned.
    pub at: Pos,
    pub label: Option<Attr>,
    pub shape: Option<Attr>,
}

/// An attribute value; shared, since a default applies to many nodes.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Attr {
    pub value: Rc<str>,
    pub html: bool,
}

/// The node attributes that taskscope keeps (the others are read and dropped).
#[derive(Clone, Debug, Default)]
struct NodeAttrs {
    label: Option<Attr>,
    shape: Option<Attr>,
}

impl NodeAttrs {
    fn set(&mut self, name: &str, value: &Attr) {
        match name {
            "label" => self.label = Some(value.clone()),
            "shape" => self.shape = Some(value.clone()),
            _ => {}
        }
    }

    fn apply_to(&self, node: &mut DotNode) {
        if let Some(l) = &self.label {
            node.label = Some(l.clone());
        }
        if let Some(s) = &self.shape {
            node.shape = Some(s.clone());
        }
    }
}

/// Why the input is not DOT, and where.
#[derive(Debug)]
pub(super) struct ParseError {
    pub kind: ReadErrorKind,
    pub at: Pos,
    pub message: String,
}

impl From<LexError> for ParseError {
    fn from(e: LexError) -> Self {
        ParseError {
            kind: ReadErrorKind::Syntax,
            at: e.at,
            message: e.message,
        }
    }
}

type Result<T> = std::result::Result<T, ParseError>;

/// One side of an edge: a node, nodes written out (`a, b`), or a subgraph.
enum Endpoint {
    Node(u32),
    Nodes(Vec<u32>),
    Subgraph(Subgraph),
}

/// A subgraph statement: its name and the range of `mentions` its body wrote.
struct Subgraph {
    name: Option<String>,
    mentions: (usize, usize),
}

pub(super) fn parse(input: &[u8]) -> Result<DotGraph> {
    let mut p = Parser {
        lexer: Lexer::new(input),
        peeked: None,
        graph: DotGraph::default(),
        index: hashbrown::HashTable::new(),
        hasher: hashbrown::DefaultHashBuilder::default(),
        defaults: vec![NodeAttrs::default()],
        mentions: Vec::new(),
        named: hashbrown::HashMap::new(),
        stamp: Vec::new(),
        stamp_now: 0,
        // Subgraph endpoints multiply (`{a b} -> {c d}` is 4 edges); plain edges take
        // a few bytes each. This keeps memory in proportion to the input: a 10 kB
        // file may not make a million edges (40 MB once read).
        edge_budget: input.len().saturating_mul(4).saturating_add(1 << 16),
    };
    p.graph()?;
    Ok(p.graph)
}

struct Parser<'a> {
    lexer: Lexer<'a>,
    peeked: Option<Token<'a>>,
    graph: DotGraph,
    /// Node indexes by ID (the IDs live in `graph.nodes`).
    index: hashbrown::HashTable<u32>,
    hasher: hashbrown::DefaultHashBuilder,
    /// Node defaults of each open (sub)graph, innermost last.
    defaults: Vec<NodeAttrs>,
    /// Every node mentioned inside a subgraph, in order: a subgraph's nodes are the
    /// slice its body wrote, nested subgraphs included.
    mentions: Vec<u32>,
    /// The nodes of each named subgraph, in order, each once.
    named: hashbrown::HashMap<String, (Vec<u32>, hashbrown::HashSet<u32>)>,
    /// Scratch marks to list a subgraph's nodes once each.
    stamp: Vec<u32>,
    stamp_now: u32,
    edge_budget: usize,
}

impl<'a> Parser<'a> {
    fn peek(&mut self) -> Result<&Token<'a>> {
        if self.peeked.is_none() {
            self.peeked = Some(self.lexer.next_token()?);
        }
        Ok(self.peeked.as_ref().expect("just filled"))
    }

    fn next(&mut self) -> Result<Token<'a>> {
        match self.peeked.take() {
            Some(t) => Ok(t),
            None => Ok(self.lexer.next_token()?),
        }
    }

    fn syntax(at: Pos, message: String) -> ParseError {
        ParseError {
            kind: ReadErrorKind::Syntax,
            at,
            message,
        }
    }

    fn expected(token: &Token<'_>, what: &str) -> ParseError {
        Self::syntax(
            token.at,
            format!("expected {what}, found {}", token.tok.describe()),
        )
    }

    fn expect_punct(&mut self, c: u8, what: &str) -> Result<Token<'a>> {
        let t = self.next()?;
        if t.tok == Tok::Punct(c) {
            Ok(t)
        } else {
            Err(Self::expected(&t, what))
        }
    }

    /// The ID that comes next, if one does (a graph's or subgraph's name).
    fn optional_id(&mut self) -> Result<Option<String>> {
        if !matches!(self.peek()?.tok, Tok::Id(..)) {
            return Ok(None);
        }
        match self.next()?.tok {
            Tok::Id(id, _) => Ok(Some(id.into_owned())),
            _ => Ok(None),
        }
    }

    /// `[strict] (graph | digraph) [ID] '{' stmt_list '}'`
    fn graph(&mut self) -> Result<()> {
        let mut t = self.next()?;
        if t.tok == Tok::Keyword(Keyword::Strict) {
            self.graph.strict = true;
            t = self.next()?;
        }
        self.graph.directed = match t.tok {
            Tok::Keyword(Keyword::Digraph) => true,
            Tok::Keyword(Keyword::Graph) => false,
            _ => {
                return Err(ParseError {
                    kind: ReadErrorKind::Format,
                    at: t.at,
                    message: format!(
                        "not a Graphviz DOT graph: expected `digraph`, `graph` or `strict`, \
                         found {}",
                        t.tok.describe()
                    ),
                });
            }
        };
        self.graph.name = self.optional_id()?;
        let open = self.expect_punct(b'{', "`{` to open the graph")?;
        self.stmt_list(&open, 0)?;
        let t = self.next()?;
        if t.tok != Tok::Eof {
            return Err(Self::expected(
                &t,
                "the end of the file after the graph's closing `}` (taskscope reads one \
                 graph per file)",
            ));
        }
        Ok(())
    }

    /// Statements up to and including the `}` that closes `open`.
    fn stmt_list(&mut self, open: &Token<'_>, depth: usize) -> Result<()> {
        loop {
            let t = self.peek()?;
            match t.tok {
                Tok::Punct(b'}') => {
                    self.next()?;
                    return Ok(());
                }
                Tok::Eof => {
                    let t = t.clone();
                    return Err(Self::syntax(
                        t.at,
                        format!(
                            "expected `}}` to close the {{ opened on line {}, found the end of \
                             the file",
                            open.at.line
                        ),
                    ));
                }
                _ => self.stmt(depth)?,
            }
            if self.peek()?.tok == Tok::Punct(b';') {
                self.next()?;
            }
        }
    }

    fn stmt(&mut self, depth: usize) -> Result<()> {
        let t = self.next()?;
        match t.tok {
            Tok::Keyword(kind @ (Keyword::Graph | Keyword::Node | Keyword::Edge)) => {
                if self.peek()?.tok != Tok::Punct(b'[') {
                    let t = self.next()?;
                    let what = format!("`[` to start the `{}` attributes", kind.as_str());
                    return Err(Self::expected(&t, &what));
                }
                let attrs = self.attr_lists(kind != Keyword::Node)?;
                if kind == Keyword::Node {
                    let scope = self.defaults.last_mut().expect("the graph's scope");
                    if let Some(l) = attrs.label {
                        scope.label = Some(l);
                    }
                    if let Some(s) = attrs.shape {
                        scope.shape = Some(s);
                    }
                }
                Ok(())
            }
            Tok::Keyword(Keyword::Subgraph) | Tok::Punct(b'{') => {
                let sub = self.subgraph(t, depth)?;
                self.rest_of_edge(Endpoint::Subgraph(sub), depth)
            }
            Tok::Id(id, _) => {
                if self.peek()?.tok == Tok::Punct(b'=') {
                    self.next()?; // `ID = ID`: a graph attribute
                    let v = self.next()?;
                    return match v.tok {
                        Tok::Id(..) => Ok(()),
                        _ => Err(Self::expected(
                            &v,
                            &format!(
                                "a value for `{} =`",
                                cut_after(id.to_string(), QUOTED_CHARS)
                            ),
                        )),
                    };
                }
                let first = self.node_ref(id, t.at, depth)?;
                let nodes = self.node_list(first, depth)?;
                self.rest_of_edge(nodes, depth)
            }
            _ => Err(Self::expected(
                &t,
                "a statement (a node, an edge, a subgraph, or `graph`/`node`/`edge` \
                 attributes)",
            )),
        }
    }

    /// A first node and any after it in `a, b, c`.
    fn node_list(&mut self, first: u32, depth: usize) -> Result<Endpoint> {
        if self.peek()?.tok != Tok::Punct(b',') {
            return Ok(Endpoint::Node(first));
        }
        let mut nodes = vec![first];
        while self.peek()?.tok == Tok::Punct(b',') {
            self.next()?;
            let t = self.next()?;
            match t.tok {
                Tok::Id(id, _) => nodes.push(self.node_ref(id, t.at, depth)?),
                _ => return Err(Self::expected(&t, "a node after `,`")),
            }
        }
        Ok(Endpoint::Nodes(nodes))
    }

    /// A node ID and its optional port (`a:p`, `a:p:n`), which taskscope ignores.
    fn node_ref(&mut self, id: Cow<'_, str>, at: Pos, depth: usize) -> Result<u32> {
        for _ in 0..2 {
            if self.peek()?.tok != Tok::Punct(b':') {
                break;
            }
            self.next()?;
            let t = self.next()?;
            if !matches!(t.tok, Tok::Id(..)) {
                return Err(Self::expected(&t, "a port name or compass point after `:`"));
            }
        }
        self.node(id, at, depth)
    }

    /// The node with this ID, created with the current defaults when new.
    fn node(&mut self, id: Cow<'_, str>, at: Pos, depth: usize) -> Result<u32> {
        let hash = self.hasher.hash_one(&*id);
        let nodes = &self.graph.nodes;
        let found = self
            .index
            .find(hash, |&i| nodes[i as usize].id == *id)
            .copied();
        let i = match found {
            Some(i) => i,
            None => {
                let Ok(i) = u32::try_from(self.graph.nodes.len()) else {
                    return Err(Self::syntax(at, "more than 2^32 nodes".to_string()));
                };
                let scope = self.defaults.last().expect("the graph's scope");
                self.graph.nodes.push(DotNode {
                    id: id.into_owned(),
                    at,
                    label: scope.label.clone(),
                    shape: scope.shape.clone(),
                });
                let (nodes, hasher) = (&self.graph.nodes, &self.hasher);
                self.index
                    .insert_unique(hash, i, |&j| hasher.hash_one(nodes[j as usize].id.as_str()));
                i
            }
        };
        if depth > 0 {
            self.mentions.push(i);
        }
        Ok(i)
    }

    /// `[subgraph [ID]] '{' stmt_list '}'`; `t` is `subgraph` or `{`.
    fn subgraph(&mut self, t: Token<'a>, depth: usize) -> Result<Subgraph> {
        let mut name = None;
        let open = if t.tok == Tok::Punct(b'{') {
            t
        } else {
            name = self.optional_id()?;
            self.expect_punct(b'{', "`{` to open the subgraph")?
        };
        if depth + 1 > MAX_NESTING {
            return Err(Self::syntax(
                open.at,
                format!("subgraphs are nested more than {MAX_NESTING} deep"),
            ));
        }
        let start = self.mentions.len();
        let inherited = self.defaults.last().cloned().unwrap_or_default();
        self.defaults.push(inherited);
        let body = self.stmt_list(&open, depth + 1);
        self.defaults.pop();
        body?;
        let end = self.mentions.len();
        if let Some(n) = &name {
            // A name used again is the same subgraph: it gathers the nodes of each use.
            let (nodes, seen) = self.named.entry(n.clone()).or_default();
            for &m in &self.mentions[start..end] {
                if seen.insert(m) {
                    nodes.push(m);
                }
            }
        }
        Ok(Subgraph {
            name,
            mentions: (start, end),
        })
    }

    /// After the first endpoint of a statement: more `-> endpoint`s, then attributes.
    /// Edges are made as each endpoint is read (Graphviz makes them at the end of the
    /// statement; the edges are the same).
    fn rest_of_edge(&mut self, first: Endpoint, depth: usize) -> Result<()> {
        let mut tail = first;
        let mut edge = false;
        loop {
            let t = self.peek()?;
            let (directed, at) = match t.tok {
                Tok::Arrow => (true, t.at),
                Tok::Line => (false, t.at),
                _ => break,
            };
            if directed != self.graph.directed {
                let (found, want, kind) = if directed {
                    ("`->`", "`--`", "an undirected `graph`")
                } else {
                    ("`--`", "`->`", "a `digraph`")
                };
                return Err(Self::syntax(
                    at,
                    format!("{found} in {kind}: edges there are written {want}"),
                ));
            }
            self.next()?;
            edge = true;
            let n = self.next()?;
            let head = match n.tok {
                Tok::Keyword(Keyword::Subgraph) | Tok::Punct(b'{') => {
                    Endpoint::Subgraph(self.subgraph(n, depth)?)
                }
                Tok::Id(id, _) => {
                    let node = self.node_ref(id, n.at, depth)?;
                    self.node_list(node, depth)?
                }
                _ => return Err(Self::expected(&n, "a node or a subgraph after the edge")),
            };
            self.edges(&tail, &head, at)?;
            tail = head;
        }
        let attrs = if self.peek()?.tok == Tok::Punct(b'[') {
            self.attr_lists(edge)?
        } else {
            NodeAttrs::default()
        };
        if !edge {
            let nodes = match &tail {
                Endpoint::Node(n) => std::slice::from_ref(n),
                Endpoint::Nodes(nodes) => nodes.as_slice(),
                Endpoint::Subgraph(_) => &[],
            };
            for &n in nodes {
                attrs.apply_to(&mut self.graph.nodes[n as usize]);
            }
        }
        Ok(())
    }

    /// The edges from every node of `tail` to every node of `head`.
    fn edges(&mut self, tail: &Endpoint, head: &Endpoint, at: Pos) -> Result<()> {
        if let (Endpoint::Node(t), Endpoint::Node(h)) = (tail, head) {
            if self.edge_budget == 0 {
                return Err(self.too_many_edges(at));
            }
            self.edge_budget -= 1;
            self.graph.edges.push((*t, *h));
            return Ok(());
        }
        let tails = self.expand(tail);
        let heads = self.expand(head);
        let count = tails.len().saturating_mul(heads.len());
        if count > self.edge_budget {
            return Err(self.too_many_edges(at));
        }
        self.edge_budget -= count;
        for &t in &tails {
            for &h in &heads {
                self.graph.edges.push((t, h));
            }
        }
        Ok(())
    }

    fn too_many_edges(&self, at: Pos) -> ParseError {
        Self::syntax(
            at,
            format!(
                "too many edges: subgraph endpoints multiply to more than the {} edges \
                 allowed for a file of this size",
                self.graph.edges.len() + self.edge_budget
            ),
        )
    }

    /// The nodes an endpoint stands for, each once.
    fn expand(&mut self, endpoint: &Endpoint) -> Vec<u32> {
        let (start, end) = match endpoint {
            Endpoint::Node(n) => return vec![*n],
            Endpoint::Nodes(nodes) => return nodes.clone(),
            Endpoint::Subgraph(Subgraph {
                name: Some(name), ..
            }) => {
                return self
                    .named
                    .get(name)
                    .map(|(n, _)| n.clone())
                    .unwrap_or_default();
            }
            Endpoint::Subgraph(Subgraph {
                name: None,
                mentions,
            }) => *mentions,
        };
        self.stamp.resize(self.graph.nodes.len(), 0);
        self.stamp_now = self.stamp_now.wrapping_add(1);
        if self.stamp_now == 0 {
            self.stamp.fill(0);
            self.stamp_now = 1;
        }
        let mut out = Vec::new();
        for &n in &self.mentions[start..end] {
            if self.stamp[n as usize] != self.stamp_now {
                self.stamp[n as usize] = self.stamp_now;
                out.push(n);
            }
        }
        out
    }

    /// One or more `[name = value, …]` lists; keeps `label` and `shape`, unless the
    /// list is an edge's.
    fn attr_lists(&mut self, of_edge: bool) -> Result<NodeAttrs> {
        let mut attrs = NodeAttrs::default();
        while self.peek()?.tok == Tok::Punct(b'[') {
            self.next()?;
            loop {
                let t = self.next()?;
                let name = match t.tok {
                    Tok::Punct(b']') => break,
                    Tok::Id(name, _) => name,
                    _ => return Err(Self::expected(&t, "an attribute name or `]`")),
                };
                let eq = self.next()?;
                if eq.tok != Tok::Punct(b'=') {
                    let what = format!(
                        "`=` after the attribute name `{}`",
                        cut_after(name.to_string(), QUOTED_CHARS)
                    );
                    return Err(Self::expected(&eq, &what));
                }
                let v = self.next()?;
                let Tok::Id(value, kind) = v.tok else {
                    return Err(Self::expected(
                        &v,
                        &format!(
                            "a value for `{}`",
                            cut_after(name.to_string(), QUOTED_CHARS)
                        ),
                    ));
                };
                if !of_edge && matches!(&*name, "label" | "shape") {
                    let value = Attr {
                        value: Rc::from(value),
                        html: kind == IdKind::Html,
                    };
                    attrs.set(&name, &value);
                }
                if matches!(self.peek()?.tok, Tok::Punct(b',' | b';')) {
                    self.next()?;
                }
            }
        }
        Ok(attrs)
    }
}
