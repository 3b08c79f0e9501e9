//! NGINX `proxy_next_upstream`: whether a failed attempt goes to another server, and what the
//! client gets otherwise. Read from nginx 1.22.1 (the version the differential tests run;
//! nginx/nginx tag `release-1.22.1`):
//!
//! - `src/http/ngx_http_upstream.c` fn `ngx_http_upstream_test_next` (an upstream's response
//!   status): a status of the table `ngx_http_upstream_next_errors` (500, 502, 503, 504, 403, 404,
//!   429) goes to the next server only when it is listed (`http_503`, ...), **only while
//!   `u->peer.tries > 1`**, and only while `proxy_next_upstream_timeout` has not elapsed since
//!   `u->peer.start_time`; otherwise the response itself goes to the client, and the peer is
//!   freed as a success (`ngx_http_upstream_finalize_request` frees it with state 0). For POST,
//!   LOCK and PATCH once the request was sent the mask also needs `non_idempotent`.
//! - fn `ngx_http_upstream_next` (an `error`, a `timeout`, or a listed status being retried): the
//!   peer is freed as `NGX_PEER_FAILED` (counted towards `max_fails`), except after `http_403` and
//!   `http_404` (`NGX_PEER_NEXT`, no failure); then the request is finalized with the trigger's
//!   status (504 for `timeout`, 502 for `error`) when no try is left, the trigger is not listed, or
//!   `proxy_next_upstream_timeout` has elapsed.
//! - `src/http/ngx_http_upstream_round_robin.c` fn `ngx_http_upstream_free_round_robin_peer`
//!   decrements `pc->tries` on every free (a single-server upstream sets it to 0: never another
//!   try); fn `ngx_http_upstream_init_round_robin_peer` starts it at `peers->tries`, the servers not
//!   marked `down` (plus the backups'); `ngx_http_upstream_init_request` caps it at
//!   `proxy_next_upstream_tries` when that is set (0 = no cap).
//! - `src/http/modules/ngx_http_proxy_module.c` fn `ngx_http_proxy_merge_loc_conf`: the default is
//!   `error timeout`; `off` clears every other condition.
//!
//! A server found unusable when choosing again (`NGX_BUSY`, "no live upstreams") is the caller's
//! business: `ngx_http_upstream_connect` calls `ngx_http_upstream_next` with
//! `NGX_HTTP_UPSTREAM_FT_NOLIVE`, which no `proxy_next_upstream` value contains, so the client gets
//! 502.

/// A `proxy_next_upstream` condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u16)]
pub enum Condition {
    /// `error`: the connection failed or broke before the response header.
    Error = 1 << 0,
    /// `timeout`: `proxy_connect_timeout`, `proxy_send_timeout` or `proxy_read_timeout` (before the
    /// response header) elapsed.
    Timeout = 1 << 1,
    /// `invalid_header`: the upstream's response header was invalid or empty.
    InvalidHeader = 1 << 2,
    /// `non_idempotent`: POST, LOCK and PATCH may be retried once sent.
    NonIdempotent = 1 << 3,
    /// `http_500`.
    Http500 = 1 << 4,
    /// `http_502`.
    Http502 = 1 << 5,
    /// `http_503`.
    Http503 = 1 << 6,
    /// `http_504`.
    Http504 = 1 << 7,
    /// `http_403`.
    Http403 = 1 << 8,
    /// `http_404`.
    Http404 = 1 << 9,
    /// `http_429` (nginx 1.11.13+).
    Http429 = 1 << 10,
}

impl Condition {
    /// The condition an upstream response status triggers (`ngx_http_upstream_next_errors`), if
    /// any.
    pub fn for_status(status: u16) -> Option<Condition> {
        Some(match status {
            500 => Condition::Http500,
            502 => Condition::Http502,
            503 => Condition::Http503,
            504 => Condition::Http504,
            403 => Condition::Http403,
            404 => Condition::Http404,
            429 => Condition::Http429,
            _ => return None,
        })
    }
}

/// What ended an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trigger {
    /// The connection was refused or broke (`error`).
    Error,
    /// A timeout elapsed (`timeout`).
    Timeout,
    /// The upstream answered this status.
    Status(u16),
}

/// What NGINX does after an attempt ended with a [`Trigger`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NextDecision {
    /// Choose another server. `failed`: the peer is freed as failed (`fails` and `max_fails`).
    Next {
        /// The peer counts a failure.
        failed: bool,
    },
    /// The upstream's response goes to the client; the peer is freed as a success.
    PassThrough,
    /// NGINX answers the client itself with `status` (502 after `error`, 504 after `timeout`); the
    /// peer is freed as failed.
    Finalize {
        /// The status NGINX answers.
        status: u16,
    },
}

