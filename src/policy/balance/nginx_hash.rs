//! NGINX `ip_hash`, `hash KEY` and `hash KEY consistent`: nginx 1.22 behaviour.
//!
//! Follows `modules/ngx_http_upstream_ip_hash_module.c` fn `ngx_http_upstream_get_ip_hash_peer`
//! (`hash = 89`, `hash = (hash*113 + byte) % 6271` over 3 IPv4 octets or 16 IPv6 bytes, weighted walk,
//! re-hash from the current value, round robin after 20 tries) and
//! `modules/ngx_http_upstream_hash_module.c` fns `ngx_http_upstream_get_hash_peer`
//! (`crc32([attempt] KEY) >> 16 & 0x7fff` accumulated), `ngx_http_upstream_init_chash` (160 points per
//! weight unit, CRC32 of `host NUL port` continued with the previous point's 4 little-endian bytes,
//! sorted, duplicates dropped) and `ngx_http_upstream_get_chash_peer` (first point >= CRC32(key),
//! wrapping, next point up to 20 times, then round robin). Each server is one peer (a name resolving
//! to several addresses is not modelled). The round-robin fallback shares the upstream's SWRR state.

use super::super::PolicyError;
use super::crc32;
use super::nginx::NginxUpstream;
use super::{PeerStatus, status_of};

/// Per-request state of a hash or `random two` balancer across its tries (`iphp->hash`,
/// `hp->rehash`, `tries`, `rp->tries`).
/// Create one per request with [`NginxHashRequest::default`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NginxHashRequest {
    hash: u64,
    rehash: u32,
    pub(crate) tries: u32,
    started: bool,
}

impl Default for NginxHashRequest {
    fn default() -> Self {
        Self { hash: 89, rehash: 0, tries: 0, started: false }
    }
}

impl NginxUpstream {
    /// Weighted walk over the primaries (`while (w >= peer->weight) w -= weight`).
    fn walk(&self, mut w: u64) -> usize {
        for (i, p) in self.peers.iter().enumerate() {
            if p.backup {
                continue;
            }
            if w < p.weight as u64 {
                return i;
            }
            w -= p.weight as u64;
        }
        0
    }

    /// Takes a hashed peer: re-arms `checked` (the rest of NGINX's bookkeeping is `on_start`).
    fn take(&mut self, i: usize, now_s: u64) -> usize {
        self.peers[i].touch(now_s);
        i
    }

    /// `ip_hash`: `addr` is the client address bytes (4 for IPv4, of which the first 3 are hashed;
    /// 16 for IPv6; anything else hashes 3 zero bytes). `None` = 502.
    pub fn pick_ip_hash(
        &mut self,
        req: &mut NginxHashRequest,
        addr: &[u8],
        now_ns: u64,
        status: &[PeerStatus],
    ) -> Option<usize> {
        if req.tries > 20 || self.single {
            return self.pick_round_robin(now_ns, status);
        }
        let bytes: &[u8] = match addr.len() {
            4 => &addr[..3],
            16 => addr,
            _ => &[0, 0, 0],
        };
        let now_s = self.now_s(now_ns);
        let mut hash = req.hash;
        loop {
            for &b in bytes {
                hash = (hash * 113 + u64::from(b)) % 6271;
            }
            let i = self.walk(hash % self.total_weight);
            if self.peers[i].usable(status_of(status, i), now_s) {
                req.hash = hash;
                return Some(self.take(i, now_s));
            }
            req.tries += 1;
            if req.tries > 20 {
                return self.pick_round_robin(now_ns, status);
            }
        }
    }

    /// `hash KEY` (not consistent). An empty key uses round robin. `None` = 502.
    pub fn pick_hash(
        &mut self,
        req: &mut NginxHashRequest,
        key: &[u8],
        now_ns: u64,
        status: &[PeerStatus],
    ) -> Option<usize> {
        if !req.started {
            req.started = true;
            req.hash = 0;
        }
        if req.tries > 20 || self.single || key.is_empty() {
            return self.pick_round_robin(now_ns, status);
        }
        let now_s = self.now_s(now_ns);
        loop {
            let mut crc = crc32::INIT;
            if req.rehash > 0 {
                let mut buf = [0u8; 10];
                crc = crc32::update(crc, decimal(req.rehash, &mut buf));
            }
            let h = crc32::finish(crc32::update(crc, key));
            req.hash += u64::from((h >> 16) & 0x7fff);
            req.rehash += 1;
            let i = self.walk(req.hash % self.total_weight);
            if self.peers[i].usable(status_of(status, i), now_s) {
                return Some(self.take(i, now_s));
            }
            req.tries += 1;
            if req.tries > 20 {
                return self.pick_round_robin(now_ns, status);
            }
        }
    }
}

