//! The attribute's arguments: `#[retry(on = .., attempts = .., ..)]`.
//!
//! Every key is one entry of [`KEYS`]: its name and how to read its value. Each
//! value is checked on its own here (`attempts = 0`, a bad unit); checks that
//! relate keys to each other or to the function live in `valid.rs`.
//!
//! A new key is an entry in `KEYS`, a field in `Args`, and
//! its place in the policy built by `Expansion::policy` in `expand.rs`; "unknown
//! key", "given twice" and the "did you mean" suggestions follow from the table.

use crate::duration;
use proc_macro2::{Delimiter, Spacing, Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::parse::discouraged::Speculative;
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{Expr, ExprBlock, ExprLit, ExprPath, ExprUnary, Ident, Lit, LitStr, Path, Stmt, Token, Type, TypePath, UnOp};

/// One key of the attribute.
pub struct Key {
    /// As written in the attribute.
    pub name: &'static str,
    /// The whole `key = value`, for errors that show what to write.
    example: &'static str,
    /// Reads the value after `name =` into `Args`.
    read: fn(ParseStream, &mut Args) -> syn::Result<()>,
}

/// The keys, in the order the docs list them.
pub const KEYS: &[Key] = &[
    Key { name: "on", example: "on = std::io::Error", read: |input, args| set(&mut args.on, On::parse(input)?) },
    Key {
        name: "attempts",
        example: "attempts = 5",
        read: |input, args| set(&mut args.attempts, Attempts::from_expr(input.parse()?)?),
    },
    Key {
        name: "timeout",
        example: "timeout = \"30s\"",
        read: |input, args| set(&mut args.timeout, Wait::from_expr("timeout", input.parse()?)?),
    },
    Key {
        name: "wait_initial",
        example: "wait_initial = \"100ms\"",
        read: |input, args| set(&mut args.wait_initial, Wait::from_expr("wait_initial", input.parse()?)?),
    },
    Key {
        name: "wait_max",
        example: "wait_max = \"10s\"",
        read: |input, args| set(&mut args.wait_max, Wait::from_expr("wait_max", input.parse()?)?),
    },
    Key {
        name: "wait_jitter",
        example: "wait_jitter = \"1s\"",
        read: |input, args| set(&mut args.wait_jitter, Wait::from_expr("wait_jitter", input.parse()?)?),
    },
    Key {
        name: "wait_exp_base",
        example: "wait_exp_base = 2",
        read: |input, args| set(&mut args.wait_exp_base, ExpBase::from_expr(input.parse()?)?),
    },
    Key {
        name: "backoff",
        example: "backoff = ExponentialBackoff::default()",
        read: |input, args| set(&mut args.backoff, input.parse()?),
    },
    Key {
        name: "name",
        example: "name = \"db::save\"",
        read: |input, args| set(&mut args.name, name(input.parse()?)?),
    },
    Key {
        name: "crate",
        example: "crate = ::my_retry",
        read: |input, args| set(&mut args.krate, krate(input.parse()?)?),
    },
    Key { name: "sleeper", example: "sleeper = MySleeper", read: |input, args| set(&mut args.sleeper, input.parse()?) },
    Key { name: "budget", example: "budget = &BUDGET", read: |input, args| set(&mut args.budget, input.parse()?) },
    Key {
        name: "on_retry",
        example: "on_retry = |retry| eprintln!(\"retrying in {:?}\", retry.wait_for)",
        read: |input, args| set(&mut args.on_retry, input.parse()?),
    },
];

#[allow(clippy::unnecessary_wraps, reason = "the tail of each key's `read`, which returns a `syn::Result`")]
fn set<T>(slot: &mut Option<T>, value: T) -> syn::Result<()> {
    *slot = Some(value);
    Ok(())
}

/// The keys that configure the default schedule, which `backoff` replaces.
pub const WAIT_KEYS: &[&str] = &["wait_initial", "wait_max", "wait_jitter", "wait_exp_base"];

/// The arguments as given, each value already checked on its own.
#[derive(Default)]
pub struct Args {
    pub on: Option<On>,
    pub attempts: Option<Attempts>,
    pub timeout: Option<Wait>,
    pub wait_initial: Option<Wait>,
    pub wait_max: Option<Wait>,
    pub wait_jitter: Option<Wait>,
    pub wait_exp_base: Option<ExpBase>,
    pub backoff: Option<Expr>,
    pub name: Option<LitStr>,
    pub krate: Option<Path>,
    pub sleeper: Option<Expr>,
    pub budget: Option<Expr>,
    pub on_retry: Option<Expr>,
    /// Every key given, as written, for the checks that relate keys.
    pub given: Vec<Ident>,
}

impl Args {
    /// The key named `name`, if given.
    pub fn key(&self, name: &str) -> Option<&Ident> {
        self.given.iter().find(|key| *key == name)
    }
}

/// Which errors to retry.
pub enum On {
    /// `on = std::io::Error`: a type path whose last segment starts uppercase.
    Type(Type),
    /// `on = (A, B)`: a tuple of types.
    Types(Type),
    /// `on = |e| ..`, or a predicate function `on = is_transient` (a path whose
    /// last segment starts lowercase): given the function's error type.
    Closure(Expr),
    /// Any other expression: a value implementing `RetryOn`.
    Value(Expr),
}

/// `attempts = ..`.
pub enum Attempts {
    Limit(syn::LitInt, u32),
    Unlimited(Span),
    /// A constant expression of type `u32` (`attempts = MAX_ATTEMPTS`), checked at
    /// compile time by the expansion.
    Const(Expr),
}

/// A duration knob: `timeout` or one of the `wait_*`.
pub enum Wait {
    /// A literal, in exact nanoseconds.
    Nanos(u64, Span),
    /// `None` (only `timeout`).
    Unset(Span),
    /// An expression of type `Duration`.
    Expr(Expr),
}

/// `wait_exp_base = ..`.
pub struct ExpBase {
    pub value: f64,
}

/// Parses the attribute's arguments, reporting every bad key and value at once.
pub fn parse(tokens: TokenStream) -> syn::Result<Args> {
    (|input: ParseStream| {
        let mut args = Args::default();
        let mut errors = Errors::default();
        while !input.is_empty() {
            let ahead = input.fork();
            let key = Ident::parse_any(&ahead).ok();
            let lone = ahead.is_empty() || ahead.peek(Token![,]);
            match key {
                Some(key) if ahead.peek(Token![=]) => {
                    input.advance_to(&ahead);
                    let eq = input.parse::<Token![=]>()?;
                    read_value(input, key, eq, &mut args, &mut errors);
                }
                Some(key) if ahead.peek(Token![:]) && !ahead.peek(Token![::]) => {
                    input.advance_to(&ahead);
                    errors.push(syn::Error::new(
                        key.span(),
                        format!("a key takes its value after `=`, not `:`: `{key} = ..`"),
                    ));
                    skip_value(input);
                }
                Some(key) if lone && KEYS.iter().any(|k| key == k.name) => {
                    input.advance_to(&ahead);
                    errors.push(syn::Error::new(key.span(), needs_a_value(&key)));
                }
                Some(key) if lone && !starts_uppercase(&key) => {
                    input.advance_to(&ahead);
                    errors.push(unknown_key(&key));
                }
                // `#[retry(io::Error)]`, `#[retry(MyError)]`, `#[retry(|e| ..)]`, `#[retry(3)]`.
                _ => errors.push(missing_key(input)),
            }
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        errors.finish()?;
        Ok(args)
    })
    .parse2(tokens)
}

/// Reads the value of `key =`, recording any error so that the keys after it are
/// still checked.
fn read_value(input: ParseStream, key: Ident, eq: Token![=], args: &mut Args, errors: &mut Errors) {
    match KEYS.iter().find(|k| key == k.name) {
        None => {
            errors.push(unknown_key(&key));
            skip_value(input);
        }
        Some(_) if args.key(&key.to_string()).is_some() => {
            errors.push(syn::Error::new(key.span(), format!("`{key}` is given twice")));
            skip_value(input);
        }
        // `attempts =` and nothing: syn would say "expected an expression", and at
        // the whole attribute when the value is the last one.
        Some(_) if input.is_empty() || input.peek(Token![,]) => {
            errors.push(syn::Error::new(eq.span, needs_a_value(&key)));
        }
        Some(k) => {
            let fork = input.fork();
            match (k.read)(&fork, args).and_then(|()| end_of_value(&fork)) {
                Ok(()) => input.advance_to(&fork),
                Err(e) => {
                    errors.push(e);
                    skip_value(input);
                }
            }
        }
    }
    args.given.push(key);
}

fn needs_a_value(key: &Ident) -> String {
    match KEYS.iter().find(|k| key == k.name) {
        Some(k) => format!("`{key}` needs a value, e.g. `{}`", k.example),
        None => format!("`{key}` needs a value: `{key} = ..`"),
    }
}

/// A value with no key in front, consumed up to the next `,`: the error says
/// which key it needs, and for what `on` takes, shows the whole `on = ..`.
fn missing_key(input: ParseStream) -> syn::Error {
    let fork = input.fork();
    if let Ok(ty) = fork.parse::<Type>()
        && end_of_value(&fork).is_ok()
        && let Ok(Some(On::Type(ty) | On::Types(ty))) = On::from_type(ty)
    {
        input.advance_to(&fork);
        let on = render(ty.to_token_stream());
        return syn::Error::new_spanned(
            ty,
            format!("the key is missing: write `on = {on}` (the attribute takes `key = value` pairs)"),
        );
    }
    let fork = input.fork();
    if let Ok(expr) = fork.parse::<Expr>()
        && end_of_value(&fork).is_ok()
    {
        input.advance_to(&fork);
        let message = match ungroup(expr.clone()) {
            Expr::Closure(_) => "the key is missing: write `on = |e| ..` (the attribute takes `key = value` pairs)",
            _ => "the key is missing: the attribute takes `key = value` pairs, e.g. `attempts = 5`",
        };
        return syn::Error::new_spanned(expr, message);
    }
    let mut tokens = TokenStream::new();
    while !input.is_empty() && !input.peek(Token![,]) {
        if let Ok(token) = input.parse::<TokenTree>() {
            tokens.extend([token]);
        }
    }
    syn::Error::new_spanned(tokens, "expected `key = value`, e.g. `on = std::io::Error`")
}

/// Tokens as a person would write them (`io::Error`, `(A, B)`, `Duration::from_secs(5)`),
/// not as `to_string` spaces them (`io :: Error`), for errors that show code to write.
fn render(tokens: TokenStream) -> String {
    let mut out = String::new();
    // Whether the next token goes right after the previous one, without a space.
    let mut glued = true;
    let mut after_word = false;
    for token in tokens {
        let (text, glue_before, glue_after, word) = match &token {
            TokenTree::Ident(ident) => (ident.to_string(), false, false, true),
            TokenTree::Literal(lit) => (lit.to_string(), false, false, true),
            TokenTree::Punct(punct) => {
                let c = punct.as_char();
                let joint = punct.spacing() == Spacing::Joint;
                match c {
                    ':' if joint || out.ends_with(':') => (c.to_string(), true, true, false),
                    ',' | ';' | ':' => (c.to_string(), true, false, false),
                    '.' | '<' | '>' => (c.to_string(), true, true, false),
                    '&' | '\'' => (c.to_string(), false, true, false),
                    _ => (c.to_string(), false, joint, false),
                }
            }
            TokenTree::Group(group) => {
                let inner = render(group.stream());
                match group.delimiter() {
                    Delimiter::Parenthesis => (format!("({inner})"), after_word, false, true),
                    Delimiter::Bracket => (format!("[{inner}]"), after_word, false, true),
                    Delimiter::Brace => (format!("{{ {inner} }}"), false, false, true),
                    Delimiter::None => (inner, false, false, true),
                }
            }
        };
        if !(glued || glue_before) {
            out.push(' ');
        }
        out.push_str(&text);
        glued = glue_after;
        after_word = word;
    }
    out
}

/// Several errors reported together.
#[derive(Default)]
pub struct Errors(Option<syn::Error>);

impl Errors {
    pub fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(errors) => errors.combine(error),
            None => self.0 = Some(error),
        }
    }

    /// The value, or `None` after recording its error.
    pub fn take<T>(&mut self, result: syn::Result<T>) -> Option<T> {
        result.map_err(|e| self.push(e)).ok()
    }

    pub fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}

