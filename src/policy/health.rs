//! Active health checks: HAProxy 2.6 (`src/check.c` fns `check_notify_success`,
//! `check_notify_failure`; `src/server.c` start state `health = rise`; `include/haproxy/defaults.h`
//! `DEF_CHKINTR` 2000 ms, `DEF_RISETIME` 2, `DEF_FALLTIME` 3; `fastinter`/`downinter`), Envoy 1.40
//! (`api/envoy/config/core/v3/health_check.proto`; `source/common/upstream/health_checker_impl.cc` fns
//! `ActiveHealthCheckSession::handleSuccess`/`handleFailure`, `interval()`: new hosts start unhealthy,
//! the first success marks them healthy, an unexpected HTTP status is immediately unhealthy) and
//! Kubernetes probes (`pkg/apis/core/v1/defaults.go` fn `SetDefaults_Probe`).
//!
//! The engine schedules the checks: it asks for the delay to the next one, runs it (its own timeout),
//! and reports the result.

use super::{Entropy, NS_PER_MS, NS_PER_S, PolicyError, uniform_below};

/// Result of one check as the engine observed it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckResult {
    /// Expected answer in time.
    Success,
    /// Connection failure or timeout (counts towards the threshold).
    Failure,
    /// Envoy HTTP check: a status outside `expected_statuses`/`retriable_statuses`: unhealthy at once.
    UnexpectedStatus,
}

/// HAProxy `option httpchk`: whether an answer with `status` passes. `expect` is the status of
/// `http-check expect status S`; without it HAProxy 2.6 appends the implicit rule
/// `http-check expect status 200-399` (`src/tcpcheck.c`, the implicit expect rule added when the
/// ruleset ends with a send; doc/configuration.txt "option httpchk": "responses 2xx and 3xx are
/// considered valid"). A failed HTTP check counts towards `fall` like a refused connection
/// (`src/check.c` fn `check_notify_failure`).
pub fn http_check_passes(expect: Option<u16>, status: u16) -> bool {
    match expect {
        Some(s) => status == s,
        None => (200..=399).contains(&status),
    }
}

/// A change of the server's/host's state caused by a check result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transition {
    /// State unchanged.
    None,
    /// Became healthy (UP).
    Up,
    /// Became unhealthy (DOWN).
    Down,
}

/// HAProxy `check inter I fastinter F downinter D rise R fall N`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HaproxyCheck {
    /// `inter`, ns (default 2000 ms; also the check timeout unless `timeout check`).
    pub inter_ns: u64,
    /// `fastinter`, ns (defaults to `inter`): used while transitioning.
    pub fastinter_ns: u64,
    /// `downinter`, ns (defaults to `inter`): used while fully down.
    pub downinter_ns: u64,
    /// `rise` (default 2).
    pub rise: u32,
    /// `fall` (default 3).
    pub fall: u32,
}

/// HAProxy check state: `health` in `0..rise+fall`, UP iff `health >= rise`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HaproxyCheckState {
    /// The `health` counter.
    pub health: u32,
}

impl HaproxyCheck {
    /// Validated config. Errors: zero `rise`, `fall` or intervals.
    pub fn new(inter_ns: u64, rise: u32, fall: u32) -> Result<Self, PolicyError> {
        if inter_ns == 0 {
            return Err(PolicyError::Zero { param: "inter" });
        }
        if rise == 0 {
            return Err(PolicyError::Zero { param: "rise" });
        }
        if fall == 0 {
            return Err(PolicyError::Zero { param: "fall" });
        }
        Ok(Self { inter_ns, fastinter_ns: inter_ns, downinter_ns: inter_ns, rise, fall })
    }

    /// HAProxy's defaults: `inter 2s rise 2 fall 3`.
    pub fn haproxy_default() -> Self {
        Self {
            inter_ns: 2000 * NS_PER_MS,
            fastinter_ns: 2000 * NS_PER_MS,
            downinter_ns: 2000 * NS_PER_MS,
            rise: 2,
            fall: 3,
        }
    }

    /// Start state: `health = rise`, i.e. UP, but one failed check marks the server DOWN.
    pub fn initial_state(&self) -> HaproxyCheckState {
        HaproxyCheckState { health: self.rise }
    }

    /// Whether the state is UP.
    pub fn is_up(&self, st: &HaproxyCheckState) -> bool {
        st.health >= self.rise
    }

    /// Applies one result.
    pub fn record(&self, st: &mut HaproxyCheckState, result: CheckResult) -> Transition {
        let was_up = self.is_up(st);
        match result {
            CheckResult::Success => {
                if st.health < self.rise + self.fall - 1 {
                    st.health += 1;
                }
                if !was_up && self.is_up(st) {
                    return Transition::Up;
                }
            }
            CheckResult::Failure | CheckResult::UnexpectedStatus => {
                if st.health > self.rise {
                    st.health -= 1;
                } else {
                    st.health = 0;
                    if was_up {
                        return Transition::Down;
                    }
                }
            }
        }
        Transition::None
    }

