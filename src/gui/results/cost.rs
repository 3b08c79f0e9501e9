//! The cost card: the run's infrastructure per month and the outage cost of its failures.

use super::{COST, Card, count_text, no_figure};
use crate::gui::theme;
use crate::report::cost::{CostReport, HOURS_PER_MONTH};
use crate::report::usd_text;

/// What the cost card says when the scenario gives no business figures.
pub const ADD_BUSINESS: &str = "add business value per request to price outages";

/// The largest category's share of the run's cost: `compute 80 %`.
fn top_category(c: &CostReport) -> String {
    match c.by_category.iter().max_by(|a, b| a.1.total_cmp(b.1)) {
        Some((name, usd)) if c.run_usd > 0.0 => format!("{name} {:.0} %", 100.0 * usd / c.run_usd),
        _ => "nothing priced".into(),
    }
}

/// Charges by node listed on hover, at most.
const ITEMS_SHOWN: usize = 14;

/// The cost card: the infrastructure per month at the run's rate, the outage cost of its failures
/// when the scenario gives a value per request (else what to add), and on hover the categories,
/// the outage's parts and the charges by node (see `report::cost`).
pub fn cost_card(cost: Option<&CostReport>) -> Card {
    let Some(c) = cost else {
        // A report written before prices existed (or read from elsewhere) has no cost.
        return no_figure(COST, "not priced", "this run has no cost: run again (F5) to price this design");
    };
    let month = |usd: f64| if c.hours > 0.0 { usd / c.hours * HOURS_PER_MONTH } else { 0.0 };
    let detail = match &c.outage {
        Some(o) => format!("outage {} · {}", usd_text(o.total_usd), top_category(c)),
        None => format!("{} · {ADD_BUSINESS}", top_category(c)),
    };
    let mut more = vec![
        ("per month (730 h)".to_owned(), usd_text(c.per_month_usd)),
        (format!("this run ({:.2} h)", c.hours), usd_text(c.run_usd)),
    ];
    let mut cats: Vec<(&String, &f64)> = c.by_category.iter().filter(|(_, v)| **v > 0.0).collect();
    cats.sort_by(|a, b| b.1.total_cmp(a.1));
    more.extend(cats.into_iter().map(|(k, v)| (format!("  {k}"), format!("{} / month", usd_text(month(*v))))));
    match &c.outage {
        Some(o) => {
            more.push(("outage cost (this run)".into(), usd_text(o.total_usd)));
            more.push((format!("  {} failed requests", count_text(o.failed_requests)), usd_text(o.lost_value_usd)));
            more.push((
                format!("  SLA credit at {:.3} % for the month", 100.0 * o.month_availability),
                usd_text(o.sla_credit_usd),
            ));
        }
        None => more.push(("outage cost".into(), ADD_BUSINESS.into())),
    }
    let mut items: Vec<_> = c.items.iter().filter(|i| i.usd > 0.0).collect();
    items.sort_by(|a, b| b.usd.total_cmp(&a.usd));
    if !items.is_empty() {
        more.push(("BY NODE, PER MONTH".into(), String::new()));
    }
    for i in items.iter().take(ITEMS_SHOWN) {
        let node = if i.node.is_empty() { "traffic" } else { i.node.as_str() };
        more.push((format!("  {node} · {}", i.what), usd_text(month(i.usd))));
    }
    if items.len() > ITEMS_SHOWN {
        more.push((format!("  and {} smaller charges", items.len() - ITEMS_SHOWN), String::new()));
    }
    Card {
        caption: COST,
        value: format!("{} / month", usd_text(c.per_month_usd)),
        detail,
        colour: theme::TEXT,
        more,
        no_figure: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cost_card_reads_per_month_with_the_outage_and_the_charges_by_node() {
        use crate::report::cost::{CostItem, OutageCost};
        let item = |node: &str, category: &str, what: &str, usd: f64| CostItem {
            node: node.into(),
            category: category.into(),
            what: what.into(),
            quantity: 1.0,
            usd,
        };
        let mut c = CostReport {
            hours: 1.0,
            run_usd: 2.0,
            per_month_usd: 1460.0,
            by_category: [("compute".to_owned(), 1.5), ("requests".to_owned(), 0.5)].into_iter().collect(),
            items: vec![
                item("gw", "requests", "managed gateway requests", 0.5),
                item("api", "compute", "vm instance-hours of m7g.large", 1.5),
                item("", "transfer", "GB between regions", 0.0),
            ],
            outage: Some(OutageCost {
                failed_requests: 300.0,
                lost_value_usd: 15.0,
                month_availability: 0.9999,
                sla_credit_usd: 0.0,
                total_usd: 15.0,
            }),
        };
        let card = cost_card(Some(&c));
        assert_eq!((card.value.as_str(), card.detail.as_str()), ("$1,460 / month", "outage $15.00 · compute 75 %"));
        let more: Vec<(&str, &str)> = card.more.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        assert_eq!(
            more,
            [
                ("per month (730 h)", "$1,460"),
                ("this run (1.00 h)", "$2.00"),
                ("  compute", "$1,095 / month"),
                ("  requests", "$365.00 / month"),
                ("outage cost (this run)", "$15.00"),
                ("  300 failed requests", "$15.00"),
                ("  SLA credit at 99.990 % for the month", "$0.00"),
                ("BY NODE, PER MONTH", ""),
                ("  api · vm instance-hours of m7g.large", "$1,095"),
                ("  gw · managed gateway requests", "$365.00"),
            ]
        );
        // Without business figures the card says what prices the outage.
        c.outage = None;
        let card = cost_card(Some(&c));
        assert_eq!(card.detail, format!("compute 75 % · {ADD_BUSINESS}"));
        assert!(card.more.contains(&("outage cost".to_owned(), ADD_BUSINESS.to_owned())));
        let none = cost_card(None);
        assert!(none.no_figure && none.detail.contains("run again (F5)"), "{none:?}");
    }
}
