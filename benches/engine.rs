//! Engine throughput: one replicate on one thread, for the M/M/c reference station and the
//! reference topology (clients -> gateway -> load balancer -> 3 services). Criterion reports
//! elements (requests) per second; multiply by the events per request that `gatesim bench` prints
//! to get events per second.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gatesim::cli::bench::{mmc_scenario, reference_scenario};
use gatesim::sim::{engine::Simulation, plan};
use std::hint::black_box;

fn engine(c: &mut Criterion) {
    let requests = 200_000;
    let mut group = c.benchmark_group("engine");
    group.sample_size(10);
    group.throughput(Throughput::Elements(requests));
    for (name, scenario) in
        [("mmc_lambda37_mu5_c9", mmc_scenario(requests)), ("reference_topology", reference_scenario(requests))]
    {
        let plan = plan::compile(&scenario);
        group.bench_function(name, |b| b.iter(|| black_box(Simulation::new(&plan, 0).run().events)));
    }
    group.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