/// A location's `proxy_next_upstream`, `proxy_next_upstream_tries` and
/// `proxy_next_upstream_timeout`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NextUpstream {
    mask: u16,
    tries: u32,
    timeout_ms: u64,
}

impl Default for NextUpstream {
    /// NGINX's default: `error timeout`, no cap on tries, no time limit.
    fn default() -> Self {
        NextUpstream::new(&[Condition::Error, Condition::Timeout], 0, 0)
    }
}

impl NextUpstream {
    /// `conditions` (empty = `off`), `tries` (`proxy_next_upstream_tries`, 0 = no cap) and
    /// `timeout_ms` (`proxy_next_upstream_timeout`, 0 = none).
    pub fn new(conditions: &[Condition], tries: u32, timeout_ms: u64) -> Self {
        let mask = conditions.iter().fold(0u16, |m, &c| m | c as u16);
        NextUpstream { mask, tries, timeout_ms }
    }

    /// Whether `condition` is listed.
    pub fn lists(&self, condition: Condition) -> bool {
        self.mask & condition as u16 != 0
    }

    /// The tries a request starts with (`u->peer.tries`): the upstream's `peers->tries`
    /// (`peer_tries`: its servers not marked `down`, plus the backups'), capped by
    /// `proxy_next_upstream_tries`.
    pub fn initial_tries(&self, peer_tries: u32) -> u32 {
        if self.tries != 0 && peer_tries > self.tries { self.tries } else { peer_tries }
    }

