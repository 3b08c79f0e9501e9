//! The scenario's prices and business figures, in the inspector when nothing is selected: what a
//! failed request is worth and the SLA's monthly fee (the run's outage cost), and overrides of the
//! bundled price table (`model::cost`). Money is typed and applies when complete (Enter or focus
//! loss); an empty field takes the bundled figure, shown as its hint; a text that does not parse
//! says why under its field and changes nothing. Validation's problems with prices are listed
//! under PROBLEMS, as every scenario-wide problem is.

use super::commands::Command;
use super::fields::{TEXT_W, commit_text_ui, error_line_ui, parsed, parsed_row_ui, row_ui};
use super::inspector::{Edit, key};
use super::theme;
use crate::model::{Business, PriceTable, Prices, Scenario, Sla};
use crate::report::usd_text;
use egui::{ComboBox, Grid, Id, RichText, Ui};

/// A price override typed in a field: USD (a leading `$` allowed), at least 0; empty: none (the
/// bundled figure).
pub fn parse_usd(text: &str) -> Result<Option<f64>, String> {
    let t = text.trim();
    let t = t.strip_prefix('$').unwrap_or(t).trim().replace(',', "");
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(Some(v)),
        Ok(v) => Err(format!("{v}: a price cannot be negative")),
        Err(_) => Err(format!("\"{}\": expected an amount in USD, like 0.05", text.trim())),
    }
}

/// The text of an override (empty when none).
fn override_text(v: Option<f64>) -> String {
    v.map(|v| format!("{v}")).unwrap_or_default()
}

/// A price override: its label, its field, and the bundled figure.
struct PriceField {
    label: &'static str,
    help: &'static str,
    field: fn(&mut Prices) -> &mut Option<f64>,
    bundled: fn(&PriceTable) -> f64,
}

/// The overrides shown first.
const MAIN: [PriceField; 2] = [
    PriceField {
        label: "gateway / M req",
        help: "A managed gateway, USD per million requests (API Gateway REST APIs)",
        field: |p| &mut p.gateway_per_million,
        bundled: |t| t.gateway_per_million,
    },
    PriceField {
        label: "inter-region / GB",
        help: "Traffic between regions and replication to another region, USD per GB",
        field: |p| &mut p.inter_region_per_gb,
        bundled: |t| t.inter_region_per_gb,
    },
];

/// The other overrides, folded.
const OTHERS: [PriceField; 9] = [
    PriceField {
        label: "balancer / h",
        help: "A managed balancer, USD per hour (an application load balancer)",
        field: |p| &mut p.balancer_hour,
        bundled: |t| t.balancer_hour,
    },
    PriceField {
        label: "balancer LCU / h",
        help: "A managed balancer, USD per capacity unit-hour (ALB LCU)",
        field: |p| &mut p.balancer_lcu_hour,
        bundled: |t| t.balancer_lcu_hour,
    },
    PriceField {
        label: "egress / GB",
        help: "Responses sent to clients, USD per GB (data transfer out to the internet)",
        field: |p| &mut p.internet_egress_per_gb,
        bundled: |t| t.internet_egress_per_gb,
    },
    PriceField {
        label: "serverless / M",
        help: "Serverless invocations, USD per million (Lambda)",
        field: |p| &mut p.serverless_per_million,
        bundled: |t| t.serverless_per_million,
    },
    PriceField {
        label: "serverless / GB-s",
        help: "Serverless duration, USD per GB-second (Lambda x86)",
        field: |p| &mut p.serverless_gb_second,
        bundled: |t| t.serverless_gb_second,
    },
    PriceField {
        label: "DNS zone / month",
        help: "A hosted zone, USD per month (Route 53)",
        field: |p| &mut p.dns_zone_month,
        bundled: |t| t.dns_zone_month,
    },
    PriceField {
        label: "DNS / M queries",
        help: "DNS queries, USD per million (Route 53 standard queries)",
        field: |p| &mut p.dns_per_million,
        bundled: |t| t.dns_per_million,
    },
    PriceField {
        label: "health check / month",
        help: "A health check, USD per month (Route 53, AWS endpoint)",
        field: |p| &mut p.health_check_month,
        bundled: |t| t.health_check_month,
    },
    PriceField {
        label: "backup / GB-month",
        help: "Backup storage, USD per GB-month (RDS snapshots)",
        field: |p| &mut p.backup_gb_month,
        bundled: |t| t.backup_gb_month,
    },
];