fn end_of_value(input: ParseStream) -> syn::Result<()> {
    if input.is_empty() || input.peek(Token![,]) { Ok(()) } else { Err(input.error("expected `,` between keys")) }
}

/// Skips a value that could not be read, so that the keys after it are still checked.
fn skip_value(input: ParseStream) {
    while !input.is_empty() && !input.peek(Token![,]) {
        let _ = input.parse::<proc_macro2::TokenTree>();
    }
}

/// Names other retry libraries use, and the key that means the same here.
const ALIASES: &[(&str, &str)] = &[
    ("retries", "attempts"),
    ("max_attempts", "attempts"),
    ("tries", "attempts"),
    ("stop_after_attempt", "attempts"),
    ("deadline", "timeout"),
    ("stop_after_delay", "timeout"),
    ("max_elapsed_time", "timeout"),
    ("errors", "on"),
    ("exceptions", "on"),
    ("retry_on", "on"),
    ("when", "on"),
    ("jitter", "wait_jitter"),
    ("factor", "wait_exp_base"),
    ("multiplier", "wait_exp_base"),
    ("delay", "wait_initial"),
    ("min_delay", "wait_initial"),
    ("max_delay", "wait_max"),
    ("notify", "on_retry"),
    ("before_sleep", "on_retry"),
    ("on_retries", "on_retry"),
];

