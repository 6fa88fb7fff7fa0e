//! Where the host nested the router: every link and redirect starts with this prefix, so that the pages
//! work under `/admin/flags`, `/ops/flags` or the root alike.

use axum::extract::{FromRequestParts, OriginalUri};
use axum::http::request::Parts;

/// The path the router is nested at, without a trailing slash (empty at the root).
#[derive(Debug, Clone)]
pub(crate) struct Base(pub String);

impl Base {
    /// The prefix of the request in `parts`: its original path less the path the router saw.
    pub fn of(parts: &Parts) -> Base {
        let inner = parts.uri.path();
        let original = parts
            .extensions
            .get::<OriginalUri>()
            .map_or(inner, |original| original.0.path());
        let prefix = original
            .strip_suffix(inner)
            .or_else(|| (inner == "/").then_some(original))
            .unwrap_or("");
        Base(prefix.trim_end_matches('/').to_owned())
    }

    /// The list's address: the prefix itself (axum's `nest` does not route its trailing slash), or `/` at
    /// the root.
    pub fn home(&self) -> String {
        if self.0.is_empty() {
            "/".to_owned()
        } else {
            self.0.clone()
        }
    }

    /// `path` (starting with `/`) under the prefix.
    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Base {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Base::of(parts))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    fn base(original: &str, inner: &str) -> String {
        let (mut parts, ()) = Request::get(inner)
            .body(())
            .map(Request::into_parts)
            .unwrap_or_else(|_| unreachable!());
        if let Ok(uri) = original.parse() {
            parts.extensions.insert(OriginalUri(uri));
        }
        Base::of(&parts).0
    }

    #[test]
    fn prefix_of_nested_paths() {
        assert_eq!(base("/admin/flags", "/"), "/admin/flags");
        assert_eq!(base("/admin/flags/", "/"), "/admin/flags");
        assert_eq!(base("/admin/flags/flags/x", "/flags/x"), "/admin/flags");
        assert_eq!(base("/flags/x", "/flags/x"), "");
        assert_eq!(base("/", "/"), "");
    }
}
