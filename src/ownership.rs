//! Who manages a location: our [`MdmIdentity`], another MDM ([`MdmOwner`]) and the
//! [`Ownership`] verdict.
//!
//! Apple allows one MDM per location; two at once allocate licenses unpredictably. An MDM
//! writes its identity into the location's client configuration (v2 `mdmInfo`, legacy
//! `clientContext`) and checks it on every read. The verdict is decided by the **id** (legacy:
//! `guid`) alone, never by name or host name, which anyone can copy.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::wire::MdmInfo;

/// Apple's limit on `mdmInfo.id`, in characters: 100.
pub const MAX_MDM_ID_CHARS: usize = 100;
/// Apple's limit on `mdmInfo.name`, in characters: 100.
pub const MAX_MDM_NAME_CHARS: usize = 100;
/// Apple's limit on `mdmInfo.metadata`, in characters: 255.
pub const MAX_MDM_METADATA_CHARS: usize = 255;

/// Who we are: the MDM install (or site) that claims locations.
///
/// - `id`: stable for this install or site, e.g. a UUID generated once and stored. It
///   decides ownership, so never derive it from something that changes (a host name).
/// - `name`: shown to admins of other MDMs that find the location claimed.
/// - `metadata`: e.g. the server's host name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct MdmIdentity {
    id: String,
    name: String,
    metadata: String,
}

impl MdmIdentity {
    /// Starts an identity; name each field, then [`MdmIdentityBuilder::build`] checks
    /// them against Apple's limits:
    ///
    /// ```
    /// use apple_vpp::MdmIdentity;
    ///
    /// let us = MdmIdentity::builder()
    ///     .id("29dd58b6-5a7e-4f0e-9d43-2f6f1d1c0a11")
    ///     .name("Example MDM")
    ///     .metadata("mdm.example.com")
    ///     .build()?;
    /// assert_eq!(us.name(), "Example MDM");
    /// # Ok::<(), apple_vpp::IdentityError>(())
    /// ```
    pub fn builder() -> MdmIdentityBuilder {
        MdmIdentityBuilder::default()
    }

    /// The stable id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The name shown to admins.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The metadata (e.g. host name).
    pub fn metadata(&self) -> &str {
        &self.metadata
    }

    /// As v2 `mdmInfo` (the same as `MdmInfo::from(&identity)`).
    pub fn to_mdm_info(&self) -> MdmInfo {
        MdmInfo::from(self)
    }

    /// As a legacy `clientContext` string: `{"hostname":<metadata>,"guid":<id>}`.
    pub fn legacy_client_context(&self) -> String {
        serde_json::json!({ "hostname": self.metadata, "guid": self.id }).to_string()
    }

    /// Whether `owner` is exactly us (same id, name and metadata), so nothing needs
    /// rewriting.
    pub fn matches_exactly(&self, owner: &MdmOwner) -> bool {
        owner.id.as_deref() == Some(&self.id)
            && owner.name.as_deref() == Some(&self.name)
            && owner.metadata.as_deref().unwrap_or("") == self.metadata
    }

    /// Whether a legacy `clientContext` owner is exactly us: same guid (our id) and
    /// hostname (our metadata). v1 records no name.
    pub fn matches_legacy_context(&self, owner: &MdmOwner) -> bool {
        owner.id.as_deref() == Some(&self.id)
            && owner.metadata.as_deref().unwrap_or("") == self.metadata
    }
}

impl From<MdmInfo> for MdmOwner {
    /// From v2 `mdmInfo`, moving its strings.
    fn from(info: MdmInfo) -> Self {
        Self {
            id: info.id.and_then(known),
            name: info.name.and_then(known),
            metadata: info.metadata.and_then(known),
        }
    }
}

impl<'de> Deserialize<'de> for MdmIdentity {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Raw {
            id: String,
            name: String,
            #[serde(default)]
            metadata: String,
        }
        let raw = Raw::deserialize(d)?;
        Self::builder()
            .id(raw.id)
            .name(raw.name)
            .metadata(raw.metadata)
            .build()
            .map_err(serde::de::Error::custom)
    }
}

