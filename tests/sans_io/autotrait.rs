//! Every public type of the crate (outside the `client` feature, which pins its own in
//! tests/client/client.rs) is `Send + Sync + 'static`, and every error is also a
//! `std::error::Error` that can go into a `Box<dyn Error + Send + Sync>`. This compiles or
//! fails to: a type that loses one of these (say, by holding an `Rc`) breaks the build
//! here rather than a user's.
//!
//! One line per type, grouped as `src/lib.rs` and `src/error.rs` export them; add the new
//! type here with the module that makes it public.

use apple_vpp::api::{
    Auth, Failure, GetClientConfig, GetServiceConfig, HttpRequest, Method, Replay, RetryPolicy,
    ServiceBase, SetClientConfig,
};
use apple_vpp::error::{
    AppleError, Base64Problem, BaseUrlError, ConfigureError, DateProblem, ErrorKind, ErrorNumber,
    IdentityError, LocationMismatch, RenewError, RequestError, ResponseError, TokenError,
    UpdateError,
};
use apple_vpp::wire::{
    ClientConfig, ClientConfigUpdate, ClientConfigUpdateBuilder, ErrorBody, ErrorCode, EventType,
    LegacyClientConfig, LegacyLocation, Limits, MdmInfo, NotificationType, NumberOrString,
    Platform, PricingParam, ProductType, ServiceConfig, Urls,
};
use apple_vpp::{
    AccountStatus, AdamId, AppleVerdict, ClaimState, Configure, EventId, ExpiryStatus, Location,
    LocationSnapshot, MdmIdentity, MdmOwner, Ownership, PendingClaim, Protocol, Renewal,
    RenewalPolicy, SecretString, Takeover, Verification, VppAccount, VppToken,
};
use apple_vpp::{ClaimOptions, Reclaim};

fn assert_send_sync<T: Send + Sync + 'static>() {}

fn assert_error<T: std::error::Error + Send + Sync + 'static>() {}

#[test]
fn domain_types() {
    // token, secret, expiry
    assert_send_sync::<VppToken>();
    assert_send_sync::<apple_vpp::token::VppTokenBuilder>();
    assert_send_sync::<SecretString>();
    assert_send_sync::<ExpiryStatus>();
    assert_send_sync::<RenewalPolicy>();
    // location, ownership
    assert_send_sync::<Location>();
    assert_send_sync::<LocationSnapshot>();
    assert_send_sync::<MdmIdentity>();
    assert_send_sync::<MdmOwner>();
    assert_send_sync::<Ownership>();
    assert_send_sync::<Takeover>();
    // account
    assert_send_sync::<VppAccount>();
    assert_send_sync::<Configure>();
    assert_send_sync::<PendingClaim>();
    assert_send_sync::<Verification>();
    assert_send_sync::<Renewal>();
    assert_send_sync::<AccountStatus>();
    assert_send_sync::<AppleVerdict>();
    assert_send_sync::<ClaimState>();
    // ids
    assert_send_sync::<AdamId>();
    assert_send_sync::<EventId>();
}

#[test]
fn wire_types() {
    assert_send_sync::<ClientConfig>();
    assert_send_sync::<ClientConfigUpdate>();
    assert_send_sync::<ClientConfigUpdateBuilder>();
    assert_send_sync::<MdmInfo>();
    assert_send_sync::<Platform>();
    assert_send_sync::<NotificationType>();
    assert_send_sync::<ServiceConfig>();
    assert_send_sync::<ErrorCode>();
    assert_send_sync::<Limits>();
    assert_send_sync::<Urls>();
    assert_send_sync::<LegacyClientConfig>();
    assert_send_sync::<LegacyLocation>();
    assert_send_sync::<NumberOrString>();
    assert_send_sync::<EventType>();
    assert_send_sync::<PricingParam>();
    assert_send_sync::<ProductType>();
    assert_send_sync::<ErrorBody>();
    assert_send_sync::<ErrorNumber>();
    assert_send_sync::<ErrorKind>();
}

#[test]
fn api_types() {
    assert_send_sync::<GetClientConfig>();
    assert_send_sync::<SetClientConfig<'static>>();
    assert_send_sync::<GetServiceConfig>();
    assert_send_sync::<HttpRequest>();
    assert_send_sync::<Method>();
    assert_send_sync::<Protocol>();
    assert_send_sync::<Auth>();
    assert_send_sync::<Replay>();
    assert_send_sync::<ServiceBase>();
    assert_send_sync::<RetryPolicy>();
    assert_send_sync::<Failure>();
}

