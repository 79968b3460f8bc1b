use std::borrow::Cow;
use std::fmt;

/// The name hooks and metrics give a retried callable.
///
/// A method's name needs its type, which the attribute only has as `Self`; it
/// keeps `type_name::<Self>` as a function pointer and joins the parts only when a
/// hook actually needs the text, so the success path never formats anything.
///
/// ```
/// use retry_core::engine::CallableName;
///
/// assert_eq!(CallableName::from("db::save").to_string(), "db::save");
/// struct Client;
/// let method = CallableName::method(std::any::type_name::<Client>, "get");
/// assert!(method.to_string().ends_with("Client::get"));
/// ```
#[derive(Clone, Debug)]
pub enum CallableName {
    /// A full name.
    Text(Cow<'static, str>),
    /// A method: its type's name (from `std::any::type_name`) and its own.
    Method {
        /// Returns the path of `Self`.
        self_type: fn() -> &'static str,
        /// The method's name.
        method: &'static str,
    },
}

impl CallableName {
    /// The name of a block or closure retried without a name.
    pub const BLOCK: CallableName = CallableName::Text(Cow::Borrowed(Self::BLOCK_NAME));

    /// The text of [`BLOCK`](Self::BLOCK).
    pub const BLOCK_NAME: &'static str = "<block>";

    /// The name of method `method` of the type whose path `self_type` returns.
    pub const fn method(self_type: fn() -> &'static str, method: &'static str) -> Self {
        CallableName::Method { self_type, method }
    }

    /// Calls `f` with the name as text, formatting only for methods.
    pub(crate) fn with_str<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        match self {
            CallableName::Text(text) => f(text),
            CallableName::Method { .. } => f(&self.to_string()),
        }
    }
}

impl From<&'static str> for CallableName {
    fn from(name: &'static str) -> Self {
        CallableName::Text(Cow::Borrowed(name))
    }
}

impl From<String> for CallableName {
    fn from(name: String) -> Self {
        CallableName::Text(Cow::Owned(name))
    }
}

impl From<Cow<'static, str>> for CallableName {
    fn from(name: Cow<'static, str>) -> Self {
        CallableName::Text(name)
    }
}

impl fmt::Display for CallableName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallableName::Text(text) => f.write_str(text),
            CallableName::Method { self_type, method } => write!(f, "{}::{method}", self_type()),
        }
    }
}