fn unknown_key(key: &Ident) -> syn::Error {
    let written = key.unraw().to_string();
    let alias = ALIASES.iter().find(|(alias, _)| *alias == written).map(|(_, name)| *name);
    let nearest = || {
        KEYS.iter()
            .map(|k| (edit_distance(&written, k.name), k.name))
            .filter(|(distance, name)| {
                *distance <= 2.max(name.len() / 3) || (written.len() > 3 && written.starts_with(name))
            })
            .min()
            .map(|(_, name)| name)
    };
    let message = match alias.or_else(nearest) {
        Some(name) if written == "retries" => format!(
            "unknown key `{written}`; did you mean `{name}`? It counts the first call too: 3 retries are `attempts = 4`"
        ),
        Some(name) => format!("unknown key `{written}`; did you mean `{name}`?"),
        None => {
            let names: Vec<String> = KEYS.iter().map(|k| format!("`{}`", k.name)).collect();
            format!("unknown key `{written}`; the keys are {}", names.join(", "))
        }
    };
    syn::Error::new(key.span(), message)
}

/// Levenshtein distance, for "did you mean".
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1).min(row[j] + 1).min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// Looks through the invisible groups that `macro_rules!` puts around `$e:expr`.
fn ungroup(expr: Expr) -> Expr {
    match expr {
        Expr::Group(group) => ungroup(*group.expr),
        expr => expr,
    }
}

