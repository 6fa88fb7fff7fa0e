//! OFREP, OpenFeature's remote evaluation protocol (open-feature/protocol, `service/openapi.yaml`): an
//! OpenFeature SDK in any language sends `{"context": {..}}` and gets each flag decided for that context,
//! by the program's own rules. `targetingKey` is the user id; the other fields are properties that rules
//! read (`country`, `plan`, `app_version`...).

use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use flag_runtime::{Context, Error, FlagInfo};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::Shared;
use crate::api::read_body;

/// A flag decided for a context: OFREP's `evaluationSuccess`. The value is an on/off flag's state, or a
/// value flag's typed value (README: "Typed values"); the variant is the variant or value chosen, else `on`
/// or `off`.
///
/// ```json
/// {"key": "checkout_v2", "value": true, "reason": "TARGETING_MATCH", "variant": "one_page",
///  "metadata": {"layer": "compiled", "payload": "{\"steps\": 1}", "payloadType": "json"}}
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfrepSuccess {
    /// The flag's name.
    pub key: String,
    /// Whether it is on for the context (an on/off flag), or its value (a value flag).
    pub value: Value,
    /// OpenFeature's reason, as the runtime decided it ([`flag_runtime::Reason`]): `STATIC` (a static
    /// flag), `TARGETING_MATCH` (a rule matched), `SPLIT` (a partial rollout admitted the context, or a
    /// variant was chosen by weight), `DEFAULT` (no rule matched), `DISABLED` (a disabled value flag).
    pub reason: String,
    /// The variant chosen, or `on`/`off` for a flag without variants.
    pub variant: String,
    /// The layer that decided the plain state (`layer`), and the variant's payload (`payload`,
    /// `payloadType`) when it has one.
    pub metadata: Map<String, Value>,
}

/// A flag that could not be decided: OFREP's `evaluationFailure` and `flagNotFound`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OfrepFailure {
    /// The flag's name.
    pub key: String,
    /// `FLAG_NOT_FOUND`, `PARSE_ERROR`, `INVALID_CONTEXT` or `GENERAL`.
    pub error_code: String,
    /// What is wrong.
    pub error_details: String,
}

/// The context of a request, as owned text, from which a [`Context`] borrows.
#[derive(Debug, Default)]
struct Fields {
    targeting_key: Option<String>,
    properties: Vec<(String, String)>,
}

impl Fields {
    fn context(&self) -> Context<'_> {
        let mut context = Context::new();
        if let Some(key) = &self.targeting_key {
            context = context.user_id(key);
        }
        for (name, value) in &self.properties {
            context = context.property(name, value);
        }
        context
    }
}

/// Reads `{"context": {..}}` (an empty body is an empty context): `Err((code, details))` otherwise.
fn parse(body: &[u8]) -> Result<Fields, (&'static str, String)> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Fields::default());
    }
    let request: Value = serde_json::from_slice(body)
        .map_err(|error| ("PARSE_ERROR", format!("the body is not JSON: {error}")))?;
    let Value::Object(mut request) = request else {
        return Err((
            "PARSE_ERROR",
            "the body must be an object: {\"context\": {..}}".to_owned(),
        ));
    };
    let context = match request.remove("context") {
        None | Some(Value::Null) => return Ok(Fields::default()),
        Some(Value::Object(context)) => context,
        Some(_) => return Err(("INVALID_CONTEXT", "`context` must be an object".to_owned())),
    };
    let mut fields = Fields::default();
    for (name, value) in context {
        let text = match value {
            Value::Null => continue,
            Value::String(text) => text,
            Value::Bool(on) => on.to_string(),
            Value::Number(number) => number.to_string(),
            Value::Array(_) | Value::Object(_) => {
                return Err((
                    "INVALID_CONTEXT",
                    format!(
                        "context field `{name}`: only strings, numbers and booleans can be targeted"
                    ),
                ));
            }
        };
        if name == "targetingKey" {
            fields.targeting_key = Some(text);
        } else {
            fields.properties.push((name, text));
        }
    }
    Ok(fields)
}

/// Flag `key` decided for `fields`.
fn decide(key: &str, fields: &Fields) -> Result<OfrepSuccess, OfrepFailure> {
    let failure = |code: &str, error: Error| OfrepFailure {
        key: key.to_owned(),
        error_code: code.to_owned(),
        error_details: error.to_string(),
    };
    let evaluated =
        flag_runtime::evaluate(key, &fields.context()).map_err(|error| match error {
            Error::UnknownFlag { .. } => failure("FLAG_NOT_FOUND", error),
            error => failure("GENERAL", error),
        })?;
    let info = flag_runtime::flag_info(key).map_err(|error| failure("FLAG_NOT_FOUND", error))?;
    success(&info, evaluated)
}

fn success(
    info: &FlagInfo,
    evaluated: flag_runtime::Evaluation,
) -> Result<OfrepSuccess, OfrepFailure> {
    let value = match (info.value_type, evaluated.value) {
        // An on/off flag: its state.
        (None, _) => Value::Bool(evaluated.enabled),
        (Some(_), Some(value)) => json_value(value),
        // A value flag without a default that nothing chose a value for: OFREP has no "use the caller's
        // default" answer, so the SDK falls back to it through an error (reason ERROR).
        (Some(_), None) => {
            return Err(OfrepFailure {
                key: info.name.to_owned(),
                error_code: "GENERAL".to_owned(),
                error_details: format!(
                    "flag `{}` has no default value and no rule chose one for this context",
                    info.name
                ),
            });
        }
    };
    let mut metadata = Map::new();
    metadata.insert(
        "layer".to_owned(),
        Value::String(info.layer.as_str().to_owned()),
    );
    if let Some(payload) = &evaluated.payload {
        metadata.insert("payload".to_owned(), Value::String(payload.value.clone()));
        let kind = serde_json::to_value(payload.kind).unwrap_or(Value::Null);
        metadata.insert("payloadType".to_owned(), kind);
    }
    Ok(OfrepSuccess {
        key: info.name.to_owned(),
        value,
        // The runtime's own verdict, decided with the value (never guessed from the flag's shape).
        reason: evaluated.reason.as_str().to_owned(),
        variant: evaluated
            .variant
            .unwrap_or_else(|| if evaluated.enabled { "on" } else { "off" }.to_owned()),
        metadata,
    })
}

