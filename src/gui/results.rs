//! The bottom of the window: seven summary cards and the time-series charts (live from partial
//! reports during a run). Card contents are computed as data ([`cards`]) before they are drawn.
//! The users card is in `users.rs`, the cost card in `cost.rs`, the charts in `charts.rs`.
//!
//! A card never shows a bare dash: without a figure it says in a word or two why (`no alarm`,
//! `not run yet`), and on its line what would give it one ("add an alarm to measure time to
//! detect", "run (F5) to ..."); a scenario with nothing to simulate says what to add, in the words
//! of [`crate::model::ready`].

mod charts;
mod cost;
mod users;

pub use charts::charts_ui;
pub use cost::{ADD_BUSINESS, cost_card};
pub use users::users_card;

use super::theme;
use crate::model::ready;
use crate::model::{DataStore, Event, EventKind, FaultKind, Node, Scenario};
use crate::report::timeline::StoreReport;
use crate::report::{Report, duration_text};
use egui::{Color32, RichText, Ui};

/// Caption of the users-impacted card.
pub const USERS_IMPACTED: &str = "users impacted";
/// Caption of the failed-requests card.
pub const FAILED_REQUESTS: &str = "failed requests";
/// Caption of the p99 card.
pub const LATENCY_P99: &str = "latency p99";
/// Caption of the time-to-detect card.
pub const TIME_TO_DETECT: &str = "time to detect";
/// Caption of the RTO card.
pub const RTO: &str = "outage (RTO)";
/// Caption of the RPO card.
pub const RPO: &str = "data lost (RPO)";
/// Caption of the cost card.
pub const COST: &str = "cost";

/// One summary card.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Card {
    /// What the figure is.
    pub caption: &'static str,
    /// The figure, or a word or two saying why there is none (see `no_figure`).
    pub value: String,
    /// A line of context under it.
    pub detail: String,
    /// Colour of the figure.
    pub colour: Color32,
    /// Rows of a table shown on hover (figure, value); empty: no hover.
    pub more: Vec<(String, String)>,
    /// The card has no figure: `value` says why, `detail` what would give it one.
    pub no_figure: bool,
}

/// A count in words: `1,234`, `2.07 M`.
pub fn count_text(n: f64) -> String {
    // An empty sum is -0.0: it reads 0.
    let n = n + 0.0;
    if n >= 1e6 {
        format!("{:.2} M", n / 1e6)
    } else if n >= 1e4 {
        format!("{:.1} k", n / 1e3)
    } else {
        format!("{n:.0}")
    }
}

/// The users-impacted figure as the card shows it.
pub fn pct_text(pct: f64) -> String {
    format!("{pct:.1} %")
}

/// A latency as the cards show it.
pub fn ms_text(ms: f64) -> String {
    if ms >= 1000.0 { format!("{:.2} s", ms / 1000.0) } else { format!("{ms:.0} ms") }
}

/// An interval of durations: `[15, 37] min`, or in seconds when short.
fn interval_text(low: f64, high: f64) -> String {
    if high >= 120.0 {
        format!("[{:.0}, {:.0}] min", low / 60.0, high / 60.0)
    } else {
        format!("[{low:.0}, {high:.0}] s")
    }
}

/// A card without a figure: `why` in a word or two where the figure would be, and on its line
/// what would give it one.
fn no_figure(caption: &'static str, why: &str, detail: &str) -> Card {
    Card {
        caption,
        value: why.into(),
        detail: detail.into(),
        colour: theme::TEXT_DIM,
        no_figure: true,
        ..Default::default()
    }
}

/// Whether the timeline has an entry of a kind: the run's when there is one (what was run),
/// else the scenario's.
fn has_entry(s: &Scenario, r: Option<&Report>, kinds: &[EventKind]) -> bool {
    match r {
        Some(r) => r.timeline.as_ref().is_some_and(|t| t.entries.iter().any(|e| kinds.contains(&e.kind))),
        None => s.timeline.iter().any(|e| kinds.contains(&e.kind())),
    }
}

