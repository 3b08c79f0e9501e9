//! A balancer's active health checks: HAProxy's layer 4 checks and `option httpchk`.

use serde::{Deserialize, Serialize};

/// HAProxy-style active health checks of a balancer's instances (`check inter I rise R fall F`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActiveCheck {
    /// `inter`: time between checks, ms (HAProxy default 2000).
    #[serde(default = "inter_2000")]
    pub inter_ms: u64,
    /// `rise`: consecutive successes to mark a server up (default 2).
    #[serde(default = "rise_2")]
    pub rise: u32,
    /// `fall`: consecutive failures to mark it down (default 3).
    #[serde(default = "fall_3")]
    pub fall: u32,
    /// A layer 7 check (HAProxy `option httpchk`): an HTTP request for a path, passing on the
    /// expected status. Absent: a layer 4 check, passing when the connection is accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpCheck>,
}

/// HAProxy `option httpchk GET PATH` with `http-check expect status S` (HAProxy 2.6,
/// doc/configuration.txt "option httpchk"). An instance that refuses the connection fails it; a
/// running one answers with its service's `health_status`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpCheck {
    /// The path requested (`GET`), e.g. `/healthz`.
    pub path: String,
    /// The one status that passes (`http-check expect status S`). Absent: HAProxy's implicit rule,
    /// any status from 200 to 399 (`http-check expect status 200-399`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect_status: Option<u16>,
}

impl HttpCheck {
    /// Whether an answer with `status` passes the check.
    pub fn passes(&self, status: u16) -> bool {
        crate::policy::health::http_check_passes(self.expect_status, status)
    }
}

fn inter_2000() -> u64 {
    2000
}
fn rise_2() -> u32 {
    2
}
fn fall_3() -> u32 {
    3
}

impl Default for ActiveCheck {
    fn default() -> Self {
        ActiveCheck { inter_ms: inter_2000(), rise: rise_2(), fall: fall_3(), http: None }
    }
}