#[test]
fn errors() {
    assert_error::<TokenError>();
    assert_error::<IdentityError>();
    assert_error::<ConfigureError>();
    assert_error::<RenewError>();
    assert_error::<LocationMismatch>();
    assert_error::<AppleError>();
    assert_error::<ResponseError>();
    assert_error::<UpdateError>();
    assert_error::<BaseUrlError>();
    assert_error::<RequestError>();
    assert_error::<Base64Problem>();
    // Part of an error: `Display`, not an error itself.
    assert_send_sync::<DateProblem>();
}

#[cfg(feature = "client")]
#[test]
fn client_types() {
    use apple_vpp::ConfigureOutcome;
    use apple_vpp::client::{
        BuildError, FlowError, LocationHandle, SendError, SubscribeFailure, SyncError,
        TransportKind, VppClient, VppClientBuilder, WriteError,
    };
    use apple_vpp::{ConfigureError, LocationMismatch, RenewRefusal};
    assert_send_sync::<VppClient>();
    assert_send_sync::<LocationHandle>();
    assert_send_sync::<VppClientBuilder>();
    assert_send_sync::<ConfigureOutcome>();
    assert_send_sync::<TransportKind>();
    assert_error::<SendError>();
    assert_send_sync::<SendError>();
    assert_error::<FlowError<ConfigureError>>();
    assert_send_sync::<FlowError<ConfigureError>>();
    assert_error::<FlowError<LocationMismatch>>();
    assert_error::<FlowError<RenewRefusal>>();
    assert_error::<FlowError<SubscribeFailure>>();
    assert_send_sync::<FlowError<SubscribeFailure>>();
    assert_error::<SyncError>();
    assert_send_sync::<SyncError>();
    assert_error::<WriteError>();
    assert_send_sync::<WriteError>();
    assert_error::<BuildError>();
}

#[test]
fn core_types_are_send_sync() {
    fn check<T: Send + Sync + 'static>() {}
    check::<VppAccount>();
    check::<Configure>();
    check::<apple_vpp::PendingClaim>();
    check::<LocationSnapshot>();
    check::<MdmIdentity>();
    check::<MdmOwner>();
    check::<Takeover>();
    check::<AccountStatus>();
    check::<ResponseError>();
    check::<ConfigureError>();
    check::<RenewError>();
    check::<IdentityError>();
    check::<apple_vpp::UpdateError>();
    check::<apple_vpp::LocationMismatch>();
    check::<AppleError>();
    check::<ClaimOptions>();
    check::<Reclaim>();
    check::<apple_vpp::Renewal>();
    check::<Protocol>();
    check::<Location>();
    check::<apple_vpp::MdmIdentityBuilder>();
}

#[test]
fn metadata_types() {
    use apple_vpp::api::{
        GetAppsMetadata, GetBooksMetadata, GetStorefronts, Host, LookupContentMetadata,
    };
    use apple_vpp::metadata::{
        AppMetadata, Artwork, BookMetadata, Metadata, MetadataPlatform, PlatformInfo, Storefront,
        StorefrontResolution, StorefrontSearch,
    };
    use apple_vpp::wire::{
        AppResource, BookResource, CatalogError, CatalogResponse, LookupResponse,
    };
    assert_send_sync::<GetAppsMetadata>();
    assert_send_sync::<GetBooksMetadata>();
    assert_send_sync::<GetStorefronts>();
    assert_send_sync::<LookupContentMetadata>();
    assert_send_sync::<Host>();
    assert_send_sync::<Metadata>();
    assert_send_sync::<AppMetadata>();
    assert_send_sync::<BookMetadata>();
    assert_send_sync::<PlatformInfo>();
    assert_send_sync::<MetadataPlatform>();
    assert_send_sync::<Artwork>();
    assert_send_sync::<Storefront>();
    assert_send_sync::<StorefrontSearch>();
    assert_send_sync::<StorefrontResolution>();
    assert_send_sync::<CatalogResponse<AppResource>>();
    assert_send_sync::<CatalogResponse<BookResource>>();
    assert_send_sync::<CatalogError>();
    assert_send_sync::<LookupResponse>();
    assert_error::<apple_vpp::error::StorefrontError>();
}

#[test]
fn user_creation_and_dedup_marks() {
    use apple_vpp::events::{
        CreationFailure, CreationOutcome, CreationPolicy, CreationStep, SendFailure, UserCreation,
    };
    use apple_vpp::notification::{Mark, MarkToken, MaxAgeTooLong};
    assert_send_sync::<UserCreation>();
    assert_send_sync::<CreationPolicy>();
    assert_send_sync::<CreationStep>();
    assert_send_sync::<CreationOutcome>();
    assert_send_sync::<CreationFailure>();
    assert_send_sync::<SendFailure>();
    assert_send_sync::<Mark>();
    assert_send_sync::<MarkToken>();
    assert_error::<MaxAgeTooLong>();
}