/// The rows of `fields`; returns whether `prices` changed.
fn price_rows_ui(ui: &mut Ui, fields: &[PriceField], prices: &mut Prices, bundled: &PriceTable) -> bool {
    let mut changed = false;
    for f in fields {
        let slot = (f.field)(prices);
        let hint = format!("{} (bundled)", usd_text((f.bundled)(bundled)));
        let id = Id::unique(("price", f.label));
        let l = ui.label(f.label).on_hover_text(f.help);
        ui.vertical(|ui| {
            let (r, commit) = commit_text_ui(ui, id, &override_text(*slot), &hint, TEXT_W);
            r.labelled_by(l.id).on_hover_text(format!("{}; empty: {hint}", f.help));
            if let Some(text) = commit
                && let Some(v) = parsed(ui, id, parse_usd(&text))
                && v != *slot
            {
                *slot = v;
                changed = true;
            }
            error_line_ui(ui, id);
        });
        ui.end_row();
    }
    changed
}

/// A combo box row of the table's sizes for a default size override (none: the bundled one).
fn default_size_row_ui(
    ui: &mut Ui,
    label: &str,
    value: &mut Option<String>,
    table: &PriceTable,
    bundled: &str,
) -> bool {
    let before = value.clone();
    let none = format!("bundled ({bundled})");
    row_ui(ui, label, |ui| {
        ComboBox::from_id_salt(("default-size", label))
            .selected_text(value.as_deref().unwrap_or(&none))
            .width(170.0)
            .show_ui(ui, |ui| {
                ui.selectable_value(value, None, &none);
                for (name, usd) in &table.instance_hour {
                    ui.selectable_value(value, Some(name.clone()), format!("{name}  {}/h", usd_text(*usd)));
                }
            })
            .response
    });
    *value != before
}

/// An SLA charging `fee` per month with the default credit tiers (AWS API Gateway's SLA, as
/// `model::cost` defines them when a file gives none).
pub fn new_sla(fee: f64) -> Option<Sla> {
    serde_json::from_value(serde_json::json!({ "monthly_fee_usd": fee })).ok()
}

/// The business figures after the fields' commits: `value` (none: 0) and `fee` (none: no SLA;
/// an existing SLA keeps its credits). Without a value and an SLA, none: outages are not priced.
pub fn business_of(old: Option<&Business>, value: Option<Option<f64>>, fee: Option<Option<f64>>) -> Option<Business> {
    let mut v = old.map_or(0.0, |b| b.value_per_request_usd);
    let mut sla = old.and_then(|b| b.sla.clone());
    if let Some(x) = value {
        v = x.unwrap_or(0.0);
    }
    if let Some(f) = fee {
        sla = match (f, sla) {
            (None, _) => None,
            (Some(f), Some(mut s)) => {
                s.monthly_fee_usd = f;
                Some(s)
            }
            (Some(f), None) => new_sla(f),
        };
    }
    (v > 0.0 || sla.is_some()).then_some(Business { value_per_request_usd: v, sla })
}

/// The credit tiers in words: `10 % under 99.95 %, 25 % under 99 %`.
fn credits_text(sla: &Sla) -> String {
    let tiers: Vec<String> =
        sla.credits.iter().map(|t| format!("{} % under {} %", 100.0 * t.credit, 100.0 * t.below)).collect();
    if tiers.is_empty() { "no credit tiers".into() } else { format!("credits: {}", tiers.join(", ")) }
}