/// `{ MATCHER }` or `(matcher)` as the matcher: the braces only tell `on` that an
/// uppercase path is a value (parentheses do not: `(MATCHER)` was already read as
/// a type), and left in the call they would trip `unused_braces`.
fn unbrace(expr: Expr) -> Expr {
    match expr {
        Expr::Block(ExprBlock { attrs, label: None, block, .. })
            if attrs.is_empty() && matches!(block.stmts.as_slice(), [Stmt::Expr(_, None)]) =>
        {
            match block.stmts.into_iter().next() {
                Some(Stmt::Expr(inner, None)) => unbrace(inner),
                _ => Expr::Verbatim(TokenStream::new()),
            }
        }
        Expr::Paren(paren) if paren.attrs.is_empty() => unbrace(*paren.expr),
        expr => expr,
    }
}

fn is_none(expr: &Expr) -> bool {
    matches!(expr, Expr::Path(ExprPath { qself: None, path, .. }) if path.is_ident("None"))
}

/// `Some(x)` (or `Option::Some(x)`): the `x`. `attempts` and `timeout` take the
/// value itself or `None`, not an `Option`; given one, the type error would not
/// say that the `Some` is what is wrong.
fn some_value(expr: &Expr) -> Option<&Expr> {
    match expr {
        Expr::Call(call) if call.args.len() == 1 => match &*call.func {
            Expr::Path(ExprPath { qself: None, path, .. })
                if path.segments.last().is_some_and(|s| s.ident == "Some" && s.arguments.is_none())
                    && path.segments.iter().rev().nth(1).is_none_or(|s| s.ident == "Option") =>
            {
                call.args.first()
            }
            _ => None,
        },
        _ => None,
    }
}

/// A negated literal: `-1`, `-2.5`, `-"1s"`.
fn negated_literal(expr: &Expr) -> bool {
    matches!(expr, Expr::Unary(ExprUnary { op: UnOp::Neg(_), expr, .. }) if matches!(ungroup((**expr).clone()), Expr::Lit(_)))
}

/// Whether an identifier names a type by the convention `on` relies on.
fn starts_uppercase(ident: &Ident) -> bool {
    ident.unraw().to_string().starts_with(|c: char| c.is_uppercase())
}

fn is_type_path(ty: &Type) -> bool {
    match ty {
        Type::Path(TypePath { path, .. }) => path.segments.last().is_some_and(|s| starts_uppercase(&s.ident)),
        Type::Group(inner) => is_type_path(&inner.elem),
        Type::Paren(inner) => is_type_path(&inner.elem),
        _ => false,
    }
}

/// `(T)` as `T`: parentheses around one type are no tuple (that is `(T,)`), and
/// left in they would trip `unused_parens`.
fn unparen(ty: Type) -> Type {
    match ty {
        Type::Paren(inner) => unparen(*inner.elem),
        ty => ty,
    }
}

/// A path that names a value where `on` expects a type: `io::ErrorKind::TimedOut`,
/// `errors::Net::Timeout`. `module::Type::Name` is never a type on stable Rust
/// (an associated type behind a concrete type needs `<Type as Trait>::Name`), so
/// after a lowercase segment, two uppercase ones are a variant or a constant;
/// and a path through `ErrorKind` is one too (no type parameter is called
/// that). `Enum::Variant` alone is left to the compiler: it reads just like
/// `T::Error` or `Self::Error`, which are types.
fn names_a_value(ty: &Type) -> Option<&syn::Path> {
    let Type::Path(TypePath { qself: None, path }) = ty else { return None };
    let segments: Vec<&Ident> = path.segments.iter().map(|s| &s.ident).collect();
    match segments.as_slice() {
        [.., module, ty, value] if !starts_uppercase(module) && starts_uppercase(ty) && starts_uppercase(value) => {
            Some(path)
        }
        [.., kind, value] if *kind == "ErrorKind" && starts_uppercase(value) => Some(path),
        _ => None,
    }
}