const INCIDENT_KINDS: [EventKind; 3] = [EventKind::Change, EventKind::Fault, EventKind::Traffic];
/// Value of a card before the first run.
pub const NOT_RUN: &str = "not run yet";
/// Value of every card while the scenario has nothing to simulate (its line says what to add).
pub const NOTHING_TO_RUN: &str = "nothing to run";
/// The time-to-detect card's line without an alarm.
pub const ADD_ALARM: &str = "add an alarm to measure time to detect";
/// The time-to-detect card's line without a fault, change or traffic event.
pub const ADD_INCIDENT: &str = "add a fault or change to the timeline to measure time to detect";
/// The RTO card's line without a fault, change or traffic event.
pub const NOTHING_TO_RECOVER: &str = "nothing to recover: add a fault or change to measure an outage";
/// The line of the time cards when the timeline's entries all lie after the run's end.
const NOTHING_STARTED: &str = "no fault, change or traffic event started during the run: move one inside it";

/// Time from the trigger to the first alarm firing after it (median over the replicates where an
/// alarm fired), with the alarm and when it fired in replicate 0; without one, what is missing
/// (an alarm, an incident, a run).
fn detect_card(s: &Scenario, r: Option<&Report>) -> Card {
    if !has_entry(s, r, &[EventKind::Alarm]) {
        return no_figure(TIME_TO_DETECT, "no alarm", ADD_ALARM);
    }
    if !has_entry(s, r, &INCIDENT_KINDS) {
        return no_figure(TIME_TO_DETECT, "no incident", ADD_INCIDENT);
    }
    let Some(r) = r else {
        return no_figure(TIME_TO_DETECT, NOT_RUN, "run (F5) to measure time to detect");
    };
    let Some(t) = r.timeline.as_ref() else {
        return no_figure(TIME_TO_DETECT, "no alarm", ADD_ALARM);
    };
    let Some(median) = t.time_to_detect_s.median else {
        return match t.trigger {
            Some(_) => no_figure(
                TIME_TO_DETECT,
                "not detected",
                "no alarm fired after the trigger: lower a threshold or watch another metric",
            ),
            None => no_figure(TIME_TO_DETECT, "no incident", NOTHING_STARTED),
        };
    };
    let first = t.trigger.as_ref().and_then(|tr| {
        t.log.iter().find(|l| l.kind == EventKind::Alarm && l.what == "firing" && l.t_s >= tr.at_s - 1e-9)
    });
    let counted = format!("{} of {} detected", t.time_to_detect_s.n, r.replicates);
    let detail = match first {
        Some(l) => {
            let at = super::timeline::time_text(r.start, l.t_s);
            let long = format!("alarm {} at {at} · {counted}", l.entry);
            // A long alarm name keeps the card's line short.
            if long.chars().count() > 44 {
                format!("{} at {at} · {} of {}", l.entry, t.time_to_detect_s.n, r.replicates)
            } else {
                long
            }
        }
        None => counted,
    };
    Card { caption: TIME_TO_DETECT, value: duration_text(median), detail, colour: theme::TEXT, ..Default::default() }
}

/// Measured RTO: from the trigger to the SLO met again for the hold period (median over the
/// replicates that recovered); without an incident, nothing to recover.
fn rto_card(s: &Scenario, r: Option<&Report>) -> Card {
    if !has_entry(s, r, &INCIDENT_KINDS) {
        return no_figure(RTO, "no outage", NOTHING_TO_RECOVER);
    }
    let Some(r) = r else {
        return no_figure(RTO, NOT_RUN, "run (F5) to measure the outage");
    };
    let Some(t) = r.timeline.as_ref() else {
        return no_figure(RTO, "no outage", NOTHING_TO_RECOVER);
    };
    let Some(trigger) = &t.trigger else {
        return no_figure(RTO, "no outage", NOTHING_STARTED);
    };
    let spread = &t.rto_s;
    match spread.median {
        Some(median) if t.recovered_in > 0 => {
            let interval = match (spread.low, spread.high) {
                (Some(l), Some(h)) if spread.n > 1 => format!(" · {}", interval_text(l, h)),
                _ => String::new(),
            };
            let detail = if median == 0.0 && spread.high == Some(0.0) {
                "the SLO was not breached after the trigger".to_owned()
            } else {
                format!("recovered in {} of {}{interval}", t.recovered_in, r.replicates)
            };
            let colour = if median == 0.0 { theme::OK } else { theme::BAD };
            Card { caption: RTO, value: duration_text(median), detail, colour, ..Default::default() }
        }
        _ => Card {
            caption: RTO,
            value: format!("> {}", duration_text((r.duration_s - trigger.at_s).max(0.0))),
            detail: "not recovered by the end of the run".into(),
            colour: theme::BAD,
            ..Default::default()
        },
    }
}

