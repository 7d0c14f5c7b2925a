//! [`Protocol`]: which of Apple's APIs a client configuration was read through.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Which of Apple's APIs a client configuration was read through.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// Apps and Books API v2 (`GET /client/config`, ownership in `mdmInfo`); `"v2"`.
    #[default]
    V2,
    /// The legacy VPP API (`VPPClientConfigSrv`, ownership in `clientContext`); `"v1"`.
    V1,
}

impl Protocol {
    /// `v2` or `v1`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V2 => "v2",
            Self::V1 => "v1",
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
