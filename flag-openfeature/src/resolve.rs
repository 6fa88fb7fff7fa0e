//! One flag decided for one OpenFeature context: our evaluation turned into OpenFeature's resolution details
//! (value, variant, reason, metadata) or its error codes. Every resolution type goes through [`resolve`];
//! only reading the value differs between them ([`FromValue`]).

use flag_manifest::Value;
use flag_runtime::{Error, Evaluation, FlagInfo, Mode};
use open_feature::provider::ResolutionDetails;
use open_feature::{
    EvaluationContext, EvaluationError, EvaluationErrorCode, EvaluationReason, EvaluationResult,
};

use crate::context::Converted;
use crate::facts;
use crate::metadata::{MetadataFields, with_layer};
use crate::name::FlagName;
use crate::value::FromValue;

/// The code of the error [`FlagProvider`](crate::FlagProvider) returns when the flag is disabled, so that the
/// caller's default applies (see [`caller_default_reason`](crate::caller_default_reason)).
pub(crate) const DISABLED: &str = "DISABLED";

/// The code of the error returned when no rule chose a value and the flag declares no `default`.
pub(crate) const NO_DEFAULT: &str = "DEFAULT";

/// The flag `key` decided for `source`, as a `T`.
pub(crate) fn resolve<T: FromValue>(
    fields: MetadataFields,
    key: &str,
    source: &EvaluationContext,
) -> EvaluationResult<ResolutionDetails<T>> {
    let name = FlagName::new(key);
    let converted = Converted::new(source)?;
    let context = converted.context(source);
    let evaluation = flag_runtime::evaluate(name.as_str(), &context).map_err(runtime_error)?;
    let facts = facts::of(name.as_str()).ok_or_else(|| {
        error(
            EvaluationErrorCode::FlagNotFound,
            format!("flag `{key}` is not among the program's flags"),
        )
    })?;
    let (reason, flag_metadata) = if facts.mode == Mode::Static {
        (EvaluationReason::Static, facts.metadata(fields))
    } else {
        let info = flag_runtime::flag_info(name.as_str()).map_err(runtime_error)?;
        let reason = dynamic_reason(&info, &evaluation);
        if reason == EvaluationReason::Default && needs_targeting_key(&info, source) {
            return Err(error(
                EvaluationErrorCode::TargetingKeyMissing,
                format!(
                    "flag `{}` rolls out by user id, and the context has no targeting key",
                    info.name
                ),
            ));
        }
        let metadata = match fields {
            MetadataFields::All => with_layer(facts.metadata(fields), info.layer),
            MetadataFields::Manifest => facts.metadata(fields),
        };
        (reason, metadata)
    };
    // An on/off flag's value is its state.
    let value = T::from_value(&Value::Bool(evaluation.enabled))?.ok_or_else(|| {
        error(
            EvaluationErrorCode::TypeMismatch,
            format!(
                "flag `{}` is an on/off flag, not a {} flag: resolve it as a boolean",
                name.as_str(),
                T::NAME
            ),
        )
    })?;
    let variant = evaluation
        .variant
        .unwrap_or_else(|| if evaluation.enabled { "on" } else { "off" }.to_owned());
    Ok(ResolutionDetails {
        value,
        variant: Some(variant),
        reason: Some(reason),
        flag_metadata,
    })
}

/// Why a dynamic flag has its value for this context.
fn dynamic_reason(info: &FlagInfo, evaluation: &Evaluation) -> EvaluationReason {
    // On/off flags: rules that apply turn the flag on for the contexts they match.
    let rules_apply = info
        .targeting
        .as_ref()
        .is_some_and(|targeting| targeting.applies && !targeting.rules.is_empty());
    if rules_apply && evaluation.enabled {
        EvaluationReason::TargetingMatch
    } else if !rules_apply && evaluation.variant.is_some() {
        EvaluationReason::Split
    } else {
        EvaluationReason::Default
    }
}

/// Whether the flag fell to its default only because the context has no targeting key: a rule that applies
/// rolls out by user id, which a context without one never matches.
fn needs_targeting_key(info: &FlagInfo, source: &EvaluationContext) -> bool {
    if source
        .targeting_key
        .as_deref()
        .is_some_and(|key| !key.is_empty())
    {
        return false;
    }
    let applies = info
        .targeting
        .as_ref()
        .is_some_and(|targeting| targeting.applies && !targeting.rules.is_empty());
    if !applies {
        return false;
    }
    let Ok(text) = flag_runtime::targeting_toml(info.name) else {
        return false;
    };
    let Ok(targeting) = flag_manifest::parse_flag_rules(&text) else {
        return false;
    };
    targeting.rules.iter().any(|rule| {
        rule.rollout
            .as_ref()
            .is_some_and(|rollout| rollout.stickiness == flag_manifest::Stickiness::UserId)
    })
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