fn value_not_a_type(path: &syn::Path) -> syn::Error {
    let written = render(path.to_token_stream());
    let closure = match path.segments.iter().rev().nth(1) {
        Some(kind) if kind.ident == "ErrorKind" => format!("on = |e| e.kind() == {written}"),
        _ => format!("on = |e| matches!(e, {written} {{ .. }})"),
    };
    syn::Error::new_spanned(
        path,
        format!(
            "`{written}` is a value (an enum variant or a constant), not an error type: to retry on it, write `{closure}`"
        ),
    )
}

impl On {
    fn parse(input: ParseStream) -> syn::Result<On> {
        let closure_ahead = input.peek(Token![|]) || input.peek(Token![||]) || input.peek(Token![move]);
        if !closure_ahead {
            let fork = input.fork();
            if let Ok(ty) = fork.parse::<Type>()
                && end_of_value(&fork).is_ok()
                && let Some(on) = On::from_type(ty)?
            {
                input.advance_to(&fork);
                return Ok(on);
            }
        }
        let expr = ungroup(input.parse()?);
        Ok(match expr {
            Expr::Closure(closure) if closure.asyncness.is_some() => {
                return Err(syn::Error::new(
                    closure.asyncness.span(),
                    "`on` decides at once, so its closure cannot be `async`: return `bool` or `retry_core::Decision`",
                ));
            }
            Expr::Closure(_) => On::Closure(expr),
            Expr::Path(ExprPath { qself: None, ref path, .. })
                if path.segments.last().is_some_and(|s| !starts_uppercase(&s.ident)) =>
            {
                On::Closure(expr)
            }
            expr => On::Value(unbrace(expr)),
        })
    }

    /// `Some` if `ty` is one of the type forms of `on`.
    fn from_type(ty: Type) -> syn::Result<Option<On>> {
        let ty = unparen(ty);
        if let Some(value) = names_a_value(&ty) {
            return Err(value_not_a_type(value));
        }
        match ty {
            ty if is_type_path(&ty) => Ok(Some(On::Type(ty))),
            Type::Tuple(tuple) if tuple.elems.is_empty() => Err(syn::Error::new_spanned(
                tuple,
                "`on = ()` would retry nothing: name the error types to retry, e.g. `on = (std::io::Error, MyError)`",
            )),
            Type::Tuple(mut tuple) => {
                tuple.elems = tuple
                    .elems
                    .into_pairs()
                    .map(|pair| {
                        let (elem, comma) = pair.into_tuple();
                        syn::punctuated::Pair::new(unparen(elem), comma)
                    })
                    .collect();
                if let Some(value) = tuple.elems.iter().find_map(names_a_value) {
                    return Err(value_not_a_type(value));
                }
                if let Some(bad) = tuple.elems.iter().find(|elem| !is_type_path(elem)) {
                    return Err(syn::Error::new_spanned(
                        bad,
                        "a tuple in `on` lists error types (whose last path segment starts with an uppercase \
                         letter, e.g. `(std::io::Error, MyError)`); for a predicate, give it alone: `on = is_transient`",
                    ));
                }
                Ok(Some(On::Types(Type::Tuple(tuple))))
            }
            _ => Ok(None),
        }
    }

    pub fn span(&self) -> Span {
        match self {
            On::Type(ty) | On::Types(ty) => ty.span(),
            On::Closure(expr) | On::Value(expr) => expr.span(),
        }
    }
}

impl Attempts {
    fn from_expr(expr: Expr) -> syn::Result<Attempts> {
        let help = "`attempts` takes a whole number of at least 1 (the first call counts), or `None` for no limit";
        match ungroup(expr) {
            Expr::Lit(ExprLit { lit: Lit::Int(lit), .. }) => {
                let plain = format!("`attempts` is a plain whole number (`attempts = {}`)", lit.base10_digits());
                unsuffixed(lit.suffix(), lit.span(), &plain)?;
                match lit.base10_parse::<u32>() {
                    Ok(0) => Err(syn::Error::new(
                        lit.span(),
                        "`attempts = 0` would never call the function: give at least 1 (the first call counts), \
                         or `None` for no limit",
                    )),
                    Ok(n) => Ok(Attempts::Limit(lit, n)),
                    Err(_) => Err(syn::Error::new(lit.span(), format!("{help}; at most {}", u32::MAX))),
                }
            }
            expr if is_none(&expr) => Ok(Attempts::Unlimited(expr.span())),
            expr if some_value(&expr).is_some() => {
                let inner = some_value(&expr).map(|inner| render(inner.to_token_stream())).unwrap_or_default();
                Err(syn::Error::new_spanned(
                    expr,
                    format!(
                        "`attempts` takes the number itself: write `attempts = {inner}` (or `attempts = None` for no limit)"
                    ),
                ))
            }
            Expr::Lit(lit) => Err(syn::Error::new_spanned(lit, help)),
            expr if negated_literal(&expr) => Err(syn::Error::new_spanned(expr, help)),
            // A constant or a constant expression: its value is checked where the
            // expansion evaluates it, in a `const` block (a zero fails to compile).
            expr => Ok(Attempts::Const(expr)),
        }
    }
}