/// An age of lost data: `180 ms`, `2.5 s`, `3 min 20 s`.
pub fn age_text(s: f64) -> String {
    if s < 120.0 { ms_text(s * 1000.0) } else { duration_text(s) }
}

/// Whether the timeline fails `region`: a region outage aimed at it.
fn region_outage(s: &Scenario, region: &str) -> bool {
    s.timeline.iter().any(|e| matches!(e, Event::Fault(f) if f.target == region && f.kind == FaultKind::Down))
}

/// Measured RPO: the age of the oldest committed write lost when a data store's primary was lost
/// (median over the replicates where it failed over), from the run's `stores`; the store that
/// lost the most when there are several. Without a figure, the card says what the scenario lacks
/// to give one: a data store, a replica, a run, an outage of the primary's region, a promotion.
pub fn rpo_card(s: &Scenario, stores: Option<&[StoreReport]>, replicates: u32) -> Card {
    let all: Vec<&DataStore> = s
        .topology
        .nodes
        .iter()
        .filter_map(|n| match n {
            Node::DataStore(d) => Some(d),
            _ => None,
        })
        .collect();
    let Some(first) = all.first() else {
        return no_figure(RPO, "no data store", "add a data store with replicas to measure data lost");
    };
    let Some(store) = all.iter().find(|d| !d.replicas.is_empty() || d.backups.is_some()) else {
        return no_figure(
            RPO,
            "no replica",
            &format!("give {} a replica in another region to measure data lost", first.name),
        );
    };
    let Some(stores) = stores else {
        return no_figure(RPO, NOT_RUN, "run (F5) to measure data lost");
    };
    let lost = stores
        .iter()
        .filter(|x| x.failed_over_in > 0)
        .filter_map(|x| Some((x, x.rpo_age_s.median?)))
        .max_by(|a, b| a.1.total_cmp(&b.1));
    if let Some((x, age)) = lost {
        let writes = x.rpo_writes.median.map_or_else(
            || "? writes".to_owned(),
            |w| match count_text(w).as_str() {
                "1" => "1 write".to_owned(),
                c => format!("{c} writes"),
            },
        );
        let who = if all.len() > 1 { format!(" · {}", x.store) } else { String::new() };
        let runs = format!("{} of {replicates}", x.failed_over_in);
        let detail = if age == 0.0 {
            format!("no committed write lost{who} · {runs}")
        } else {
            format!("{writes} lost{who} · {runs}")
        };
        let colour = if age == 0.0 { theme::OK } else { theme::BAD };
        return Card { caption: RPO, value: age_text(age), detail, colour, ..Default::default() };
    }
    let (why, detail) = match &store.region {
        None => ("no region", format!("give {} a primary region to measure data lost", store.name)),
        Some(r) if !region_outage(s, r) => {
            ("no outage", format!("add an outage of {r} to the timeline to measure data lost"))
        }
        Some(_) if store.failover.is_none() && store.backups.is_none() => {
            ("no promotion", format!("{} waits for its primary: turn on promotion to measure data lost", store.name))
        }
        Some(r) => {
            let outlast = match &store.failover {
                Some(p) => format!("outlast its promotion ({})", duration_text(p.detect.0 + p.promote.0)),
                None => "last longer".to_owned(),
            };
            (
                "no failover",
                format!("{} did not fail over during the run: make the outage of {r} {outlast}", store.name),
            )
        }
    };
    no_figure(RPO, why, &detail)
}