impl From<&MdmIdentity> for MdmInfo {
    /// Our identity as v2 `mdmInfo`, all three fields set.
    fn from(identity: &MdmIdentity) -> Self {
        MdmInfo::default()
            .with_id(&identity.id)
            .with_name(&identity.name)
            .with_metadata(&identity.metadata)
    }
}

/// Builds an [`MdmIdentity`]; see [`MdmIdentity::builder`]. Each field is named, so two
/// cannot be swapped silently.
#[derive(Debug, Clone, Default)]
pub struct MdmIdentityBuilder {
    id: String,
    name: String,
    metadata: String,
}

impl MdmIdentityBuilder {
    /// The stable id of this install or site (required, at most 100 characters), e.g. a
    /// UUID generated once and stored. It decides ownership.
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = id.into();
        self
    }

    /// The name shown to admins of other MDMs (required, at most 100 characters).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Metadata, e.g. the server's host name (optional, at most 255 characters).
    pub fn metadata(mut self, metadata: impl Into<String>) -> Self {
        self.metadata = metadata.into();
        self
    }

    /// Checks the fields against Apple's limits: id and name non-empty (an unset field is
    /// empty), id and name at most 100 characters, metadata at most 255.
    pub fn build(self) -> Result<MdmIdentity, IdentityError> {
        let Self { id, name, metadata } = self;
        for (field, value, max, required) in [
            ("id", &id, MAX_MDM_ID_CHARS, true),
            ("name", &name, MAX_MDM_NAME_CHARS, true),
            ("metadata", &metadata, MAX_MDM_METADATA_CHARS, false),
        ] {
            if required && value.trim().is_empty() {
                return Err(IdentityError::Empty { field });
            }
            let len = value.chars().count();
            if len > max {
                return Err(IdentityError::TooLong { field, len, max });
            }
        }
        Ok(MdmIdentity { id, name, metadata })
    }
}

/// Another MDM (or us) as recorded on a location: whatever is known of it.
///
/// From v2 `mdmInfo`: id, name, metadata. From a legacy `clientContext`: id = `guid`,
/// metadata = `hostname`, no name. An unreadable legacy context gives all `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MdmOwner {
    /// The owner's id (legacy: `guid`).
    pub id: Option<String>,
    /// The owner's name (v2 only).
    pub name: Option<String>,
    /// The owner's metadata (legacy: `hostname`).
    pub metadata: Option<String>,
}

impl MdmOwner {
    /// Sets the owner's id (legacy: `guid`); an empty string counts as unknown. Chain from
    /// [`MdmOwner::default`], e.g. to rebuild an owner an admin was shown and stored, for
    /// [`Takeover::AcceptFrom`]:
    ///
    /// ```
    /// use apple_vpp::{MdmOwner, Takeover};
    ///
    /// let shown = MdmOwner::default()
    ///     .with_id("29dd58b6-5a7e-4f0e-9d43-2f6f1d1c0a11")
    ///     .with_name("Other MDM")
    ///     .with_metadata("other.example");
    /// let consent = Takeover::AcceptFrom(shown);
    /// # let _ = consent;
    /// ```
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = known(id.into());
        self
    }

    /// Sets the owner's name (v2 only); an empty string counts as unknown.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = known(name.into());
        self
    }

    /// Sets the owner's metadata (legacy: `hostname`); an empty string counts as unknown.
    pub fn with_metadata(mut self, metadata: impl Into<String>) -> Self {
        self.metadata = known(metadata.into());
        self
    }

    /// From v2 `mdmInfo`.
    pub fn from_mdm_info(info: &MdmInfo) -> Self {
        Self::from(info.clone())
    }

    /// From a non-empty legacy `clientContext` (`{"hostname": ..., "guid": ...}`).
    pub fn from_legacy_context(context: &str) -> Self {
        let Ok(serde_json::Value::Object(map)) = serde_json::from_str(context) else {
            return Self::default();
        };
        let text = |k: &str| {
            map.get(k)
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
                .and_then(known)
        };
        Self {
            id: text("guid"),
            name: None,
            metadata: text("hostname"),
        }
    }

    /// Whether `other` is the same MDM as this one: by id when this one has an id, else
    /// by everything known (an owner without an id cannot be told apart otherwise).
    pub fn is_same_owner(&self, other: &MdmOwner) -> bool {
        match &self.id {
            Some(id) => other.id.as_ref() == Some(id),
            None => self == other,
        }
    }

    /// Whether nothing is known of the owner.
    pub fn is_unknown(&self) -> bool {
        self.id.is_none() && self.name.is_none() && self.metadata.is_none()
    }

    /// The best short label: the name, else the metadata (host name), else the id.
    pub fn label(&self) -> Option<&str> {
        self.name
            .as_deref()
            .or(self.metadata.as_deref())
            .or(self.id.as_deref())
    }
}

