#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark: a bad fixture should stop it loudly
//! ns per decision for every rate limiter and balancer (8 peers), plus outlier and breaker records.

use criterion::{Criterion, criterion_group, criterion_main};
use gatesim::policy::Entropy;
use gatesim::policy::balance::*;
use gatesim::policy::breaker::{BreakerState, EnvoyBreaker, Overflow};
use gatesim::policy::outlier::{OutlierConfig, OutlierDetector};
use gatesim::policy::ratelimit::*;
use gatesim::policy::resilience4j::{R4jConfig, Resilience4j};
use std::hint::black_box;

struct Rng(u64);
impl Entropy for Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

const STEP: u64 = 3_000_000; // 3 ms between requests

fn rate_limiters(c: &mut Criterion) {
    let mut g = c.benchmark_group("ratelimit");
    let lr = LimitReq::simple(LimitReqRate::PerSecond(100), 50, LimitReqDelay::Requests(10)).unwrap();
    let (mut s, mut t) = (LimitReqState::default(), 0u64);
    g.bench_function("nginx_limit_req", |b| {
        b.iter(|| {
            t += STEP;
            black_box(lr.check(&mut s, black_box(t)))
        })
    });
    let env = EnvoyTokenBucket::new(100, 10, 100_000_000, EnvoyRefill::Continuous).unwrap();
    let (mut s, mut t) = (TokenBucketState::default(), 0u64);
    g.bench_function("envoy_token_bucket", |b| {
        b.iter(|| {
            t += STEP;
            black_box(env.check(&mut s, black_box(t)))
        })
    });
    let aws = AwsThrottle::new(300, 100).unwrap();
    let (mut s, mut t) = (TokenBucketState::default(), 0u64);
    g.bench_function("aws_token_bucket", |b| {
        b.iter(|| {
            t += STEP;
            black_box(aws.check(&mut s, black_box(t)))
        })
    });
    let tr = Traefik::new(300, 0, 50).unwrap();
    let (mut s, mut t) = (TraefikState::default(), 0u64);
    g.bench_function("traefik", |b| {
        b.iter(|| {
            t += STEP;
            black_box(tr.check(&mut s, black_box(t)))
        })
    });
    let gc = Gcra::per_second(300, Some(50)).unwrap();
    let (mut s, mut t) = (GcraState::default(), 0u64);
    g.bench_function("gcra", |b| {
        b.iter(|| {
            t += STEP;
            black_box(gc.check(&mut s, black_box(t)))
        })
    });
    let kong =
        Kong::new([Some(300), Some(10_000), None, None, None, None], KongCounting::Local, 1_700_000_000_000).unwrap();
    let (mut s, mut t) = (KongState::default(), 0u64);
    g.bench_function("kong_fixed_window", |b| {
        b.iter(|| {
            t += STEP;
            black_box(kong.check(&mut s, black_box(t)))
        })
    });
    let er = EnvoyRatelimit::new(300, 1, 1_700_000_000_000).unwrap();
    let (mut s, mut t) = (FixedWindowState::default(), 0u64);
    g.bench_function("envoy_ratelimit_window", |b| {
        b.iter(|| {
            t += STEP;
            black_box(er.check(&mut s, black_box(t)))
        })
    });
    let hr = HttpReqRate::new(10_000, 3000, 30_000, 429).unwrap();
    let (mut s, mut t) = (HttpReqRateState::default(), 0u64);
    g.bench_function("haproxy_http_req_rate", |b| {
        b.iter(|| {
            t += STEP;
            black_box(hr.track(&mut s, black_box(t)))
        })
    });
    g.finish();
}