impl Wait {
    fn from_expr(key: &str, expr: Expr) -> syn::Result<Wait> {
        let expr = ungroup(expr);
        let span = expr.span();
        let nanos = match &expr {
            Expr::Lit(ExprLit { lit: Lit::Int(lit), .. }) => unsuffixed(lit.suffix(), span, SECONDS)
                .and_then(|()| duration::seconds_literal(lit.base10_digits()).map_err(|e| syn::Error::new(span, e))),
            Expr::Lit(ExprLit { lit: Lit::Float(lit), .. }) => unsuffixed(lit.suffix(), span, SECONDS)
                .and_then(|()| duration::seconds_literal(lit.base10_digits()).map_err(|e| syn::Error::new(span, e))),
            Expr::Lit(ExprLit { lit: Lit::Str(lit), .. }) => unsuffixed(lit.suffix(), span, SECONDS)
                .and_then(|()| duration::string_literal(&lit.value()).map_err(|e| syn::Error::new(span, e))),
            Expr::Lit(_) => Err(syn::Error::new(span, duration_help(key))),
            expr if negated_literal(expr) => Err(syn::Error::new_spanned(
                expr,
                format!("`{key}` cannot be negative: a wait or deadline is 0 or longer"),
            )),
            expr if is_none(expr) => {
                return if key == "timeout" {
                    Ok(Wait::Unset(span))
                } else {
                    Err(syn::Error::new(
                        span,
                        format!("`{key}` cannot be `None`: give a duration (`0` for none), e.g. `{key} = \"100ms\"`"),
                    ))
                };
            }
            expr if some_value(expr).is_some() => {
                let inner = some_value(expr).map(|inner| render(inner.to_token_stream())).unwrap_or_default();
                let none =
                    if key == "timeout" { format!(" (or `{key} = None` for no deadline)") } else { String::new() };
                Err(syn::Error::new_spanned(
                    expr,
                    format!("`{key}` takes the duration itself, not an `Option`: write `{key} = {inner}`{none}"),
                ))
            }
            _ => return Ok(Wait::Expr(expr)),
        };
        nanos.map(|nanos| Wait::Nanos(nanos, span))
    }
}

fn duration_help(key: &str) -> String {
    let none = if key == "timeout" { ", `None`" } else { "" };
    format!(
        "`{key}` takes seconds (`10`, `2.5`), a string with a unit (`\"1500ms\"`, `\"2s\"`, `\"3m\"`){none}, \
         or an expression of type `Duration`"
    )
}

/// No literal in the attribute takes a suffix: the key decides the type (seconds
/// for a duration, `u32` for `attempts`), and a suffix that disagrees with it
/// (`300u8`) would only mislead.
fn unsuffixed(suffix: &str, span: Span, rule: &str) -> syn::Result<()> {
    if suffix.is_empty() { Ok(()) } else { Err(syn::Error::new(span, format!("drop the `{suffix}` suffix: {rule}"))) }
}

const SECONDS: &str = "a number is seconds (`10`, `2.5`); a string carries a unit (\"1500ms\")";

impl ExpBase {
    fn from_expr(expr: Expr) -> syn::Result<ExpBase> {
        let expr = ungroup(expr);
        let value = match &expr {
            Expr::Lit(ExprLit { lit: Lit::Int(lit), .. }) => {
                unsuffixed(lit.suffix(), lit.span(), "`wait_exp_base` is a plain number (`2`, `1.5`)")?;
                lit.base10_parse::<f64>().ok()
            }
            Expr::Lit(ExprLit { lit: Lit::Float(lit), .. }) => {
                unsuffixed(lit.suffix(), lit.span(), "`wait_exp_base` is a plain number (`2`, `1.5`)")?;
                lit.base10_parse::<f64>().ok()
            }
            _ => None,
        };
        match value {
            Some(value) if value.is_finite() && value >= 1.0 => Ok(ExpBase { value }),
            _ => Err(syn::Error::new_spanned(
                expr,
                "`wait_exp_base` is the growth factor of the waits: a number literal of at least 1, e.g. `2` or `1.5`",
            )),
        }
    }
}

fn name(expr: Expr) -> syn::Result<LitStr> {
    match ungroup(expr) {
        Expr::Lit(ExprLit { lit: Lit::Str(lit), .. }) if lit.value().is_empty() => {
            Err(syn::Error::new(lit.span(), "`name` cannot be empty"))
        }
        Expr::Lit(ExprLit { lit: Lit::Str(lit), .. }) => Ok(lit),
        expr => Err(syn::Error::new_spanned(
            expr,
            "`name` takes a string literal, e.g. `name = \"db::save\"` (hooks and metrics show it)",
        )),
    }
}