/// The seven cards for a report of `scenario`, or before its first run. Time to detect and RTO
/// come from the run's timeline, RPO from its data stores, cost from the price table applied to
/// the run ([`cost_card`]); when the scenario cannot produce a figure, the card says why and what
/// to add; when it has nothing to simulate ([`ready::missing`]), every card says what to add
/// (the canvas says why).
pub fn cards(scenario: &Scenario, report: Option<&Report>) -> [Card; 7] {
    let captions = [USERS_IMPACTED, FAILED_REQUESTS, LATENCY_P99, TIME_TO_DETECT, RTO, RPO, COST];
    let Some(r) = report else {
        if let Some(missing) = ready::missing(scenario) {
            return captions.map(|c| no_figure(c, NOTHING_TO_RUN, &missing.action()));
        }
        return [
            no_figure(USERS_IMPACTED, NOT_RUN, "run (F5) to see the users hurt"),
            no_figure(FAILED_REQUESTS, NOT_RUN, "run (F5) to count failed requests"),
            no_figure(LATENCY_P99, NOT_RUN, "run (F5) to measure latency"),
            detect_card(scenario, None),
            rto_card(scenario, None),
            rpo_card(scenario, None, 0),
            no_figure(COST, NOT_RUN, "run (F5) to price this design"),
        ];
    };
    let s = &r.summary;
    let stores = r.timeline.as_ref().map_or(&[][..], |t| t.stores.as_slice());
    let rest = || {
        [
            detect_card(scenario, Some(r)),
            rto_card(scenario, Some(r)),
            rpo_card(scenario, Some(stores), r.replicates),
            cost_card(r.cost.as_ref()),
        ]
    };
    if s.requests <= 0.0 {
        // Nothing was sent (no traffic, or a run too short for an arrival): the request figures
        // would read "0 %" and "0", which look like results.
        let why = "no request was sent: give the clients traffic, or run longer";
        let [d, o, p, c] = rest();
        return [
            no_figure(USERS_IMPACTED, "no requests", why),
            no_figure(FAILED_REQUESTS, "no requests", why),
            no_figure(LATENCY_P99, "no requests", why),
            d,
            o,
            p,
            c,
        ];
    }
    let impacted = users_card(r);
    let failed: f64 = s.failures_by_cause.values().sum();
    let top = s.failures_by_cause.iter().max_by(|a, b| a.1.total_cmp(b.1)).filter(|(_, n)| **n > 0.0);
    let failed_card = Card {
        caption: FAILED_REQUESTS,
        value: count_text(failed),
        detail: match top {
            Some((o, n)) => format!("{} {:.0} % of failures", o.name(), 100.0 * n / failed),
            None => format!("of {} requests", count_text(s.requests)),
        },
        colour: theme::error_colour(if s.requests > 0.0 { failed / s.requests } else { 0.0 }),
        ..Default::default()
    };
    let p99 = match s.latency_ms.p99 {
        Some(p) => Card {
            caption: LATENCY_P99,
            value: ms_text(p),
            detail: s.latency_ms.p50.map(|m| format!("p50 {}", ms_text(m))).unwrap_or_default(),
            colour: theme::TEXT,
            ..Default::default()
        },
        None => no_figure(LATENCY_P99, "no success", "no request succeeded: see failed requests for why"),
    };
    let [d, o, p, c] = rest();
    [impacted, failed_card, p99, d, o, p, c]
}