/// A typed value as JSON; an object's compact JSON text becomes the object itself.
fn json_value(value: flag_runtime::Value) -> Value {
    match value {
        flag_runtime::Value::Bool(on) => Value::Bool(on),
        flag_runtime::Value::Str(text) => Value::String(text.to_owned()),
        flag_runtime::Value::Int(number) => Value::from(number),
        flag_runtime::Value::Float(number) => Value::from(number),
        flag_runtime::Value::Object(json) => serde_json::from_str(json).unwrap_or(Value::Null),
        // `Value` may grow: a kind this version does not know is shown as its text.
        other => Value::String(format!("{other:?}")),
    }
}

/// `POST /ofrep/v1/evaluate/flags/{key}`.
pub(crate) async fn evaluate_one(
    State(_shared): State<Arc<Shared>>,
    Path(key): Path<String>,
    request: Request,
) -> Response {
    let body = match read_body(request.into_body()).await {
        Ok(body) => body,
        Err(failure) => return general(failure.status(), failure.message()),
    };
    let fields = match parse(&body) {
        Ok(fields) => fields,
        Err((code, details)) => {
            let failure = OfrepFailure {
                key,
                error_code: code.to_owned(),
                error_details: details,
            };
            return (StatusCode::BAD_REQUEST, Json(failure)).into_response();
        }
    };
    match decide(&key, &fields) {
        Ok(success) => Json(success).into_response(),
        Err(failure) if failure.error_code == "FLAG_NOT_FOUND" => {
            (StatusCode::NOT_FOUND, Json(failure)).into_response()
        }
        Err(failure) => (StatusCode::INTERNAL_SERVER_ERROR, Json(failure)).into_response(),
    }
}

/// `POST /ofrep/v1/evaluate/flags`: every flag for one context, with an `ETag` (`If-None-Match` gets 304
/// when nothing changed).
pub(crate) async fn evaluate_all(State(_shared): State<Arc<Shared>>, request: Request) -> Response {
    let if_none_match = request.headers().get(header::IF_NONE_MATCH).cloned();
    let body: Bytes = match read_body(request.into_body()).await {
        Ok(body) => body,
        Err(failure) => return general(failure.status(), failure.message()),
    };
    let fields = match parse(&body) {
        Ok(fields) => fields,
        Err((code, details)) => {
            let failure = serde_json::json!({ "errorCode": code, "errorDetails": details });
            return (StatusCode::BAD_REQUEST, Json(failure)).into_response();
        }
    };
    let flags: Vec<Value> = flag_runtime::flags()
        .iter()
        .map(|info| {
            let outcome = flag_runtime::evaluate(info.name, &fields.context());
            let decided = outcome
                .map_err(|error| OfrepFailure {
                    key: info.name.to_owned(),
                    error_code: "GENERAL".to_owned(),
                    error_details: error.to_string(),
                })
                .and_then(|evaluated| success(info, evaluated));
            match decided {
                Ok(success) => serde_json::to_value(success),
                Err(failure) => serde_json::to_value(failure),
            }
            .unwrap_or(Value::Null)
        })
        .collect();
    let body = serde_json::json!({ "flags": flags }).to_string();
    let mut hasher = DefaultHasher::new();
    body.hash(&mut hasher);
    let etag = format!("\"{:016x}\"", hasher.finish());
    let unchanged = if_none_match
        .as_ref()
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            value
                .split(',')
                .any(|tag| tag.trim() == etag || tag.trim() == "*")
        });
    let etag = HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"0\""));
    if unchanged {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    (
        [
            (header::ETAG, etag),
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
        ],
        body,
    )
        .into_response()
}

fn general(status: StatusCode, details: &str) -> Response {
    (status, Json(serde_json::json!({ "errorDetails": details }))).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_fields() {
        let fields = parse(br#"{"context": {"targetingKey": "42", "country": "NZ", "age": 7, "beta": true, "x": null}}"#)
            .unwrap_or_default();
        assert_eq!(fields.targeting_key.as_deref(), Some("42"));
        assert_eq!(
            fields.properties,
            [
                ("age".into(), "7".into()),
                ("beta".into(), "true".into()),
                ("country".into(), "NZ".into())
            ]
        );
        assert_eq!(parse(b"").map(|f| f.properties.len()), Ok(0));
    }

    #[test]
    fn bad_bodies() {
        assert_eq!(parse(b"{").map(|_| ()).map_err(|e| e.0), Err("PARSE_ERROR"));
        assert_eq!(
            parse(b"[]").map(|_| ()).map_err(|e| e.0),
            Err("PARSE_ERROR")
        );
        assert_eq!(
            parse(br#"{"context": 3}"#).map(|_| ()).map_err(|e| e.0),
            Err("INVALID_CONTEXT")
        );
        assert_eq!(
            parse(br#"{"context": {"a": [1]}}"#)
                .map(|_| ())
                .map_err(|e| e.0),
            Err("INVALID_CONTEXT")
        );
    }
}
