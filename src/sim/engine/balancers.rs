//! Each balancer pool's algorithm at run time: one enum over the production balancers of
//! `crate::policy::balance`, built from the model's [`Balance`], with the request's client key
//! for the hashing ones.

use crate::model::Balance;
use crate::policy::Entropy;
use crate::policy::balance::{
    EnvoyLeastRequest, EnvoyRoundRobin, HaproxyFirst, HaproxyLeastConn, HaproxyRoundRobin, HaproxySource, Maglev,
    NginxChash, NginxHashRequest, NginxServer, NginxUpstream, PeerOutcome, PeerStatus, RandomPick, RingHash,
    xxhash::xxh64,
};
use crate::sim::plan::Member;
use crate::sim::rng::Stream;

impl Entropy for Stream {
    fn next_u64(&mut self) -> u64 {
        Stream::next_u64(self)
    }
}

/// How an NGINX upstream picks.
#[derive(Clone, Debug)]
pub(super) enum NginxMode {
    RoundRobin,
    LeastConn,
    IpHash,
    Hash,
    Chash(NginxChash),
    RandomTwo,
}

/// A pool's balancing state.
#[derive(Clone, Debug)]
pub(super) enum PoolBalancer {
    /// Plain rotation.
    RoundRobin { next: u32 },
    /// A uniformly random usable instance.
    Random(RandomPick),
    /// An NGINX upstream, with passive health.
    Nginx { upstream: NginxUpstream, mode: NginxMode },
    /// HAProxy fwrr.
    HaproxyRr(HaproxyRoundRobin),
    /// HAProxy fwlc.
    HaproxyLc(HaproxyLeastConn),
    /// HAProxy `first`.
    HaproxyFirst(HaproxyFirst),
    /// HAProxy `source`.
    HaproxySource(HaproxySource),
    /// Envoy round robin.
    EnvoyRr(EnvoyRoundRobin),
    /// Envoy least request.
    EnvoyLr(EnvoyLeastRequest),
    /// Envoy ring hash.
    Ring(RingHash),
    /// Envoy Maglev.
    Maglev(Maglev),
}

/// The request's key as the balancers see it: its text (hashed by `hash`, ring hash, Maglev) and,
/// when the text is an IPv4 address, its bytes (for `ip_hash` and `source`).
#[derive(Clone, Copy, Debug)]
pub(super) struct ClientKey<'a> {
    pub text: &'a [u8],
    pub ipv4: Option<[u8; 4]>,
}

impl PoolBalancer {
    /// The balancer of one pool. `names` are the members' instance names (hashing rings use them);
    /// `rng` seeds the random ones; `start` pins an Envoy balancer's seed (`rng` is drawn from all
    /// the same, so the streams of everything else stay as without it), or the picks an NGINX
    /// smooth WRR or HAProxy fwrr rotation has made (`LoadBalancer::start`).
    pub(super) fn new(
        algorithm: Balance,
        start: Option<u64>,
        members: &[Member],
        names: &[&str],
        rng: &mut Stream,
    ) -> PoolBalancer {
        let weights: Vec<u32> = members.iter().map(|m| m.weight.max(1)).collect();
        let upstream = |max_fails: u32, fail_timeout_s: u32| {
            let servers: Vec<NginxServer> = weights
                .iter()
                .map(|&w| NginxServer { max_fails, fail_timeout_s: u64::from(fail_timeout_s), ..NginxServer::new(w) })
                .collect();
            // The whole-second boundary of NGINX's wall clock is put at the run's start.
            NginxUpstream::new(&servers, 0).ok()
        };
        let nginx = |max_fails, fail_timeout_s, mode| upstream(max_fails, fail_timeout_s).map(|u| (u, mode));
        let built = match algorithm {
            Balance::RoundRobin => None,
            Balance::Random => RandomPick::new(members.len()).ok().map(PoolBalancer::Random),
            Balance::NginxRoundRobin { max_fails, fail_timeout_s } => {
                nginx(max_fails, fail_timeout_s, NginxMode::RoundRobin).map(|(mut upstream, mode)| {
                    upstream.advance_round_robin(start.unwrap_or(0));
                    PoolBalancer::Nginx { upstream, mode }
                })
            }
            Balance::NginxLeastConn { max_fails, fail_timeout_s } => {
                nginx(max_fails, fail_timeout_s, NginxMode::LeastConn)
                    .map(|(upstream, mode)| PoolBalancer::Nginx { upstream, mode })
            }
            Balance::NginxIpHash { max_fails, fail_timeout_s } => nginx(max_fails, fail_timeout_s, NginxMode::IpHash)
                .map(|(upstream, mode)| PoolBalancer::Nginx { upstream, mode }),
            Balance::NginxRandomTwo { max_fails, fail_timeout_s } => {
                nginx(max_fails, fail_timeout_s, NginxMode::RandomTwo)
                    .map(|(upstream, mode)| PoolBalancer::Nginx { upstream, mode })
            }
            Balance::NginxHash { consistent, max_fails, fail_timeout_s } => upstream(max_fails, fail_timeout_s)
                .and_then(|upstream| {
                    let mode = if consistent {
                        NginxMode::Chash(NginxChash::new(&upstream, names).ok()?)
                    } else {
                        NginxMode::Hash
                    };
                    Some(PoolBalancer::Nginx { upstream, mode })
                }),
            Balance::HaproxyRoundRobin => {
                HaproxyRoundRobin::with_start(&weights, start.unwrap_or(0)).ok().map(PoolBalancer::HaproxyRr)
            }
            Balance::HaproxyLeastConn => HaproxyLeastConn::new(&weights).ok().map(PoolBalancer::HaproxyLc),
            Balance::HaproxyFirst => HaproxyFirst::new(members.len()).ok().map(PoolBalancer::HaproxyFirst),
            Balance::HaproxySource => HaproxySource::new(&weights).ok().map(PoolBalancer::HaproxySource),
            Balance::EnvoyRoundRobin => {
                let drawn = rng.next_u64();
                EnvoyRoundRobin::with_seed(&weights, start.unwrap_or(drawn)).ok().map(PoolBalancer::EnvoyRr)
            }
            Balance::EnvoyLeastRequest { choice_count, active_request_bias } => {
                let drawn = rng.next_u64();
                EnvoyLeastRequest::with_seed(&weights, choice_count, active_request_bias, start.unwrap_or(drawn))
                    .ok()
                    .map(PoolBalancer::EnvoyLr)
            }
            Balance::EnvoyRingHash { minimum_ring_size, maximum_ring_size } => {
                RingHash::new(names, &weights, minimum_ring_size, maximum_ring_size).ok().map(PoolBalancer::Ring)
            }
            Balance::EnvoyMaglev { table_size } => {
                Maglev::new(names, &weights, table_size).ok().map(PoolBalancer::Maglev)
            }
        };
        // An empty pool (or one the product refuses) rotates; it has nothing to pick anyway.
        built.unwrap_or(PoolBalancer::RoundRobin { next: 0 })
    }

