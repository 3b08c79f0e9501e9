//! Load balancers, one file per product family.
//!
//! Conventions:
//! - A balancer owns its per-peer state, built once from the config (`Vec` allocated at construction).
//! - `pick` takes `now_ns` and a slice of [`PeerStatus`], one per peer, with what the engine knows for
//!   this request (down, already tried by this request, full), and returns `Option<usize>`.
//! - Connection counts are kept by the balancer: the engine calls `on_start(peer)` when it dispatches a
//!   request to the peer it picked and `on_finish(peer, ...)` when that request ends. `pick` itself
//!   never changes connection counts (NGINX increments `conns` inside its get-peer function; calling
//!   `on_start` right after the pick is equivalent).

pub mod crc32;
pub mod envoy;
pub mod haproxy_fwlc;
pub mod haproxy_fwrr;
pub mod haproxy_map;
pub mod maglev;
pub mod nginx;
pub mod nginx_hash;
pub mod nginx_random;
pub mod ring_hash;
pub mod simple;
pub mod start;
pub mod xxhash;

pub use haproxy_fwrr::HaproxyRoundRobin;

pub use envoy::{EdfScheduler, EnvoyLeastRequest, EnvoyRoundRobin};
pub use haproxy_fwlc::HaproxyLeastConn;
pub use haproxy_map::{HaproxyFirst, HaproxySource};
pub use maglev::Maglev;
pub use nginx::{NginxServer, NginxUpstream, PeerOutcome};
pub use nginx_hash::{NginxChash, NginxHashRequest};

pub use ring_hash::RingHash;
pub use simple::{RandomPick, RoundRobin};

/// What the engine knows about one peer for the current request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PeerStatus {
    /// Out of service (marked down, failed active health check, ejected).
    pub down: bool,
    /// Already tried by this request (NGINX `tried` bitmap; HAProxy `srvtoavoid`).
    pub tried: bool,
    /// At its connection limit (HAProxy `maxconn` / NGINX `max_conns` when the engine tracks it).
    pub full: bool,
}

impl PeerStatus {
    /// A peer that is up, untried and not full.
    pub const USABLE: Self = Self { down: false, tried: false, full: false };

    /// Neither down, tried nor full.
    pub fn is_usable(self) -> bool {
        !(self.down || self.tried || self.full)
    }
}

/// Status of `peers[i]`, treating a missing entry as usable.
#[inline]
pub(crate) fn status_of(status: &[PeerStatus], i: usize) -> PeerStatus {
    status.get(i).copied().unwrap_or_default()
}

/// Copies the engine's view of which peers are up into `healthy`; true when anything changed (the
/// balancers that precompute tables rebuild them then).
pub(crate) fn sync_healthy(healthy: &mut [bool], status: &[PeerStatus]) -> bool {
    let mut changed = false;
    for (i, h) in healthy.iter_mut().enumerate() {
        let up = !status_of(status, i).down;
        if *h != up {
            *h = up;
            changed = true;
        }
    }
    changed
}

/// HAProxy's server list: at least one server, user weights within 1..=256.
pub(crate) fn check_haproxy_weights(weights: &[u32]) -> Result<(), super::PolicyError> {
    if weights.is_empty() {
        return Err(super::PolicyError::Zero { param: "servers" });
    }
    for &w in weights {
        super::check_range("weight", i128::from(w), 1, 256)?;
    }
    Ok(())
}