fn krate(expr: Expr) -> syn::Result<Path> {
    match ungroup(expr) {
        Expr::Path(ExprPath { qself: None, path, attrs }) if attrs.is_empty() => {
            if let Some(args) = path.segments.iter().find(|s| !s.arguments.is_none()) {
                return Err(syn::Error::new_spanned(&args.arguments, "`crate` takes a path without generic arguments"));
            }
            Ok(path)
        }
        expr => Err(syn::Error::new_spanned(
            expr,
            "`crate` takes the path of retry-core as your crate names it, e.g. `crate = ::my_retry`",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn error(tokens: TokenStream) -> String {
        match parse(tokens) {
            Ok(_) => panic!("expected an error"),
            Err(e) => e.into_iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"),
        }
    }

    #[test]
    fn reads_every_form() {
        let args = parse(quote!(
            on = std::io::Error,
            attempts = None,
            timeout = 2.5,
            wait_initial = "1500ms",
            wait_max = Duration::from_secs(1),
            wait_jitter = 0,
            wait_exp_base = 3,
            name = "x",
            crate = ::r,
            sleeper = S
        ))
        .unwrap();
        assert!(matches!(args.on, Some(On::Type(_))));
        assert!(matches!(args.attempts, Some(Attempts::Unlimited(_))));
        assert!(matches!(args.timeout, Some(Wait::Nanos(2_500_000_000, _))));
        assert!(matches!(args.wait_initial, Some(Wait::Nanos(1_500_000_000, _))));
        assert!(matches!(args.wait_max, Some(Wait::Expr(_))));
        assert!(matches!(args.wait_jitter, Some(Wait::Nanos(0, _))));
        assert_eq!(args.wait_exp_base.map(|b| b.value), Some(3.0));
        assert_eq!(args.given.len(), 10);
    }

    #[test]
    fn on_forms() {
        let on = |tokens| parse(tokens).unwrap().on.unwrap();
        assert!(matches!(on(quote!(on = io::Error)), On::Type(_)));
        assert!(matches!(on(quote!(on = MyError<A, B>)), On::Type(_)));
        assert!(matches!(on(quote!(on = <T as Trait>::Error)), On::Type(_)));
        assert!(matches!(on(quote!(on = (io::Error, fmt::Error))), On::Types(_)));
        assert!(matches!(on(quote!(on = |e| e.is_timeout())), On::Closure(_)));
        assert!(matches!(on(quote!(on = move |e: &E| true)), On::Closure(_)));
        assert!(matches!(on(quote!(on = is_transient)), On::Closure(_)));
        assert!(matches!(on(quote!(on = errors::is_transient)), On::Closure(_)));
        assert!(matches!(on(quote!(on = Matcher::new())), On::Value(_)));
        assert!(matches!(on(quote!(on = { MATCHER })), On::Value(_)));
        // Parentheses around one type are that type (a 1-tuple is `(T,)`).
        assert!(matches!(on(quote!(on = (io::Error))), On::Type(Type::Path(_))));
        assert!(matches!(on(quote!(on = (io::Error))), On::Type(Type::Path(_))));
        assert!(matches!(on(quote!(on = (io::Error,))), On::Types(_)));
        assert!(matches!(on(quote!(on = ((io::Error), fmt::Error))), On::Types(_)));
        // Types that look like `Enum::Variant` but are not values.
        assert!(matches!(on(quote!(on = Self::Error)), On::Type(_)));
        assert!(matches!(on(quote!(on = T::Error)), On::Type(_)));
        assert!(matches!(on(quote!(on = <T as Trait>::Error)), On::Type(_)));
    }

    #[test]
    fn a_value_without_a_key_says_which_key() {
        let e = error(quote!(io::Error));
        assert!(e.contains("the key is missing: write `on = io::Error`"), "{e}");
        let e = error(quote!(attempts = 3, (io::Error, std::fmt::Error)));
        assert!(e.contains("write `on = (io::Error, std::fmt::Error)`"), "{e}");
        let e = error(quote!(MyError<T>));
        assert!(e.contains("write `on = MyError<T>`"), "{e}");
        assert!(error(quote!(|e| true)).contains("write `on = |e| ..`"));
        assert!(error(quote!(on = io::Error, 3)).contains("`key = value` pairs, e.g. `attempts = 5`"));
        assert!(error(quote!(on: io::Error)).contains("after `=`, not `:`: `on = ..`"));
        assert!(error(quote!(bogus)).contains("unknown key `bogus`"));
    }

    #[test]
    fn a_key_without_a_value_shows_one() {
        assert!(error(quote!(on = io::Error, attempts =)).contains("`attempts` needs a value, e.g. `attempts = 5`"));
        let e = error(quote!(on = io::Error, timeout = , attempts = 0));
        assert!(e.contains("`timeout` needs a value, e.g. `timeout = \"30s\"`"), "{e}");
        assert!(e.contains("`attempts = 0` would never call"), "the keys after it are still checked: {e}");
        assert!(error(quote!(on =)).contains("`on` needs a value, e.g. `on = std::io::Error`"));
    }

    #[test]
    fn an_option_where_the_value_goes_says_to_drop_some() {
        let e = error(quote!(timeout = Some(PATIENCE)));
        assert!(e.contains("write `timeout = PATIENCE` (or `timeout = None` for no deadline)"), "{e}");
        let e = error(quote!(wait_max = Option::Some(Duration::from_secs(5))));
        assert!(e.contains("write `wait_max = Duration::from_secs(5)`"), "{e}");
        assert!(error(quote!(attempts = Some(3))).contains("write `attempts = 3`"));
    }

    #[test]
    fn a_variant_is_not_an_error_type() {
        let e = error(quote!(on = io::ErrorKind::TimedOut));
        assert!(e.contains("`io::ErrorKind::TimedOut` is a value"), "{e}");
        assert!(e.contains("write `on = |e| e.kind() == io::ErrorKind::TimedOut`"), "{e}");
        assert!(error(quote!(on = ErrorKind::TimedOut)).contains("e.kind() == ErrorKind::TimedOut"));
        let e = error(quote!(on = (fmt::Error, errors::Net::Timeout)));
        assert!(e.contains("write `on = |e| matches!(e, errors::Net::Timeout { .. })`"), "{e}");
    }

    #[test]
    fn no_number_takes_a_suffix() {
        assert!(
            error(quote!(attempts = 300u8))
                .contains("drop the `u8` suffix: `attempts` is a plain whole number (`attempts = 300`)")
        );
        assert!(error(quote!(attempts = 3u32)).contains("drop the `u32` suffix"));
        assert!(
            error(quote!(wait_exp_base = 2f64)).contains("drop the `f64` suffix: `wait_exp_base` is a plain number")
        );
        assert!(error(quote!(wait_initial = 0.5f32)).contains("drop the `f32` suffix: a number is seconds"));
    }

    #[test]
    fn attempts_takes_a_constant_expression() {
        let attempts = |tokens| parse(tokens).unwrap().attempts.unwrap();
        assert!(matches!(attempts(quote!(attempts = ATTEMPTS)), Attempts::Const(_)));
        assert!(matches!(attempts(quote!(attempts = config::ATTEMPTS + 1)), Attempts::Const(_)));
        assert!(matches!(attempts(quote!(attempts = Self::ATTEMPTS)), Attempts::Const(_)));
        assert!(matches!(attempts(quote!(attempts = 3)), Attempts::Limit(_, 3)));
        assert!(error(quote!(attempts = -1)).contains("whole number of at least 1"));
        assert!(error(quote!(attempts = "3")).contains("whole number of at least 1"));
    }

    #[test]
    fn reports_every_bad_key() {
        let e = error(quote!(attempt = 3, on = io::Error, on = x, timeout = "2h", wait_max = -1, bogus = 1));
        assert!(e.contains("unknown key `attempt`; did you mean `attempts`?"), "{e}");
        assert!(e.contains("`on` is given twice"), "{e}");
        assert!(e.contains("unknown unit `h`"), "{e}");
        assert!(e.contains("`wait_max` cannot be negative"), "{e}");
        assert!(e.contains("unknown key `bogus`; the keys are `on`, `attempts`"), "{e}");
        let e = error(quote!(retries = 3, wait_maximum = 2, deadline = 1));
        assert!(e.contains("`retries`; did you mean `attempts`? It counts the first call too"), "{e}");
        assert!(e.contains("`wait_maximum`; did you mean `wait_max`?"), "{e}");
        assert!(e.contains("`deadline`; did you mean `timeout`?"), "{e}");
    }

    #[test]
    fn rejects_bad_values() {
        assert!(error(quote!(attempts = 0)).contains("`attempts = 0` would never call"));
        assert!(error(quote!(wait_initial = None)).contains("cannot be `None`"));
        assert!(error(quote!(wait_exp_base = 0.5)).contains("at least 1"));
        assert!(error(quote!(name = 3)).contains("string literal"));
        assert!(error(quote!(crate = "retry_core")).contains("path"));
        assert!(error(quote!(on = ())).contains("retry nothing"));
        assert!(error(quote!(on = (io::Error, is_transient))).contains("lists error types"));
        assert!(error(quote!(on)).contains("`on` needs a value"));
        assert!(error(quote!(timeout = 10u64)).contains("suffix"));
        assert!(error(quote!(attempts = 3 4)).contains("expected `,`"));
    }

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("attempt", "attempts"), 1);
        assert_eq!(edit_distance("", "on"), 2);
        assert_eq!(edit_distance("timout", "timeout"), 1);
    }
}
