//! The provider itself: what the SDK registers and calls. It holds only its options; every resolution is
//! [`resolve`](crate::resolve::resolve) over the runtime's string API.

use open_feature::provider::{FeatureProvider, ProviderMetadata, ResolutionDetails};
use open_feature::{
    EvaluationContext, EvaluationError, EvaluationErrorCode, EvaluationReason, EvaluationResult,
    StructValue, async_trait,
};

use crate::metadata::MetadataFields;
use crate::resolve::{DISABLED, NO_DEFAULT, resolve};

/// The program's flags as an OpenFeature provider. Register it once; every client of the SDK then reads
/// our flags.
///
/// ```
/// use flag_openfeature::FlagProvider;
/// use open_feature::{EvaluationErrorCode, EvaluationReason, OpenFeature};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// OpenFeature::singleton_mut().await.set_provider(FlagProvider::new()).await;
/// let client = OpenFeature::singleton().await.create_client();
///
/// // `new_api` is a static flag: decided at build time.
/// let details = client.get_bool_details("new_api", None, None).await.unwrap();
/// assert!(details.value);
/// assert_eq!(details.reason, Some(EvaluationReason::Static));
/// assert_eq!(details.variant.as_deref(), Some("on"));
///
/// let unknown = client.get_bool_details("new_apii", None, None).await.unwrap_err();
/// assert_eq!(unknown.code, EvaluationErrorCode::FlagNotFound);
/// let wrong_type = client.get_int_details("new_api", None, None).await.unwrap_err();
/// assert_eq!(wrong_type.code, EvaluationErrorCode::TypeMismatch);
/// # assert!(flag_runtime::flag!("new_api"));
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct FlagProvider {
    metadata: ProviderMetadata,
    fields: MetadataFields,
}

impl FlagProvider {
    /// The provider over every flag of the program, with [`MetadataFields::All`].
    ///
    /// ```
    /// use open_feature::provider::FeatureProvider;
    ///
    /// let provider = flag_openfeature::FlagProvider::new();
    /// assert_eq!(provider.metadata().name, "flag-runtime");
    /// ```
    pub fn new() -> Self {
        FlagProvider {
            metadata: ProviderMetadata::new("flag-runtime"),
            fields: MetadataFields::All,
        }
    }

    /// Chooses which facts `flag_metadata` carries.
    ///
    /// ```
    /// use flag_openfeature::{FlagProvider, MetadataFields};
    /// use open_feature::OpenFeature;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let provider = FlagProvider::new().with_metadata_fields(MetadataFields::Manifest);
    /// OpenFeature::singleton_mut().await.set_provider(provider).await;
    /// let client = OpenFeature::singleton().await.create_client();
    /// let details = client.get_bool_details("dark_mode", None, None).await.unwrap();
    /// assert!(details.flag_metadata.values.is_empty(), "dark_mode has no `metadata` table");
    /// # assert!(flag_runtime::flag!("dark_mode"));
    /// # }
    /// ```
    #[must_use]
    pub fn with_metadata_fields(mut self, fields: MetadataFields) -> Self {
        self.fields = fields;
        self
    }

    /// Which facts `flag_metadata` carries.
    ///
    /// ```
    /// use flag_openfeature::{FlagProvider, MetadataFields};
    ///
    /// assert_eq!(FlagProvider::new().metadata_fields(), MetadataFields::All);
    /// ```
    pub fn metadata_fields(&self) -> MetadataFields {
        self.fields
    }
}

impl Default for FlagProvider {
    fn default() -> Self {
        FlagProvider::new()
    }
}

#[async_trait]
impl FeatureProvider for FlagProvider {
    fn metadata(&self) -> &ProviderMetadata {
        &self.metadata
    }

    async fn resolve_bool_value(
        &self,
        flag_key: &str,
        evaluation_context: &EvaluationContext,
    ) -> EvaluationResult<ResolutionDetails<bool>> {
        resolve(self.fields, flag_key, evaluation_context)
    }

    async fn resolve_int_value(
        &self,
        flag_key: &str,
        evaluation_context: &EvaluationContext,
    ) -> EvaluationResult<ResolutionDetails<i64>> {
        resolve(self.fields, flag_key, evaluation_context)
    }

    async fn resolve_float_value(
        &self,
        flag_key: &str,
        evaluation_context: &EvaluationContext,
    ) -> EvaluationResult<ResolutionDetails<f64>> {
        resolve(self.fields, flag_key, evaluation_context)
    }

    async fn resolve_string_value(
        &self,
        flag_key: &str,
        evaluation_context: &EvaluationContext,
    ) -> EvaluationResult<ResolutionDetails<String>> {
        resolve(self.fields, flag_key, evaluation_context)
    }

    async fn resolve_struct_value(
        &self,
        flag_key: &str,
        evaluation_context: &EvaluationContext,
    ) -> EvaluationResult<ResolutionDetails<StructValue>> {
        resolve(self.fields, flag_key, evaluation_context)
    }
}

/// Why the caller's default applies, when `error` is how [`FlagProvider`] says so.
///
/// OpenFeature wants the caller's default, with reason `DISABLED`, for a disabled flag, and with reason
/// `DEFAULT` for a value flag without a `default` that no rule gave a value. The `open-feature` 0.3 SDK does
/// not pass the caller's default to providers, so `FlagProvider` returns an error instead, whose code is
/// `General("DISABLED")` or `General("DEFAULT")`: `unwrap_or(default)` then gives the caller's default, and
/// this function tells those two cases from real errors.
///
/// ```
/// use open_feature::{EvaluationError, EvaluationErrorCode, EvaluationReason};
///
/// let disabled = EvaluationError::builder()
///     .code(EvaluationErrorCode::General("DISABLED".to_owned()))
///     .build();
/// assert_eq!(flag_openfeature::caller_default_reason(&disabled), Some(EvaluationReason::Disabled));
///
/// let missing = EvaluationError::builder().code(EvaluationErrorCode::FlagNotFound).build();
/// assert_eq!(flag_openfeature::caller_default_reason(&missing), None);
/// ```
pub fn caller_default_reason(error: &EvaluationError) -> Option<EvaluationReason> {
    match &error.code {
        EvaluationErrorCode::General(code) if code == DISABLED => Some(EvaluationReason::Disabled),
        EvaluationErrorCode::General(code) if code == NO_DEFAULT => Some(EvaluationReason::Default),
        _ => None,
    }
}
