//! Protection that applies to every route of the pages and the API: state-changing requests from another
//! site are refused (cross-site request forgery), and every response carries headers that keep the pages
//! from being framed, sniffed or made to load anything from elsewhere.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Refuses (403) a state-changing request that a browser says comes from another site: its
/// `Sec-Fetch-Site` is neither `same-origin` nor `none`, or, without that header, its `Origin` is not this
/// host. A request with neither header is not a browser's cross-site request (browsers send `Origin` with
/// every cross-site POST) and goes on to authentication.
pub(crate) async fn same_origin_writes(request: Request, next: Next) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if safe {
        return next.run(request).await;
    }
    match cross_site(request.headers()) {
        None => next.run(request).await,
        Some(why) => {
            let message = format!("cross-site request refused: {why}");
            if request.uri().path().starts_with("/api/") {
                (
                    StatusCode::FORBIDDEN,
                    axum::Json(serde_json::json!({ "error": message })),
                )
                    .into_response()
            } else {
                (StatusCode::FORBIDDEN, message).into_response()
            }
        }
    }
}

/// Why the request comes from another site, if it does.
fn cross_site(headers: &HeaderMap) -> Option<String> {
    if let Some(site) = headers.get("sec-fetch-site") {
        return match site.to_str() {
            Ok("same-origin" | "none") => None,
            Ok(other) => Some(format!("Sec-Fetch-Site is {other}")),
            Err(_) => Some("Sec-Fetch-Site is not text".to_owned()),
        };
    }
    let origin = headers.get(header::ORIGIN)?;
    let host = headers
        .get(header::HOST)
        .and_then(|host| host.to_str().ok());
    let origin_host = origin
        .to_str()
        .ok()
        .and_then(|origin| origin.split_once("://"))
        .map(|(_, authority)| authority.trim_end_matches('/'));
    match (origin_host, host) {
        (Some(origin), Some(host)) if origin.eq_ignore_ascii_case(host) => None,
        _ => Some(format!(
            "Origin {} is not this host ({})",
            origin.to_str().unwrap_or("?"),
            host.unwrap_or("no Host header")
        )),
    }
}

/// What every response of the pages and the API carries: a content security policy that allows only this
/// router's own style sheet and script, no framing, no sniffing, no caching of flag states.
pub(crate) async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let set = |headers: &mut HeaderMap, name: header::HeaderName, value: &'static str| {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    };
    set(
        headers,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'; \
         form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(headers, header::REFERRER_POLICY, "same-origin");
    set(headers, header::CACHE_CONTROL, "no-store");
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn same_site_or_no_browser_passes() {
        assert_eq!(
            cross_site(&headers(&[("sec-fetch-site", "same-origin")])),
            None
        );
        assert_eq!(
            cross_site(&headers(&[("origin", "http://a:1"), ("host", "a:1")])),
            None
        );
        assert_eq!(cross_site(&headers(&[])), None);
    }

    #[test]
    fn other_sites_are_refused() {
        assert!(cross_site(&headers(&[("sec-fetch-site", "cross-site")])).is_some());
        assert!(cross_site(&headers(&[("sec-fetch-site", "same-site")])).is_some());
        assert!(cross_site(&headers(&[("origin", "http://evil"), ("host", "a:1")])).is_some());
        assert!(cross_site(&headers(&[("origin", "null"), ("host", "a:1")])).is_some());
    }
}