fn balancers(c: &mut Criterion) {
    let mut g = c.benchmark_group("balance8");
    let st = [PeerStatus::USABLE; 8];
    let weights = [5u32, 1, 1, 2, 3, 1, 4, 2];
    let servers: Vec<_> = weights.iter().map(|&w| NginxServer::new(w)).collect();
    let mut rr = RoundRobin::new(8).unwrap();
    g.bench_function("round_robin", |b| b.iter(|| black_box(rr.pick(0, black_box(&st)))));
    let mut rng = Rng(1);
    let rp = RandomPick::new(8).unwrap();
    g.bench_function("random", |b| b.iter(|| black_box(rp.pick(0, black_box(&st), &mut rng))));
    let mut up = NginxUpstream::new(&servers, 0).unwrap();
    g.bench_function("nginx_swrr", |b| b.iter(|| black_box(up.pick_round_robin(0, black_box(&st)))));
    let mut up = NginxUpstream::new(&servers, 0).unwrap();
    let mut k = 0usize;
    g.bench_function("nginx_least_conn", |b| {
        b.iter(|| {
            let p = up.pick_least_conn(0, black_box(&st));
            if let Some(p) = p {
                up.on_start(p);
                k += 1;
                up.on_finish((p + k) % 8, PeerOutcome::Success, 0);
            }
            black_box(p)
        })
    });
    let mut up = NginxUpstream::new(&servers, 0).unwrap();
    let mut ip = 0u32;
    g.bench_function("nginx_ip_hash", |b| {
        b.iter(|| {
            ip = ip.wrapping_add(0x0101_0101);
            let mut req = NginxHashRequest::default();
            black_box(up.pick_ip_hash(&mut req, &ip.to_be_bytes(), 0, black_box(&st)))
        })
    });
    let mut up = NginxUpstream::new(&servers, 0).unwrap();
    let names = [
        "10.0.0.1:80",
        "10.0.0.2:80",
        "10.0.0.3:80",
        "10.0.0.4:80",
        "10.0.0.5:80",
        "10.0.0.6:80",
        "10.0.0.7:80",
        "10.0.0.8:80",
    ];
    let ch = NginxChash::new(&up, &names).unwrap();
    g.bench_function("nginx_hash_consistent", |b| {
        b.iter(|| {
            ip = ip.wrapping_add(7919);
            let mut req = NginxHashRequest::default();
            black_box(ch.pick(&mut up, &mut req, &ip.to_le_bytes(), 0, black_box(&st)))
        })
    });
    let mut fwrr = HaproxyRoundRobin::new(&weights).unwrap();
    g.bench_function("haproxy_roundrobin_fwrr", |b| b.iter(|| black_box(fwrr.pick(0, black_box(&st)))));
    let mut fwlc = HaproxyLeastConn::new(&weights).unwrap();
    g.bench_function("haproxy_leastconn", |b| {
        b.iter(|| {
            let p = fwlc.pick(0, black_box(&st));
            if let Some(p) = p {
                fwlc.on_start(p);
                k += 1;
                fwlc.on_finish((p + k) % 8);
            }
            black_box(p)
        })
    });
    let first = HaproxyFirst::new(8).unwrap();
    g.bench_function("haproxy_first", |b| b.iter(|| black_box(first.pick(0, black_box(&st)))));
    let mut src = HaproxySource::new(&weights).unwrap();
    g.bench_function("haproxy_source", |b| {
        b.iter(|| {
            ip = ip.wrapping_add(7919);
            black_box(src.pick(&ip.to_be_bytes(), 0, black_box(&st)))
        })
    });
    let mut err = EnvoyRoundRobin::new(&weights, &mut rng).unwrap();
    g.bench_function("envoy_wrr_edf", |b| b.iter(|| black_box(err.pick(0, black_box(&st)))));
    let mut elr = EnvoyLeastRequest::new(&[1; 8], 2, 1.0, &mut rng).unwrap();
    g.bench_function("envoy_least_request_p2c", |b| {
        b.iter(|| {
            let p = elr.pick(0, black_box(&st), &mut rng);
            if let Some(p) = p {
                elr.on_start(p);
                k += 1;
                elr.on_finish((p + k) % 8);
            }
            black_box(p)
        })
    });
    let mut elw = EnvoyLeastRequest::new(&weights, 2, 1.0, &mut rng).unwrap();
    g.bench_function("envoy_least_request_weighted", |b| b.iter(|| black_box(elw.pick(0, black_box(&st), &mut rng))));
    let mut ring = RingHash::new(&names, &weights, 1024, 8_388_608).unwrap();
    g.bench_function("envoy_ring_hash", |b| b.iter(|| black_box(ring.pick(rng.next_u64(), 0, black_box(&st)))));
    let mut mag = Maglev::new(&names, &weights, Maglev::DEFAULT_TABLE_SIZE).unwrap();
    g.bench_function("envoy_maglev", |b| b.iter(|| black_box(mag.pick(rng.next_u64(), 0, black_box(&st)))));
    g.finish();
}

fn records(c: &mut Criterion) {
    let mut g = c.benchmark_group("record");
    let mut rng = Rng(3);
    let mut od = OutlierDetector::new(OutlierConfig::default(), 8).unwrap();
    let mut i = 0usize;
    g.bench_function("outlier_record", |b| {
        b.iter(|| {
            i += 1;
            let code = if i.is_multiple_of(7) { 503 } else { 200 };
            black_box(od.record(i % 8, code, i as u64, &mut rng))
        })
    });
    let br = EnvoyBreaker::default();
    let mut bs = BreakerState::default();
    g.bench_function("envoy_breaker_request", |b| {
        b.iter(|| {
            let r = br.try_request(black_box(&mut bs));
            br.release(&mut bs, Overflow::Requests);
            black_box(r)
        })
    });
    let mut r4 = Resilience4j::new(R4jConfig::default()).unwrap();
    g.bench_function("resilience4j_record", |b| {
        b.iter(|| {
            i += 1;
            let p = r4.try_acquire(i as u64);
            r4.on_result(i.is_multiple_of(5), 1_000, i as u64);
            black_box(p)
        })
    });
    g.finish();
}

criterion_group!(benches, rate_limiters, balancers, records);
criterion_main!(benches);