    /// Whether picks use the client key (so the engine need not compute it otherwise).
    pub(super) fn needs_key(&self) -> bool {
        matches!(
            self,
            PoolBalancer::Nginx { mode: NginxMode::IpHash | NginxMode::Hash | NginxMode::Chash(_), .. }
                | PoolBalancer::HaproxySource(_)
                | PoolBalancer::Ring(_)
                | PoolBalancer::Maglev(_)
        )
    }

    /// One pick. `hash` carries an NGINX hash or `random two` balancer's state across a request's
    /// tries.
    pub(super) fn pick(
        &mut self,
        now: u64,
        status: &[PeerStatus],
        key: ClientKey<'_>,
        hash: &mut NginxHashRequest,
        rng: &mut Stream,
    ) -> Option<usize> {
        match self {
            PoolBalancer::RoundRobin { next } => {
                let n = status.len();
                let start = *next as usize % n.max(1);
                let i = (0..n).map(|k| (start + k) % n).find(|&i| status[i].is_usable())?;
                *next = ((i + 1) % n) as u32;
                Some(i)
            }
            PoolBalancer::Random(b) => b.pick(now, status, rng),
            PoolBalancer::Nginx { upstream, mode } => match mode {
                NginxMode::RoundRobin => upstream.pick_round_robin(now, status),
                NginxMode::LeastConn => upstream.pick_least_conn(now, status),
                NginxMode::IpHash => {
                    let addr = key.ipv4.map_or([0; 4], |a| a);
                    upstream.pick_ip_hash(hash, if key.ipv4.is_some() { &addr } else { &[] }, now, status)
                }
                NginxMode::Hash => upstream.pick_hash(hash, key.text, now, status),
                NginxMode::Chash(ring) => ring.pick(upstream, hash, key.text, now, status),
                NginxMode::RandomTwo => upstream.pick_random_two(hash, now, status, rng),
            },
            PoolBalancer::HaproxyRr(b) => b.pick(now, status),
            PoolBalancer::HaproxyLc(b) => b.pick(now, status),
            PoolBalancer::HaproxyFirst(b) => b.pick(now, status),
            PoolBalancer::HaproxySource(b) => {
                let addr = key.ipv4.unwrap_or([0; 4]);
                b.pick(&addr, now, status)
            }
            PoolBalancer::EnvoyRr(b) => b.pick(now, status),
            PoolBalancer::EnvoyLr(b) => b.pick(now, status, rng),
            PoolBalancer::Ring(b) => b.pick(xxh64(key.text, 0), now, status),
            PoolBalancer::Maglev(b) => b.pick(xxh64(key.text, 0), now, status),
        }
    }

    /// A request was sent to `pos`.
    pub(super) fn on_start(&mut self, pos: usize) {
        match self {
            PoolBalancer::Nginx { upstream, .. } => upstream.on_start(pos),
            PoolBalancer::HaproxyLc(b) => b.on_start(pos),
            PoolBalancer::EnvoyLr(b) => b.on_start(pos),
            _ => {}
        }
    }

    /// The request sent to `pos` ended (`ok`), or its connection was refused.
    pub(super) fn on_finish(&mut self, pos: usize, ok: bool, now: u64) {
        match self {
            PoolBalancer::Nginx { upstream, .. } => {
                upstream.on_finish(pos, if ok { PeerOutcome::Success } else { PeerOutcome::Failure }, now)
            }
            PoolBalancer::HaproxyLc(b) => b.on_finish(pos),
            PoolBalancer::EnvoyLr(b) => b.on_finish(pos),
            _ => {}
        }
    }

    /// Active checks marked `pos` down or up.
    pub(super) fn set_down(&mut self, pos: usize, down: bool) {
        match (self, down) {
            (PoolBalancer::HaproxyRr(b), true) => b.set_down(pos),
            (PoolBalancer::HaproxyRr(b), false) => b.set_up(pos),
            (PoolBalancer::HaproxyLc(b), true) => b.set_down(pos),
            (PoolBalancer::HaproxyLc(b), false) => b.set_up(pos),
            _ => {}
        }
    }
}
