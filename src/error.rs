//! Error types of the library.
//!
//! Every error a user can cause is an [`Error`] whose message names the place of the
//! mistake: the file, line and column ([`Loc`]) and the key (`policy.revenue_gdp`), or
//! the command-line flag. [`Error::exit_code`] maps user errors to exit code 2 and
//! internal ones to 1.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

/// A place in an input: a file (or a command-line argument) with a 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loc {
    /// The file name as the user gave it, or a description such as `--set 'a=1'`.
    pub source: Arc<str>,
    /// 1-based line; 0 when the place has no line (a command-line argument).
    pub line: u32,
    /// 1-based column; 0 when unknown.
    pub col: u32,
}

impl Loc {
    /// A place with no line and column, e.g. a command-line argument.
    pub fn whole(source: impl Into<Arc<str>>) -> Loc {
        Loc {
            source: source.into(),
            line: 0,
            col: 0,
        }
    }
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.source)
        } else {
            write!(f, "{}:{}:{}", self.source, self.line, self.col)
        }
    }
}

/// One mistake in a scenario: where, which key, and what is wrong (and what would be valid).
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    /// Where the offending value stands, when known.
    pub loc: Option<Loc>,
    /// The dotted key, e.g. `policy.growth_spending_gdp`, when the mistake concerns one.
    pub key: Option<String>,
    /// What is wrong and what would be valid.
    pub message: String,
}

impl Diagnostic {
    /// A diagnostic about `key` at `loc`.
    pub fn new(loc: Option<&Loc>, key: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            loc: loc.cloned(),
            key: Some(key.into()),
            message: message.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(loc) = &self.loc {
            write!(f, "{loc}: ")?;
        }
        if let Some(key) = &self.key {
            write!(f, "`{key}`: ")?;
        }
        write!(f, "{}", self.message)
    }
}

/// The list of diagnostics of one scenario, displayed one per line.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

/// Every error of the library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A scenario has one or more mistakes; all of them are listed.
    #[error("invalid scenario:\n{0}")]
    Scenario(Diagnostics),
    /// An input file could not be read.
    #[error("cannot read `{}`: {}", path.display(), describe_io(source))]
    Read {
        /// The file as given.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// An output file could not be written; nothing was left at `path`.
    #[error("cannot write `{path}`: {message}")]
    Write {
        /// The output path as given.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A command-line flag has a bad value.
    #[error("invalid value for {flag}: {message}")]
    Usage {
        /// The flag, e.g. `--set`.
        flag: String,
        /// What is wrong and what would be valid.
        message: String,
    },
    /// The projection broke down numerically (e.g. GDP turned non-positive).
    #[error("the projection breaks down in {year}: {message}")]
    Numerical {
        /// The calendar year in which it happened.
        year: i32,
        /// Why.
        message: String,
    },
    /// A data file (CSV input) is malformed.
    #[error("{loc}: {message}")]
    Data {
        /// Where.
        loc: Loc,
        /// What is wrong.
        message: String,
    },
    /// `compare --tolerance/--rtol` found differences beyond the tolerance (exit code 1,
    /// like `diff`); the message lists the worst rows.
    #[error("{0}")]
    Differences(String),
    /// A bug: an internal invariant does not hold.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// The process exit code for this error: 2 for anything the user can fix, 1 for internal
    /// errors and for differences found by `compare`.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Internal(_) | Error::Differences(_) => 1,
            _ => 2,
        }
    }

    /// A single-diagnostic scenario error.
    pub fn scenario(loc: Option<&Loc>, key: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Scenario(Diagnostics(vec![Diagnostic::new(loc, key, message)]))
    }

    /// A usage error naming the offending flag.
    pub fn usage(flag: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Usage {
            flag: flag.into(),
            message: message.into(),
        }
    }
}

/// An I/O error in words a user can act on (what is wrong, what to check), without the
/// operating system's error number.
pub fn describe_io(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::NotFound => {
            "no such file (check the name; a relative path is taken from the current directory)"
                .into()
        }
        K::PermissionDenied => "permission denied (check the file's permissions)".into(),
        K::IsADirectory => "it is a directory, not a file (give a file path)".into(),
        K::NotADirectory => "a part of the path is not a directory (check the path)".into(),
        _ => {
            let text = e.to_string();
            match text.find(" (os error") {
                Some(i) => text[..i].to_string(),
                None => text,
            }
        }
    }
}

/// The candidate most similar to `word` (Jaro–Winkler similarity in [0, 1]), with its
/// similarity; on a tie, the later candidate.
pub(crate) fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<(f64, &'a str)> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .max_by(|a, b| a.0.total_cmp(&b.0))
}

/// "Did you mean": the candidate closest to `word`, if its similarity is at least 0.8.
pub(crate) fn suggest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    closest(word, candidates)
        .filter(|(s, _)| *s >= 0.8)
        .map(|(_, c)| c)
}

/// Result alias of the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;
