//! A trace as the files the simulator reads (`--requests`, `--outages`).

use crate::trace_gen::Trace;

/// Writes `REQUESTS.csv`.
pub fn requests_csv(t: &Trace) -> String {
    let mut s = String::from("id,send_ms,client_key,path,service_ms,status\n");
    for r in &t.requests {
        s.push_str(&format!("{},{},{},{},{},{}\n", r.id, r.send_ms, r.client_key, r.path, r.service_ms, r.status));
    }
    s
}

/// Writes `OUTAGES.csv`.
pub fn outages_csv(t: &Trace) -> String {
    let mut s = String::from("time_ms,backend,action\n");
    for (ms, b, up) in &t.outages {
        s.push_str(&format!("{ms},{b},{}\n", if *up { "up" } else { "down" }));
    }
    s
}