/// Writes `n` in decimal into `buf`, returning the digits.
fn decimal(mut n: u32, buf: &mut [u8; 10]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    &buf[i..]
}

/// The continuum of `hash KEY consistent`: sorted `(point, peer)` pairs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NginxChash {
    points: Vec<(u32, u32)>,
}

impl NginxChash {
    /// Builds the points from each primary server's `host:port` name (`unix:` paths: no port) and
    /// the upstream's weights. `names[i]` belongs to peer `i`; backups are skipped.
    pub fn new(upstream: &NginxUpstream, names: &[&str]) -> Result<Self, PolicyError> {
        if names.len() != upstream.peers.len() {
            return Err(PolicyError::Invalid { param: "server", reason: "one name per server is required" });
        }
        let mut points = Vec::with_capacity(upstream.total_weight as usize * 160);
        for (i, (peer, name)) in upstream.peers.iter().zip(names).enumerate() {
            if peer.backup {
                continue;
            }
            let (host, port) = split_host_port(name.as_bytes());
            let base = crc32::update(crc32::update(crc32::update(crc32::INIT, host), &[0]), port);
            let mut prev = 0u32;
            for _ in 0..peer.weight * 160 {
                let h = crc32::finish(crc32::update(base, &prev.to_le_bytes()));
                points.push((h, i as u32));
                prev = h;
            }
        }
        points.sort_by_key(|&(h, _)| h);
        points.dedup_by_key(|&mut (h, _)| h);
        Ok(Self { points })
    }

    /// Number of distinct points.
    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// Whether the continuum is empty.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// Picks for `key`: first point >= CRC32(key), then following points, up to 20 tries, then round
    /// robin. An empty key or a single server uses round robin. `None` = 502.
    pub fn pick(
        &self,
        upstream: &mut NginxUpstream,
        req: &mut NginxHashRequest,
        key: &[u8],
        now_ns: u64,
        status: &[PeerStatus],
    ) -> Option<usize> {
        if req.tries > 20 || upstream.single || key.is_empty() || self.points.is_empty() {
            return upstream.pick_round_robin(now_ns, status);
        }
        if !req.started {
            req.started = true;
            let h = crc32::crc32(key);
            req.hash = self.points.partition_point(|&(p, _)| p < h) as u64;
        }
        let now_s = upstream.now_s(now_ns);
        loop {
            let (_, peer) = self.points[(req.hash % self.points.len() as u64) as usize];
            let i = peer as usize;
            if upstream.peers[i].usable(status_of(status, i), now_s) {
                // One peer per server: smooth WRR over one candidate leaves its weights balanced.
                let p = &mut upstream.peers[i];
                let total = p.accumulate();
                p.current_weight -= total;
                return Some(upstream.take(i, now_s));
            }
            req.hash += 1;
            req.tries += 1;
            if req.tries > 20 {
                return upstream.pick_round_robin(now_ns, status);
            }
        }
    }
}

/// Splits `host:port` as NGINX does (trailing digits after the last `:`); `unix:` has no port.
fn split_host_port(name: &[u8]) -> (&[u8], &[u8]) {
    if name.len() >= 5 && name[..5].eq_ignore_ascii_case(b"unix:") {
        return (&name[5..], &[]);
    }
    for j in 0..name.len() {
        let c = name[name.len() - j - 1];
        if c == b':' {
            return (&name[..name.len() - j - 1], &name[name.len() - j..]);
        }
        if !c.is_ascii_digit() {
            break;
        }
    }
    (name, &[])
}

#[cfg(test)]
mod tests {
    use super::super::nginx::NginxServer;
    use super::*;

    fn up(weights: &[u32]) -> NginxUpstream {
        let servers: Vec<_> = weights.iter().map(|&w| NginxServer::new(w)).collect();
        NginxUpstream::new(&servers, 0).unwrap()
    }

    fn ip_hash_of(bytes: &[u8]) -> u64 {
        bytes.iter().fold(89u64, |h, &b| (h * 113 + u64::from(b)) % 6271)
    }