    /// Delay to the next check: `downinter` when fully down, `fastinter` while transitioning,
    /// `inter` when fully up.
    pub fn next_delay_ns(&self, st: &HaproxyCheckState) -> u64 {
        if st.health == 0 {
            self.downinter_ns
        } else if st.health == self.rise + self.fall - 1 {
            self.inter_ns
        } else {
            self.fastinter_ns
        }
    }

    /// HAProxy spreads the first checks of `count` servers over `inter`: server `index` starts at
    /// `inter * index / count`.
    pub fn first_delay_ns(&self, index: u64, count: u64) -> u64 {
        (self.inter_ns * index).checked_div(count).unwrap_or(0)
    }
}

/// Envoy `HealthCheck` (timeouts are run by the engine).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvoyHealthCheck {
    /// `interval`, ns.
    pub interval_ns: u64,
    /// `unhealthy_interval`, ns (defaults to `interval`).
    pub unhealthy_interval_ns: u64,
    /// `unhealthy_threshold` (required).
    pub unhealthy_threshold: u32,
    /// `healthy_threshold` (required).
    pub healthy_threshold: u32,
    /// `interval_jitter`, ns (added: uniform in `[0, jitter)`).
    pub interval_jitter_ns: u64,
    /// `interval_jitter_percent` of the interval (added: uniform in `[0, pct% of interval)`).
    pub interval_jitter_percent: u32,
}

/// Envoy per-host check session state. `Default` is a new host: unhealthy, never checked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EnvoyCheckState {
    /// Whether the host is healthy (`FAILED_ACTIVE_HC` clear).
    pub healthy: bool,
    /// Whether any check ever succeeded.
    pub ever_succeeded: bool,
    /// Consecutive successes while unhealthy.
    pub successes: u32,
    /// Consecutive failures while healthy.
    pub failures: u32,
}

impl EnvoyHealthCheck {
    /// Errors: zero interval or thresholds.
    pub fn new(interval_ns: u64, unhealthy_threshold: u32, healthy_threshold: u32) -> Result<Self, PolicyError> {
        if interval_ns == 0 {
            return Err(PolicyError::Zero { param: "interval" });
        }
        if unhealthy_threshold == 0 || healthy_threshold == 0 {
            return Err(PolicyError::Zero { param: "unhealthy_threshold/healthy_threshold" });
        }
        Ok(Self {
            interval_ns,
            unhealthy_interval_ns: interval_ns,
            unhealthy_threshold,
            healthy_threshold,
            interval_jitter_ns: 0,
            interval_jitter_percent: 0,
        })
    }

    /// Applies one result (fns `handleSuccess`, `handleFailure`).
    pub fn record(&self, st: &mut EnvoyCheckState, result: CheckResult) -> Transition {
        match result {
            CheckResult::Success => {
                st.failures = 0;
                if st.healthy {
                    st.ever_succeeded = true;
                    return Transition::None;
                }
                st.successes += 1;
                if !st.ever_succeeded || st.successes >= self.healthy_threshold {
                    st.ever_succeeded = true;
                    st.healthy = true;
                    st.successes = 0;
                    return Transition::Up;
                }
                Transition::None
            }
            CheckResult::Failure | CheckResult::UnexpectedStatus => {
                st.successes = 0;
                if !st.healthy {
                    return Transition::None;
                }
                st.failures += 1;
                if result == CheckResult::UnexpectedStatus || st.failures >= self.unhealthy_threshold {
                    st.healthy = false;
                    st.failures = 0;
                    return Transition::Down;
                }
                Transition::None
            }
        }
    }

    /// Delay to the next check, with the configured jitters drawn from `rng`.
    pub fn next_delay_ns(&self, st: &EnvoyCheckState, rng: &mut impl Entropy) -> u64 {
        let base = if st.healthy { self.interval_ns } else { self.unhealthy_interval_ns };
        let mut d = base;
        let pct = base * u64::from(self.interval_jitter_percent) / 100;
        if pct > 0 {
            d += uniform_below(rng, pct);
        }
        if self.interval_jitter_ns > 0 {
            d += uniform_below(rng, self.interval_jitter_ns);
        }
        d
    }
}

/// Kubernetes probe parameters with their defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct K8sProbe {
    /// `initialDelaySeconds` (default 0).
    pub initial_delay_s: u64,
    /// `timeoutSeconds` (default 1).
    pub timeout_s: u64,
    /// `periodSeconds` (default 10).
    pub period_s: u64,
    /// `successThreshold` (default 1; must be 1 for liveness and startup).
    pub success_threshold: u32,
    /// `failureThreshold` (default 3).
    pub failure_threshold: u32,
}

impl Default for K8sProbe {
    fn default() -> Self {
        Self { initial_delay_s: 0, timeout_s: 1, period_s: 10, success_threshold: 1, failure_threshold: 3 }
    }
}

/// Probe state. `Default`: not yet passed (a readiness probe starts not ready).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct K8sProbeState {
    /// Current result: ready (readiness) or alive (liveness, after the first success).
    pub passing: bool,
    /// Consecutive successes.
    pub successes: u32,
    /// Consecutive failures.
    pub failures: u32,
}