    /// The decision after attempt number `attempt` (1 for the first) ended with `trigger`,
    /// `elapsed_ms` after the request went upstream (`u->peer.start_time`), for an upstream of
    /// `peer_tries` tries (see [`NextUpstream::initial_tries`]). `non_idempotent`: a POST, LOCK or
    /// PATCH whose request was sent.
    pub fn decide(
        &self,
        trigger: Trigger,
        attempt: u32,
        peer_tries: u32,
        elapsed_ms: u64,
        non_idempotent: bool,
    ) -> NextDecision {
        // `u->peer.tries` before this attempt's peer is freed.
        let left = self.initial_tries(peer_tries).saturating_sub(attempt.saturating_sub(1));
        let timed_out = self.timeout_ms != 0 && elapsed_ms >= self.timeout_ms;
        let idem = if non_idempotent { Condition::NonIdempotent as u16 } else { 0 };
        let listed = |c: Condition| {
            let mask = c as u16 | idem;
            self.mask & mask == mask
        };
        match trigger {
            Trigger::Status(status) => {
                let Some(c) = Condition::for_status(status) else { return NextDecision::PassThrough };
                if left > 1 && listed(c) && !timed_out {
                    NextDecision::Next { failed: !matches!(c, Condition::Http403 | Condition::Http404) }
                } else {
                    NextDecision::PassThrough
                }
            }
            Trigger::Error | Trigger::Timeout => {
                let (c, status) =
                    if trigger == Trigger::Error { (Condition::Error, 502) } else { (Condition::Timeout, 504) };
                // The peer is freed first: `pc->tries--`.
                if left.saturating_sub(1) == 0 || !listed(c) || timed_out {
                    NextDecision::Finalize { status }
                } else {
                    NextDecision::Next { failed: true }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Condition::*;

    fn with(c: &[Condition]) -> NextUpstream {
        NextUpstream::new(c, 0, 0)
    }

    /// ngx_http_proxy_module.c (1.22.1) `ngx_http_proxy_merge_loc_conf`: the default mask is
    /// `error timeout`, so a listed-status answer is not retried by default.
    #[test]
    fn default_is_error_timeout() {
        let d = NextUpstream::default();
        assert!(d.lists(Error) && d.lists(Timeout) && !d.lists(Http503));
        assert_eq!(d.decide(Trigger::Timeout, 1, 3, 0, false), NextDecision::Next { failed: true });
        assert_eq!(d.decide(Trigger::Error, 1, 3, 0, false), NextDecision::Next { failed: true });
        assert_eq!(d.decide(Trigger::Status(503), 1, 3, 0, false), NextDecision::PassThrough);
    }

    /// ngx_http_upstream.c (1.22.1) `ngx_http_upstream_test_next`: a listed status is retried only
    /// while `u->peer.tries > 1`; the last try's response goes to the client.
    #[test]
    fn listed_status_retried_while_another_try_remains() {
        let n = with(&[Error, Timeout, Http503]);
        assert_eq!(n.decide(Trigger::Status(503), 1, 3, 0, false), NextDecision::Next { failed: true });
        assert_eq!(n.decide(Trigger::Status(503), 2, 3, 0, false), NextDecision::Next { failed: true });
        assert_eq!(n.decide(Trigger::Status(503), 3, 3, 0, false), NextDecision::PassThrough);
        // Not listed, or not in `ngx_http_upstream_next_errors`: passed through at once.
        assert_eq!(n.decide(Trigger::Status(500), 1, 3, 0, false), NextDecision::PassThrough);
        assert_eq!(n.decide(Trigger::Status(501), 1, 3, 0, false), NextDecision::PassThrough);
        // A single server: one try only.
        assert_eq!(n.decide(Trigger::Status(503), 1, 1, 0, false), NextDecision::PassThrough);
    }

    /// ngx_http_upstream.c (1.22.1) `ngx_http_upstream_next`: after `error` the peer fails and the
    /// request is finalized with 502 once `pc->tries` reaches 0; after `timeout` with 504; a
    /// condition not listed finalizes at once.
    #[test]
    fn error_and_timeout_finalize_with_their_status() {
        let n = NextUpstream::default();
        assert_eq!(n.decide(Trigger::Error, 3, 3, 0, false), NextDecision::Finalize { status: 502 });
        assert_eq!(n.decide(Trigger::Timeout, 3, 3, 0, false), NextDecision::Finalize { status: 504 });
        let e = with(&[Error]);
        assert_eq!(e.decide(Trigger::Timeout, 1, 3, 0, false), NextDecision::Finalize { status: 504 });
        let off = with(&[]);
        assert_eq!(off.decide(Trigger::Error, 1, 3, 0, false), NextDecision::Finalize { status: 502 });
    }

    /// `proxy_next_upstream_tries` caps `u->peer.tries` (`ngx_http_upstream_init_request`), and
    /// `proxy_next_upstream_timeout` stops retries once `ngx_current_msec - start_time >= timeout`.
    #[test]
    fn tries_and_timeout_bound_the_attempts() {
        let n = NextUpstream::new(&[Error, Timeout, Http503], 2, 500);
        assert_eq!(n.initial_tries(5), 2);
        assert_eq!(n.initial_tries(1), 1);
        assert_eq!(n.decide(Trigger::Error, 1, 5, 0, false), NextDecision::Next { failed: true });
        assert_eq!(n.decide(Trigger::Error, 2, 5, 0, false), NextDecision::Finalize { status: 502 });
        assert_eq!(n.decide(Trigger::Status(503), 2, 5, 0, false), NextDecision::PassThrough);
        assert_eq!(n.decide(Trigger::Status(503), 1, 5, 499, false), NextDecision::Next { failed: true });
        assert_eq!(n.decide(Trigger::Status(503), 1, 5, 500, false), NextDecision::PassThrough);
        assert_eq!(n.decide(Trigger::Error, 1, 5, 500, false), NextDecision::Finalize { status: 502 });
    }

    /// `ngx_http_upstream_next` frees the peer as `NGX_PEER_NEXT` after http_403 and http_404 (no
    /// failure counted), `NGX_PEER_FAILED` after every other trigger.
    #[test]
    fn only_403_and_404_retry_without_a_failure() {
        let n = with(&[Http403, Http404, Http429, Http500]);
        assert_eq!(n.decide(Trigger::Status(404), 1, 2, 0, false), NextDecision::Next { failed: false });
        assert_eq!(n.decide(Trigger::Status(403), 1, 2, 0, false), NextDecision::Next { failed: false });
        assert_eq!(n.decide(Trigger::Status(429), 1, 2, 0, false), NextDecision::Next { failed: true });
        assert_eq!(n.decide(Trigger::Status(500), 1, 2, 0, false), NextDecision::Next { failed: true });
    }

    /// POST, LOCK and PATCH once sent need `non_idempotent` in the mask as well.
    #[test]
    fn non_idempotent_requests_need_the_flag() {
        let n = with(&[Error, Http503]);
        assert_eq!(n.decide(Trigger::Status(503), 1, 3, 0, true), NextDecision::PassThrough);
        assert_eq!(n.decide(Trigger::Error, 1, 3, 0, true), NextDecision::Finalize { status: 502 });
        let m = with(&[Error, Http503, NonIdempotent]);
        assert_eq!(m.decide(Trigger::Status(503), 1, 3, 0, true), NextDecision::Next { failed: true });
    }
}
