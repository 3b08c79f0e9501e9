//! Streaming aggregates of a run: outcome counters by cause, latency histograms, per-station queue
//! statistics, per-user impact. Memory depends on the run's length in buckets and on the number of
//! nodes and users, never on the number of requests.

mod outcome;
pub mod queueing;
mod recorder;
mod timeline;
mod users;

pub use outcome::{N_OUTCOMES, Outcome};
pub use recorder::{NO_USER, Recorder, StationStats};
pub use timeline::{LogEntry, Logged, TimelineRec, USER_SEGMENTS};
pub use users::{BitSet, MAX_PATH_USER_BITS, PathUsers, PopUsers};