impl K8sProbe {
    /// Applies one probe result; `Down` means not ready (readiness) or restart (liveness).
    pub fn record(&self, st: &mut K8sProbeState, result: CheckResult) -> Transition {
        if result == CheckResult::Success {
            st.failures = 0;
            st.successes += 1;
            if !st.passing && st.successes >= self.success_threshold {
                st.passing = true;
                return Transition::Up;
            }
        } else {
            st.successes = 0;
            st.failures += 1;
            if st.passing && st.failures >= self.failure_threshold {
                st.passing = false;
                return Transition::Down;
            }
        }
        Transition::None
    }

    /// Time of the first probe after the container starts, ns.
    pub fn first_probe_ns(&self) -> u64 {
        self.initial_delay_s * NS_PER_S
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn haproxy_httpchk_passes_2xx_and_3xx_unless_a_status_is_expected() {
        // tcpcheck.c's implicit `http-check expect status 200-399`.
        for (status, ok) in
            [(200, true), (204, true), (302, true), (399, true), (404, false), (503, false), (199, false)]
        {
            assert_eq!(http_check_passes(None, status), ok, "{status}");
        }
        // `http-check expect status 200`: exactly that status.
        assert!(http_check_passes(Some(200), 200));
        assert!(!http_check_passes(Some(200), 204));
        assert!(http_check_passes(Some(503), 503));
    }

    use super::*;
    use crate::policy::testutil::SplitMix64;

    #[test]
    fn haproxy_server_starts_up_and_first_failure_marks_it_down() {
        let c = HaproxyCheck::haproxy_default();
        let mut s = c.initial_state();
        assert!(c.is_up(&s));
        assert_eq!(c.record(&mut s, CheckResult::Failure), Transition::Down);
        assert_eq!(s.health, 0);
    }

    #[test]
    fn haproxy_fully_up_needs_fall_failures_and_down_needs_rise_successes() {
        let c = HaproxyCheck::haproxy_default();
        let mut s = c.initial_state();
        assert_eq!(c.record(&mut s, CheckResult::Success), Transition::None);
        assert_eq!(c.record(&mut s, CheckResult::Success), Transition::None);
        assert_eq!(s.health, 4);
        assert_eq!(c.record(&mut s, CheckResult::Failure), Transition::None);
        assert_eq!(c.record(&mut s, CheckResult::Failure), Transition::None);
        assert_eq!(c.record(&mut s, CheckResult::Failure), Transition::Down);
        assert_eq!(c.record(&mut s, CheckResult::Success), Transition::None);
        assert_eq!(c.record(&mut s, CheckResult::Success), Transition::Up);
        assert_eq!(c.next_delay_ns(&s), c.fastinter_ns);
        assert_eq!(c.first_delay_ns(1, 4), 500 * NS_PER_MS);
        assert!(HaproxyCheck::new(1, 0, 1).is_err());
    }

    #[test]
    fn envoy_new_host_starts_unhealthy_and_first_success_marks_it_healthy() {
        let c = EnvoyHealthCheck::new(NS_PER_S, 2, 3).unwrap();
        let mut s = EnvoyCheckState::default();
        assert!(!s.healthy);
        assert_eq!(c.record(&mut s, CheckResult::Success), Transition::Up);
        assert_eq!(c.record(&mut s, CheckResult::Failure), Transition::None);
        assert_eq!(c.record(&mut s, CheckResult::Failure), Transition::Down);
        // Later recoveries need healthy_threshold successes.
        assert_eq!(c.record(&mut s, CheckResult::Success), Transition::None);
        assert_eq!(c.record(&mut s, CheckResult::Success), Transition::None);
        assert_eq!(c.record(&mut s, CheckResult::Success), Transition::Up);
        assert_eq!(c.record(&mut s, CheckResult::UnexpectedStatus), Transition::Down);
    }

    #[test]
    fn envoy_jitter_adds_to_the_interval() {
        let mut c = EnvoyHealthCheck::new(1000, 1, 1).unwrap();
        c.interval_jitter_percent = 10;
        c.interval_jitter_ns = 5;
        let mut rng = SplitMix64(9);
        let s = EnvoyCheckState::default();
        for _ in 0..100 {
            let d = c.next_delay_ns(&s, &mut rng);
            assert!((1000..1105).contains(&d), "{d}");
        }
    }

    #[test]
    fn k8s_probe_defaults_and_thresholds() {
        let p = K8sProbe::default();
        assert_eq!((p.timeout_s, p.period_s, p.success_threshold, p.failure_threshold), (1, 10, 1, 3));
        let mut s = K8sProbeState::default();
        assert_eq!(p.record(&mut s, CheckResult::Success), Transition::Up);
        assert_eq!(p.record(&mut s, CheckResult::Failure), Transition::None);
        assert_eq!(p.record(&mut s, CheckResult::Failure), Transition::None);
        assert_eq!(p.record(&mut s, CheckResult::Failure), Transition::Down);
    }
}
