//! One flag decided for one OpenFeature context: our evaluation turned into OpenFeature's resolution details
//! (value, variant, reason, metadata) or its error codes. Every resolution type goes through [`resolve`];
//! only reading the value differs between them ([`FromValue`]).

use flag_runtime::{Error, Reason, Value};
use open_feature::provider::ResolutionDetails;
use open_feature::{
    EvaluationContext, EvaluationError, EvaluationErrorCode, EvaluationReason, EvaluationResult,
};

use crate::context::with_context;
use crate::facts;
use crate::metadata::MetadataFields;
use crate::name::snake;
use crate::value::FromValue;

/// The code of the error [`FlagProvider`](crate::FlagProvider) returns when the flag is disabled, so that the
/// caller's default applies (see [`caller_default_reason`](crate::caller_default_reason)).
pub(crate) const DISABLED: &str = "DISABLED";

/// The code of the error returned when no rule chose a value and the flag declares no `default`.
pub(crate) const NO_DEFAULT: &str = "DEFAULT";

/// The flag `key` decided for `source`, as a `T`.
#[inline]
pub(crate) fn resolve<T: FromValue>(
    fields: MetadataFields,
    key: &str,
    source: &EvaluationContext,
) -> EvaluationResult<ResolutionDetails<T>> {
    let Some(facts) = facts::of(key) else {
        // Not one of the program's flags, in either spelling: the runtime's error says so, with the closest
        // name.
        let unknown = flag_runtime::flag_ref(&snake(key)).err();
        return Err(unknown.map_or_else(
            || {
                error(
                    EvaluationErrorCode::FlagNotFound,
                    format!("flag `{key}` is not among the program's flags"),
                )
            },
            runtime_error,
        ));
    };
    let name = facts.flag.name();
    let evaluation = match &facts.fixed {
        Some(fixed) => fixed.clone(),
        None => with_context(source, |context| facts.flag.evaluate(context))?,
    };
    let reason = open_feature_reason(evaluation.reason);
    if reason == EvaluationReason::Disabled {
        return Err(error(
            EvaluationErrorCode::General(DISABLED.to_owned()),
            format!("flag `{name}` is disabled: the caller's default applies"),
        ));
    }
    if evaluation.missing_user_id {
        return Err(error(
            EvaluationErrorCode::TargetingKeyMissing,
            format!("flag `{name}` rolls out by user id, and the context has no targeting key"),
        ));
    }
    let value = match (facts.value_type, evaluation.value) {
        // An on/off flag's value is its state.
        (None, _) => Value::Bool(evaluation.enabled),
        (Some(_), Some(value)) => value,
        (Some(_), None) => {
            return Err(error(
                EvaluationErrorCode::General(NO_DEFAULT.to_owned()),
                format!(
                    "flag `{name}` declares no default and no rule chose a value: the caller's default applies"
                ),
            ));
        }
    };
    let value = T::from_value(&value)?.ok_or_else(|| {
        let message = match facts.value_type {
            None => format!(
                "flag `{name}` is an on/off flag: resolve it as a boolean, not as a {}",
                T::NAME
            ),
            Some(declared) => format!(
                "flag `{name}` has {declared} values: resolve it as such, not as a {}",
                T::NAME
            ),
        };
        error(EvaluationErrorCode::TypeMismatch, message)
    })?;
    let variant = evaluation
        .variant
        .unwrap_or_else(|| if evaluation.enabled { "on" } else { "off" }.to_owned());
    // A value flag's deciding layer is the one that chose its value.
    let layer = evaluation.value_layer.unwrap_or(evaluation.layer);
    let flag_metadata = facts.metadata(fields, layer);
    Ok(ResolutionDetails {
        value,
        variant: Some(variant),
        reason: Some(reason),
        flag_metadata,
    })
}

fn open_feature_reason(reason: Reason) -> EvaluationReason {
    match reason {
        Reason::Static => EvaluationReason::Static,
        Reason::Default => EvaluationReason::Default,
        Reason::TargetingMatch => EvaluationReason::TargetingMatch,
        Reason::Split => EvaluationReason::Split,
        Reason::Disabled => EvaluationReason::Disabled,
        #[allow(unreachable_patterns)]
        _ => EvaluationReason::Unknown,
    }
}

fn runtime_error(runtime: Error) -> EvaluationError {
    let code = match runtime {
        Error::UnknownFlag { .. } => EvaluationErrorCode::FlagNotFound,
        _ => EvaluationErrorCode::General("GENERAL".to_owned()),
    };
    error(code, runtime.to_string())
}

fn error(code: EvaluationErrorCode, message: String) -> EvaluationError {
    EvaluationError {
        code,
        message: Some(message),
    }
}