/// The row of cards.
pub fn cards_ui(ui: &mut Ui, cards: &[Card]) {
    let n = cards.len() as f32;
    let gap = 8.0;
    let w = ((ui.available_width() - gap * (n - 1.0)) / n).max(80.0);
    ui.horizontal(|ui| {
        ui.spacing_mut().item_spacing.x = gap;
        for c in cards {
            let card = egui::Frame::new()
                .fill(theme::CARD)
                .stroke(egui::Stroke::new(1.0, theme::CARD_BORDER))
                .corner_radius(theme::RADIUS)
                .inner_margin(egui::Margin::symmetric(10, 6))
                .show(ui, |ui| {
                    ui.set_width(w - 22.0);
                    // Room for a line on two rows (a card without a figure).
                    ui.set_height(60.0);
                    ui.vertical(|ui| {
                        ui.spacing_mut().item_spacing.y = 1.0;
                        ui.label(RichText::new(c.caption).size(12.0).color(theme::TEXT_DIM));
                        if c.no_figure {
                            // Why, then what would give a figure, on up to two lines (the whole
                            // of it on hover): the line is the point of the card.
                            ui.label(RichText::new(&c.value).size(14.0).strong().color(c.colour));
                            let mut job = egui::text::LayoutJob::simple(
                                c.detail.clone(),
                                egui::FontId::proportional(11.0),
                                theme::TEXT,
                                ui.available_width(),
                            );
                            job.wrap.max_rows = 2;
                            ui.add(egui::Label::new(job)).on_hover_text(&c.detail);
                        } else {
                            ui.label(RichText::new(&c.value).size(20.0).strong().color(c.colour));
                            ui.add(
                                egui::Label::new(RichText::new(&c.detail).size(11.0).color(theme::TEXT_DIM)).truncate(),
                            );
                        }
                    });
                });
            if !c.more.is_empty() {
                card.response.on_hover_ui(|ui| {
                    egui::Grid::new(("card-more", c.caption)).num_columns(2).spacing([16.0, 2.0]).show(ui, |ui| {
                        for (figure, value) in &c.more {
                            ui.label(figure);
                            ui.label(RichText::new(value).color(theme::TEXT));
                            ui.end_row();
                        }
                    });
                });
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No card shows a bare placeholder: without a figure, it says why and what would give one.
    fn honest(cards: &[Card]) {
        for c in cards {
            assert!(!["-", "", "n/a", "?"].contains(&c.value.trim()), "{c:?}");
            if c.no_figure {
                assert!(c.detail.split_whitespace().count() >= 4, "{c:?}");
            }
        }
    }

    #[test]
    fn without_a_report_the_cards_say_what_to_add_or_to_run() {
        // Nothing to simulate: every card says what is missing, in validation's words.
        let empty = Scenario::new("t", Default::default());
        let cards_of_empty = cards(&empty, None);
        honest(&cards_of_empty);
        let missing = ready::missing(&empty).map(|m| m.action()).unwrap_or_default();
        assert_eq!(missing, "add clients and what they call, then link them");
        assert!(cards_of_empty.iter().all(|c| c.value == NOTHING_TO_RUN && c.detail == missing));
        // Runnable, not run: run (F5), or what the scenario lacks for a figure (an alarm, an
        // incident, a data store) even before a run.
        let (s, _) = run("");
        let [users, failed, p99, detect, rto, rpo, cost] = cards(&s, None);
        honest(&[users.clone(), failed, p99, detect.clone(), rto.clone(), rpo.clone(), cost.clone()]);
        assert_eq!((users.value.as_str(), users.detail.as_str()), (NOT_RUN, "run (F5) to see the users hurt"));
        assert_eq!((detect.value.as_str(), detect.detail.as_str()), ("no alarm", ADD_ALARM));
        assert_eq!((rto.value.as_str(), rto.detail.as_str()), ("no outage", NOTHING_TO_RECOVER));
        assert_eq!(rpo.detail, "add a data store with replicas to measure data lost");
        assert_eq!(cost.detail, "run (F5) to price this design");
        let (s, _) = run(&format!("{OUTAGE}, {ALARM}"));
        let [.., detect, rto, _, _] = cards(&s, None);
        assert_eq!(detect.detail, "run (F5) to measure time to detect");
        assert_eq!(rto.detail, "run (F5) to measure the outage");
    }

    fn run(timeline: &str) -> (Scenario, Report) {
        let text = format!(
            r#"Scenario(format_version: 1, name: "t", run: (seed: 3, duration_s: 600, start: "2024-03-05T09:00:00Z"),
            slo: (window: "10s", hold: "1m"),
            topology: (nodes: [
                Clients((name: "users", users: 500, arrivals: Deterministic, traffic: Constant(rate_rps: 50.0))),
                Service((name: "api", instances: 2, concurrency: 8, queue_capacity: 16, service_time: Constant(ms: 10.0))),
            ], links: [(from: "users", to: "api", latency: Constant(ms: 1.0))]),
            timeline: [{timeline}])"#
        );
        let s = crate::model::load::from_str(&text, std::path::Path::new("t.ron")).unwrap_or_else(|e| panic!("{e}"));
        let r = crate::sim::run(&s, &Default::default()).unwrap_or_else(|e| panic!("{e}"));
        (s, r)
    }

    const OUTAGE: &str = r#"Fault((name: "outage", at: "09:01:40", end: "09:03:20", target: "api", kind: Errors(share: 1.0, status: 503)))"#;
    const ALARM: &str = r#"Alarm((name: "5xx", metric: Share5xx, threshold: 0.05, rule: Prometheus(interval: "10s", window: "10s", for: "10s")))"#;

    #[test]
    fn a_fault_and_an_alarm_give_a_time_to_detect_and_an_rto() {
        let (s, r) = run(&format!("{OUTAGE}, {ALARM}"));
        let [.., detect, rto, rpo, cost] = cards(&s, Some(&r));
        // The fault starts at 100 s; the alarm's rule holds for 10 s after a 10 s evaluation.
        let t = r.timeline.as_ref().and_then(|t| t.time_to_detect_s.median).unwrap_or_else(|| panic!("no detection"));
        assert_eq!(detect.value, duration_text(t));
        assert!(detect.detail.starts_with("alarm 5xx at 09:0"), "{detect:?}");
        assert!(detect.detail.ends_with("1 of 1 detected"), "{detect:?}");
        // Down from 100 s to 200 s with 10 s windows: recovered at 200 s.
        assert_eq!(rto.value, "1 min 40 s");
        assert_eq!(rto.detail, "recovered in 1 of 1");
        assert_eq!(rto.colour, theme::BAD);
        // Priced from the bundled table: one VM service of the default size, traffic out; no
        // business figures, so the card says what would price the outage.
        assert!(cost.value.starts_with('$') && cost.value.ends_with(" / month"), "{cost:?}");
        assert_eq!(cost.detail, format!("compute {:.0} % · {ADD_BUSINESS}", 100.0 * compute_share(&r)));
        assert!(cost.more.iter().any(|(k, v)| k.starts_with("  api · ") && v.starts_with('$')), "{:?}", cost.more);
        assert_eq!(
            (rpo.value.as_str(), rpo.detail.as_str()),
            ("no data store", "add a data store with replicas to measure data lost")
        );
    }

    #[test]
    fn without_what_they_need_the_cards_say_what_to_add() {
        let cards_of = |timeline: &str| {
            let (s, r) = run(timeline);
            cards(&s, Some(&r))
        };
        let [.., detect, rto, _, _] = cards_of(OUTAGE);
        assert_eq!((detect.value.as_str(), detect.detail.as_str()), ("no alarm", ADD_ALARM));
        assert_eq!(rto.value, "1 min 40 s");
        let [.., detect, rto, _, _] = cards_of(ALARM);
        assert_eq!((detect.value.as_str(), detect.detail.as_str()), ("no incident", ADD_INCIDENT));
        assert_eq!((rto.value.as_str(), rto.detail.as_str()), ("no outage", NOTHING_TO_RECOVER));
        let all = cards_of("");
        honest(&all);
        let [.., detect, rto, _, _] = all;
        assert_eq!(detect.detail, ADD_ALARM);
        assert_eq!(rto.detail, NOTHING_TO_RECOVER);
        // A fault that never ends: no recovery, and a lower bound on the outage.
        let forever = r#"Fault((name: "forever", at: 100, target: "api", kind: Errors(share: 1.0)))"#;
        let [.., rto, _, _] = cards_of(forever);
        assert_eq!(rto.detail, "not recovered by the end of the run");
        assert_eq!(rto.value, "> 8 min 20 s");
        // Every request failed: no latency of a success to show, and the card says where to look.
        let all = r#"Fault((name: "all", at: 0, target: "api", kind: Errors(share: 1.0)))"#;
        let cards = cards_of(all);
        honest(&cards);
        let [_, failed, p99, ..] = cards;
        assert!(!failed.no_figure && failed.value != "0", "{failed:?}");
        assert_eq!(
            (p99.value.as_str(), p99.detail.as_str()),
            ("no success", "no request succeeded: see failed requests for why")
        );
    }

    /// A scenario with a data store `orders-db` in `us-east-1`, with a replica in `us-west-2` or
    /// none, with a promotion or none, and with an outage of `us-east-1` or none.
    fn with_store(replica: bool, promotion: bool, outage: bool) -> Scenario {
        use crate::model::{At, Fault, NodeKind, Promotion, Region, Replica, Span, Topology};
        let mut t = Topology::default();
        for r in ["us-east-1", "us-west-2"] {
            t.regions.push(Region { name: r.into(), zones: Vec::new(), price_factor: None });
        }
        let mut store = Node::with_defaults(NodeKind::DataStore, "orders-db");
        if let Node::DataStore(d) = &mut store {
            d.region = Some("us-east-1".into());
            if replica {
                d.replicas.push(Replica { region: "us-west-2".into() });
            }
            if promotion {
                d.failover = Some(Promotion { detect: Span(90.0), promote: Span(30.0) });
            }
        }
        t.nodes.push(store);
        let mut s = Scenario::new("t", t);
        if outage {
            s.timeline.push(Event::Fault(Fault {
                name: "east".into(),
                at: At::Offset(Span(100.0)),
                duration: Some(Span(300.0)),
                end: None,
                target: "us-east-1".into(),
                kind: FaultKind::Down,
            }));
        }
        s
    }

    fn spread(median: f64) -> crate::report::timeline::Spread {
        crate::report::timeline::Spread { median: Some(median), low: None, high: None, confidence: 0.0, n: 3 }
    }

    #[test]
    fn the_rpo_card_shows_the_oldest_lost_write_and_the_count() {
        let s = with_store(true, true, true);
        let lost = StoreReport {
            store: "orders-db".into(),
            failed_over_in: 3,
            rpo_age_s: spread(0.18),
            rpo_writes: spread(37.0),
            promoted_after_s: spread(120.0),
        };
        let card = rpo_card(&s, Some(std::slice::from_ref(&lost)), 3);
        assert_eq!((card.value.as_str(), card.detail.as_str()), ("180 ms", "37 writes lost · 3 of 3"));
        assert_eq!(card.colour, theme::BAD);
        // Synchronous replication loses nothing.
        let none = StoreReport { rpo_age_s: spread(0.0), rpo_writes: spread(0.0), ..lost };
        let card = rpo_card(&s, Some(&[none]), 3);
        assert_eq!((card.value.as_str(), card.detail.as_str()), ("0 ms", "no committed write lost · 3 of 3"));
        assert_eq!(card.colour, theme::OK);
    }

    #[test]
    fn without_a_figure_the_rpo_card_says_what_to_add() {
        let detail = |s: &Scenario, stores: Option<&[StoreReport]>| {
            let c = rpo_card(s, stores, 1);
            honest(std::slice::from_ref(&c));
            assert!(c.no_figure, "{c:?}");
            c.detail
        };
        let no_store = Scenario::new("t", Default::default());
        assert_eq!(detail(&no_store, Some(&[])), "add a data store with replicas to measure data lost");
        let lonely = with_store(false, true, true);
        assert_eq!(detail(&lonely, Some(&[])), "give orders-db a replica in another region to measure data lost");
        let ready = with_store(true, true, true);
        assert_eq!(detail(&ready, None), "run (F5) to measure data lost");
        let calm = with_store(true, true, false);
        assert_eq!(detail(&calm, Some(&[])), "add an outage of us-east-1 to the timeline to measure data lost");
        let waits = with_store(true, false, true);
        assert_eq!(
            detail(&waits, Some(&[])),
            "orders-db waits for its primary: turn on promotion to measure data lost"
        );
        assert_eq!(
            detail(&ready, Some(&[])),
            "orders-db did not fail over during the run: make the outage of us-east-1 outlast its promotion (2 min)"
        );
    }

    fn compute_share(r: &Report) -> f64 {
        let c = r.cost.as_ref().unwrap_or_else(|| panic!("no cost"));
        c.by_category.get("compute").copied().unwrap_or(0.0) / c.run_usd
    }

    #[test]
    fn intervals_read_in_minutes_or_seconds() {
        assert_eq!(interval_text(900.0, 2220.0), "[15, 37] min");
        assert_eq!(interval_text(30.0, 90.0), "[30, 90] s");
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(count_text(2_070_000.0), "2.07 M");
        assert_eq!(count_text(950.0), "950");
        assert_eq!(count_text(Vec::<f64>::new().into_iter().sum()), "0");
        assert_eq!(ms_text(412.3), "412 ms");
        assert_eq!(pct_text(80.43), "80.4 %");
        assert_eq!(
            (age_text(0.18), age_text(2.5), age_text(200.0)),
            ("180 ms".into(), "2.50 s".into(), "3 min 20 s".into())
        );
    }
}