impl fmt::Display for MdmOwner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_unknown() {
            return f.write_str("an unknown MDM");
        }
        match &self.name {
            Some(name) => write!(f, "{name:?}")?,
            None => f.write_str("an MDM")?,
        }
        let details: Vec<String> = [
            self.metadata.as_ref().map(|m| format!("at {m}")),
            self.id.as_ref().map(|id| format!("id {id}")),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !details.is_empty() {
            write!(f, " ({})", details.join(", "))?;
        }
        Ok(())
    }
}

/// An empty value is an unknown one.
fn known(value: String) -> Option<String> {
    (!value.is_empty()).then_some(value)
}

/// Who manages a location, seen from our identity.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Ownership {
    /// No MDM has claimed it: claim it.
    Unclaimed,
    /// Claimed with our id (even if the recorded name or metadata differ).
    Ours,
    /// Claimed by another MDM: take it over only with the admin's explicit consent.
    ManagedElsewhere(MdmOwner),
}

impl Ownership {
    /// The verdict for `claim` (`None` = unclaimed) and our id.
    pub fn of(claim: Option<&MdmOwner>, our_id: &str) -> Self {
        match claim {
            None => Self::Unclaimed,
            Some(owner) if owner.id.as_deref() == Some(our_id) => Self::Ours,
            Some(owner) => Self::ManagedElsewhere(owner.clone()),
        }
    }

    /// `unclaimed`, `ours` or `other`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Unclaimed => "unclaimed",
            Self::Ours => "ours",
            Self::ManagedElsewhere(_) => "other",
        }
    }
}

/// The admin's answer to "another MDM manages this location: take it over?".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Takeover {
    /// Do not take over (the default).
    #[default]
    Refuse,
    /// Take over from whichever MDM holds the location.
    Accept,
    /// Take over only from this owner (the one the admin was shown); if another MDM holds
    /// the location by now, ask again. Compared by id when it has one, else in full.
    AcceptFrom(MdmOwner),
}

impl Takeover {
    /// Whether this answer allows taking the location from `owner`.
    pub fn allows(&self, owner: &MdmOwner) -> bool {
        match self {
            Self::Refuse => false,
            Self::Accept => true,
            Self::AcceptFrom(shown) => shown.is_same_owner(owner),
        }
    }
}

/// Why an [`crate::MdmIdentity`] is not acceptable to Apple.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdentityError {
    /// A required field is empty.
    #[error("the MDM identity's {field} is empty: set it in the MDM's Apps and Books settings")]
    Empty {
        /// `id` or `name`.
        field: &'static str,
    },
    /// A field is longer than Apple allows.
    #[error(
        "the MDM identity's {field} is {len} characters, more than Apple's limit of {max}: shorten it in the MDM's settings"
    )]
    TooLong {
        /// `id`, `name` or `metadata`.
        field: &'static str,
        /// Its length in characters.
        len: usize,
        /// Apple's limit.
        max: usize,
    },
}