/// The section; pushes a command per change.
pub fn prices_ui(ui: &mut Ui, s: &Scenario, edits: &mut Vec<Edit>) {
    ui.separator();
    ui.label(RichText::new("PRICES AND BUSINESS").small().color(theme::TEXT_DIM));
    let bundled = PriceTable::bundled();
    let table = PriceTable::with(&s.prices);
    let mut prices = s.prices.clone();
    let (mut value, mut fee) = (None, None);
    Grid::new("business-grid").num_columns(2).spacing([10.0, 6.0]).show(ui, |ui| {
        let b = s.business.as_ref();
        let current = override_text(b.map(|b| b.value_per_request_usd).filter(|v| *v > 0.0));
        value = parsed_row_ui(
            ui,
            "value / failed req",
            Id::unique("business-value"),
            &current,
            "USD lost per failed request",
            parse_usd,
        );
        let current = override_text(b.and_then(|b| b.sla.as_ref()).map(|x| x.monthly_fee_usd));
        fee = parsed_row_ui(ui, "SLA fee / month", Id::unique("sla-fee"), &current, "USD; empty: no SLA", parse_usd);
        if let Some(sla) = b.and_then(|b| b.sla.as_ref()) {
            ui.label("");
            ui.add(egui::Label::new(RichText::new(credits_text(sla)).small().color(theme::TEXT_DIM)).wrap());
            ui.end_row();
        }
    });
    let business = business_of(s.business.as_ref(), value, fee);
    if business != s.business {
        edits.push((Command::SetBusiness(business), None));
    }
    let mut changed = false;
    Grid::new("prices-grid").num_columns(2).spacing([10.0, 6.0]).show(ui, |ui| {
        changed |= price_rows_ui(ui, &MAIN, &mut prices, &bundled);
        changed |= default_size_row_ui(ui, "default size", &mut prices.default_size, &table, &bundled.default_size);
        changed |=
            default_size_row_ui(ui, "store size", &mut prices.default_store_size, &table, &bundled.default_store_size);
    });
    egui::CollapsingHeader::new("other prices").id_salt("other-prices").show(ui, |ui| {
        Grid::new("other-prices-grid").num_columns(2).spacing([10.0, 6.0]).show(ui, |ui| {
            changed |= price_rows_ui(ui, &OTHERS, &mut prices, &bundled);
        });
    });
    ui.add(
        egui::Label::new(
            RichText::new(
                "Empty fields take the bundled figure: AWS on-demand list prices in us-east-1 (read 2025; \
                 check them before relying on a figure). A region's factor scales them (REGIONS).",
            )
            .small()
            .color(theme::TEXT_DIM),
        )
        .wrap(),
    );
    if changed && prices != s.prices {
        edits.push((Command::SetPrices(prices), Some(key("prices"))));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_parses_with_or_without_a_dollar_and_empty_is_the_bundled_figure() {
        assert_eq!(parse_usd("$3.50"), Ok(Some(3.5)));
        assert_eq!(parse_usd(" 0.02 "), Ok(Some(0.02)));
        assert_eq!(parse_usd("1,200"), Ok(Some(1200.0)));
        assert_eq!(parse_usd(""), Ok(None));
        assert!(parse_usd("-1").unwrap_err().contains("negative"));
        assert!(parse_usd("cheap").unwrap_err().contains("expected an amount"));
    }

    #[test]
    fn business_figures_come_and_go_with_their_fields() {
        let b = business_of(None, Some(Some(0.05)), None).unwrap_or_else(|| panic!("no business"));
        assert_eq!((b.value_per_request_usd, b.sla.is_none()), (0.05, true));
        // An SLA with the default credit tiers; its fee changes, its tiers stay.
        let b = business_of(Some(&b), None, Some(Some(1000.0))).unwrap_or_else(|| panic!("no business"));
        let sla = b.sla.clone().unwrap_or_else(|| panic!("no SLA"));
        assert_eq!((sla.monthly_fee_usd, sla.credits.len()), (1000.0, 3));
        assert_eq!(credits_text(&sla), "credits: 10 % under 99.95 %, 25 % under 99 %, 100 % under 95 %");
        // Both emptied: outages are not priced.
        let b = business_of(Some(&b), Some(None), None);
        assert!(b.as_ref().is_some_and(|b| b.value_per_request_usd == 0.0 && b.sla.is_some()));
        assert_eq!(business_of(b.as_ref(), None, Some(None)), None);
    }
}