    #[test]
    fn ip_hash_uses_first_three_octets_and_weighted_walk() {
        let mut u = up(&[1, 2, 3]);
        let st = vec![PeerStatus::USABLE; 3];
        let h = ip_hash_of(&[192, 168, 7]);
        let w = h % 6;
        let want = if w < 1 {
            0
        } else if w < 3 {
            1
        } else {
            2
        };
        let mut r = NginxHashRequest::default();
        assert_eq!(u.pick_ip_hash(&mut r, &[192, 168, 7, 1], 0, &st), Some(want));
        let mut r2 = NginxHashRequest::default();
        assert_eq!(u.pick_ip_hash(&mut r2, &[192, 168, 7, 254], 0, &st), Some(want));
    }

    #[test]
    fn ip_hash_rehashes_from_the_current_value_when_the_peer_is_unusable() {
        let mut u = up(&[1, 1, 1, 1]);
        let addr = [10u8, 0, 0, 1];
        let h1 = ip_hash_of(&addr[..3]);
        let first = (h1 % 4) as usize;
        let mut st = vec![PeerStatus::USABLE; 4];
        st[first].down = true;
        // Re-hash continues from h1.
        let mut h = h1;
        let mut want = first;
        while want == first {
            h = addr[..3].iter().fold(h, |h, &b| (h * 113 + u64::from(b)) % 6271);
            want = (h % 4) as usize;
        }
        let mut r = NginxHashRequest::default();
        assert_eq!(u.pick_ip_hash(&mut r, &addr, 0, &st), Some(want));
    }

    #[test]
    fn hash_key_accumulates_crc_of_prefixed_attempts() {
        let mut u = up(&[1, 1, 1]);
        let key = b"/some/uri";
        let h0 = u64::from((crc32::crc32(key) >> 16) & 0x7fff);
        let first = (h0 % 3) as usize;
        let mut st = vec![PeerStatus::USABLE; 3];
        let mut r = NginxHashRequest::default();
        assert_eq!(u.pick_hash(&mut r, key, 0, &st), Some(first));
        st[first].tried = true;
        let h1 = h0 + u64::from((crc32::crc32(b"1/some/uri") >> 16) & 0x7fff);
        let mut r = NginxHashRequest::default();
        let got = u.pick_hash(&mut r, key, 0, &st).unwrap();
        if (h1 % 3) as usize != first {
            assert_eq!(got, (h1 % 3) as usize);
        }
        assert_ne!(got, first);
    }

    #[test]
    fn chash_has_160_points_per_weight_chained_from_host_nul_port() {
        let u = up(&[1, 2]);
        let c = NginxChash::new(&u, &["10.0.0.1:80", "10.0.0.2:80"]).unwrap();
        assert_eq!(c.len(), 480);
        let base = crc32::update(crc32::update(crc32::update(crc32::INIT, b"10.0.0.1"), &[0]), b"80");
        let p0 = crc32::finish(crc32::update(base, &[0, 0, 0, 0]));
        let p1 = crc32::finish(crc32::update(base, &p0.to_le_bytes()));
        assert!(c.points.contains(&(p0, 0)) && c.points.contains(&(p1, 0)));
        assert!(c.points.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn chash_picks_first_point_at_or_after_key_hash_and_skips_unusable() {
        let mut u = up(&[1, 1, 1]);
        let c = NginxChash::new(&u, &["a:1", "b:1", "c:1"]).unwrap();
        let key = b"user-42";
        let h = crc32::crc32(key);
        let idx = c.points.partition_point(|&(p, _)| p < h) % c.len();
        let want = c.points[idx].1 as usize;
        let st = vec![PeerStatus::USABLE; 3];
        let mut r = NginxHashRequest::default();
        assert_eq!(c.pick(&mut u, &mut r, key, 0, &st), Some(want));
        let mut st2 = st.clone();
        st2[want].down = true;
        let mut k = idx;
        while c.points[k % c.len()].1 as usize == want {
            k += 1;
        }
        let mut r = NginxHashRequest::default();
        assert_eq!(c.pick(&mut u, &mut r, key, 0, &st2), Some(c.points[k % c.len()].1 as usize));
    }

    #[test]
    fn split_host_port_follows_nginx() {
        assert_eq!(split_host_port(b"10.0.0.1:8080"), (&b"10.0.0.1"[..], &b"8080"[..]));
        assert_eq!(split_host_port(b"unix:/tmp/s"), (&b"/tmp/s"[..], &b""[..]));
        assert_eq!(split_host_port(b"example.com"), (&b"example.com"[..], &b""[..]));
        let mut buf = [0u8; 10];
        assert_eq!(decimal(120, &mut buf), b"120");
    }
}
