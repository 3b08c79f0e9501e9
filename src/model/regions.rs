//! The bundled default round-trip times between cloud regions.
//!
//! When a link joins nodes in two different regions, the simulator needs the round-trip time (RTT)
//! between those regions. A scenario can give any pair itself with `topology.region_rtt`, and a
//! figure given there always wins over this table. For a pair the scenario does not give, the
//! figure comes from [`DEFAULT_RTT`]; a pair found in neither place is an error that asks the user
//! for the figure. Each crossing of such a link adds a one-way latency of half the RTT.
//!
//! The regions carry AWS names because the scenarios use them, but every figure here is measured
//! on Azure's network, not on AWS's. AWS publishes no public inter-region latency table (its Network
//! Manager Infrastructure Performance dashboard shows median figures only inside an AWS account),
//! and no third-party AWS measurement, such as the cloudping.co grid, could be found as dated text
//! to cite when this table was written. So each AWS region is stood in for by the Azure region in
//! the same place:
//!
//! | AWS region | Location | Azure region used as its proxy |
//! |---|---|---|
//! | `us-east-1` | Northern Virginia | East US (Virginia) |
//! | `us-east-2` | Ohio | North Central US (Illinois) |
//! | `us-west-2` | Oregon | West US 2 (Washington) |
//! | `eu-west-1` | Ireland | North Europe (Ireland) |
//! | `eu-central-1` | Frankfurt | Germany West Central (Frankfurt) |
//! | `ap-northeast-1` | Tokyo | Japan East (Tokyo and Saitama) |
//! | `ap-southeast-1` | Singapore | Southeast Asia (Singapore) |
//! | `ap-southeast-2` | Sydney | Australia East (New South Wales) |
//! | `sa-east-1` | São Paulo | Brazil South (São Paulo State) |
//!
//! Azure has no region in Ohio. North Central US stands in for `us-east-2` because it is a separate
//! inland metro, as Ohio is; East US 2 is in Virginia, so it would place `us-east-2` in the same
//! metro as `us-east-1`. Give a measured figure in `topology.region_rtt` when a scenario depends on
//! the exact `us-east-2` numbers.
//!
//! Every figure comes from Microsoft's page "Azure network round-trip latency statistics"
//! (<https://learn.microsoft.com/en-us/azure/networking/azure-network-latency>). The page gives the
//! monthly 50th percentile (the median) of the round-trip time between Azure regions, measured by
//! probes every minute; the dataset used here covers the 30 days ending on 30 July 2026. The
//! figures were read from the page's Markdown source (`articles/networking/azure-network-latency.md`,
//! dated 2026-07-30). The page gives each direction of a pair on its own. The figure kept here is
//! the mean of the two directions, and the comment above each entry gives both, in ms, the first
//! measured from `a`'s proxy to `b`'s proxy.

/// One bundled figure: median round-trip time between two regions, in milliseconds, with its source.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RegionRtt {
    /// One region of the pair, by its AWS name.
    pub a: &'static str,
    /// The other region of the pair, by its AWS name.
    pub b: &'static str,
    /// The median round-trip time between the two regions, in milliseconds.
    pub rtt_ms: f64,
    /// Where the figure comes from (address and month).
    pub source: &'static str,
}

/// The source of every figure in the table: the page, the month and the fact that Azure regions
/// stand in for the AWS ones.
const AZURE_JULY_2026: &str = "https://learn.microsoft.com/en-us/azure/networking/azure-network-latency \
    (Azure P50 round trip over the 30 days ending 2026-07-30, Azure regions as proxies for AWS regions)";

/// Builds one entry whose figure comes from the Azure table of July 2026.
const fn proxy(a: &'static str, b: &'static str, rtt_ms: f64) -> RegionRtt {
    RegionRtt { a, b, rtt_ms, source: AZURE_JULY_2026 }
}

/// The bundled table (each unordered pair once).
pub const DEFAULT_RTT: &[RegionRtt] = &[
    // Azure East US <-> North Central US as a proxy for us-east-1 <-> us-east-2: 19/20.
    proxy("us-east-1", "us-east-2", 19.5),
    // Azure East US <-> West US 2 as a proxy for us-east-1 <-> us-west-2: 71/73.
    proxy("us-east-1", "us-west-2", 72.0),
    // Azure East US <-> North Europe as a proxy for us-east-1 <-> eu-west-1: 71/73.
    proxy("us-east-1", "eu-west-1", 72.0),
    // Azure East US <-> Germany West Central as a proxy for us-east-1 <-> eu-central-1: 94/94.
    proxy("us-east-1", "eu-central-1", 94.0),
    // Azure East US <-> Japan East as a proxy for us-east-1 <-> ap-northeast-1: 162/162.
    proxy("us-east-1", "ap-northeast-1", 162.0),
    // Azure East US <-> Southeast Asia as a proxy for us-east-1 <-> ap-southeast-1: 224/224.
    proxy("us-east-1", "ap-southeast-1", 224.0),
    // Azure East US <-> Australia East as a proxy for us-east-1 <-> ap-southeast-2: 201/202.
    proxy("us-east-1", "ap-southeast-2", 201.5),
    // Azure East US <-> Brazil South as a proxy for us-east-1 <-> sa-east-1: 117/118.
    proxy("us-east-1", "sa-east-1", 117.5),
    // Azure North Central US <-> West US 2 as a proxy for us-east-2 <-> us-west-2: 51/51.
    proxy("us-east-2", "us-west-2", 51.0),
    // Azure North Central US <-> North Europe as a proxy for us-east-2 <-> eu-west-1: 90/89.
    proxy("us-east-2", "eu-west-1", 89.5),
    // Azure North Central US <-> Germany West Central as a proxy for us-east-2 <-> eu-central-1: 110/110.
    proxy("us-east-2", "eu-central-1", 110.0),
    // Azure North Central US <-> Japan East as a proxy for us-east-2 <-> ap-northeast-1: 148/147.
    proxy("us-east-2", "ap-northeast-1", 147.5),
    // Azure North Central US <-> Southeast Asia as a proxy for us-east-2 <-> ap-southeast-1: 209/210.
    proxy("us-east-2", "ap-southeast-1", 209.5),
    // Azure North Central US <-> Australia East as a proxy for us-east-2 <-> ap-southeast-2: 186/187.
    proxy("us-east-2", "ap-southeast-2", 186.5),
    // Azure North Central US <-> Brazil South as a proxy for us-east-2 <-> sa-east-1: 139/137.
    proxy("us-east-2", "sa-east-1", 138.0),
    // Azure West US 2 <-> North Europe as a proxy for us-west-2 <-> eu-west-1: 129/130.
    proxy("us-west-2", "eu-west-1", 129.5),
    // Azure West US 2 <-> Germany West Central as a proxy for us-west-2 <-> eu-central-1: 155/154.
    proxy("us-west-2", "eu-central-1", 154.5),
    // Azure West US 2 <-> Japan East as a proxy for us-west-2 <-> ap-northeast-1: 101/100.
    proxy("us-west-2", "ap-northeast-1", 100.5),
    // Azure West US 2 <-> Southeast Asia as a proxy for us-west-2 <-> ap-southeast-1: 162/162.
    proxy("us-west-2", "ap-southeast-1", 162.0),
    // Azure West US 2 <-> Australia East as a proxy for us-west-2 <-> ap-southeast-2: 160/161.
    proxy("us-west-2", "ap-southeast-2", 160.5),
    // Azure West US 2 <-> Brazil South as a proxy for us-west-2 <-> sa-east-1: 177/177.
    proxy("us-west-2", "sa-east-1", 177.0),
    // Azure North Europe <-> Germany West Central as a proxy for eu-west-1 <-> eu-central-1: 27/26.
    proxy("eu-west-1", "eu-central-1", 26.5),
    // Azure North Europe <-> Japan East as a proxy for eu-west-1 <-> ap-northeast-1: 225/227.
    proxy("eu-west-1", "ap-northeast-1", 226.0),
    // Azure North Europe <-> Southeast Asia as a proxy for eu-west-1 <-> ap-southeast-1: 176/176.
    proxy("eu-west-1", "ap-southeast-1", 176.0),
    // Azure North Europe <-> Australia East as a proxy for eu-west-1 <-> ap-southeast-2: 263/263.
    proxy("eu-west-1", "ap-southeast-2", 263.0),
    // Azure North Europe <-> Brazil South as a proxy for eu-west-1 <-> sa-east-1: 172/172.
    proxy("eu-west-1", "sa-east-1", 172.0),
    // Azure Germany West Central <-> Japan East as a proxy for eu-central-1 <-> ap-northeast-1: 235/236.
    proxy("eu-central-1", "ap-northeast-1", 235.5),
    // Azure Germany West Central <-> Southeast Asia as a proxy for eu-central-1 <-> ap-southeast-1: 166/166.
    proxy("eu-central-1", "ap-southeast-1", 166.0),
    // Azure Germany West Central <-> Australia East as a proxy for eu-central-1 <-> ap-southeast-2: 266/267.
    proxy("eu-central-1", "ap-southeast-2", 266.5),
    // Azure Germany West Central <-> Brazil South as a proxy for eu-central-1 <-> sa-east-1: 196/198.
    proxy("eu-central-1", "sa-east-1", 197.0),
    // Azure Japan East <-> Southeast Asia as a proxy for ap-northeast-1 <-> ap-southeast-1: 72/72.
    proxy("ap-northeast-1", "ap-southeast-1", 72.0),
    // Azure Japan East <-> Australia East as a proxy for ap-northeast-1 <-> ap-southeast-2: 103/104.
    proxy("ap-northeast-1", "ap-southeast-2", 103.5),
    // Azure Japan East <-> Brazil South as a proxy for ap-northeast-1 <-> sa-east-1: 262/262.
    proxy("ap-northeast-1", "sa-east-1", 262.0),
    // Azure Southeast Asia <-> Australia East as a proxy for ap-southeast-1 <-> ap-southeast-2: 95/95.
    proxy("ap-southeast-1", "ap-southeast-2", 95.0),
    // Azure Southeast Asia <-> Brazil South as a proxy for ap-southeast-1 <-> sa-east-1: 330/331.
    proxy("ap-southeast-1", "sa-east-1", 330.5),
    // Azure Australia East <-> Brazil South as a proxy for ap-southeast-2 <-> sa-east-1: 295/295.
    proxy("ap-southeast-2", "sa-east-1", 295.0),
];

/// The bundled median RTT between regions `a` and `b` in ms (either order); 0 for a region with itself;
/// None when the pair is not in the table.
pub fn default_rtt_ms(a: &str, b: &str) -> Option<f64> {
    if a == b {
        return Some(0.0);
    }
    DEFAULT_RTT.iter().find(|r| (r.a == a && r.b == b) || (r.a == b && r.b == a)).map(|r| r.rtt_ms)
}

/// The regions the bundled table knows, sorted and each named once.
pub fn known_regions() -> Vec<&'static str> {
    let mut regions: Vec<&'static str> = DEFAULT_RTT.iter().flat_map(|r| [r.a, r.b]).collect();
    regions.sort_unstable();
    regions.dedup();
    regions
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The regions the bundled scenarios and the brief name; the table covers every pair of them.
    const SCENARIO_REGIONS: [&str; 9] = [
        "us-east-1",
        "us-east-2",
        "us-west-2",
        "eu-west-1",
        "eu-central-1",
        "ap-northeast-1",
        "ap-southeast-1",
        "ap-southeast-2",
        "sa-east-1",
    ];

    fn rtt(a: &str, b: &str) -> f64 {
        match default_rtt_ms(a, b) {
            Some(ms) => ms,
            None => panic!("no bundled figure for {a} <-> {b}"),
        }
    }

    #[test]
    fn every_pair_appears_once() {
        for (i, x) in DEFAULT_RTT.iter().enumerate() {
            assert_ne!(x.a, x.b, "{} is paired with itself", x.a);
            for y in &DEFAULT_RTT[i + 1..] {
                let same = (x.a == y.a && x.b == y.b) || (x.a == y.b && x.b == y.a);
                assert!(!same, "{} <-> {} appears twice", x.a, x.b);
            }
        }
    }

    #[test]
    fn every_figure_is_finite_positive_and_sourced() {
        for r in DEFAULT_RTT {
            assert!(r.rtt_ms.is_finite() && r.rtt_ms > 0.0, "{} <-> {}: {}", r.a, r.b, r.rtt_ms);
            assert!(!r.source.trim().is_empty(), "{} <-> {} has no source", r.a, r.b);
        }
    }

    #[test]
    fn lookup_is_symmetric() {
        for r in DEFAULT_RTT {
            assert_eq!(default_rtt_ms(r.a, r.b), Some(r.rtt_ms));
            assert_eq!(default_rtt_ms(r.b, r.a), Some(r.rtt_ms));
        }
    }

    #[test]
    fn a_region_with_itself_is_zero() {
        for region in known_regions() {
            assert_eq!(default_rtt_ms(region, region), Some(0.0));
        }
    }

    #[test]
    fn every_scenario_pair_is_covered_and_nothing_else_is_known() {
        let mut expected = SCENARIO_REGIONS.to_vec();
        expected.sort_unstable();
        assert_eq!(known_regions(), expected);
        for (i, a) in SCENARIO_REGIONS.iter().enumerate() {
            for b in &SCENARIO_REGIONS[i + 1..] {
                assert!(default_rtt_ms(a, b).is_some(), "{a} <-> {b} is missing");
            }
        }
        assert_eq!(DEFAULT_RTT.len(), SCENARIO_REGIONS.len() * (SCENARIO_REGIONS.len() - 1) / 2);
        assert_eq!(default_rtt_ms("us-east-1", "mars-north-1"), None);
    }

    #[test]
    fn figures_follow_geography() {
        // A nearby region, then across the Atlantic, then half way round the world.
        assert!(rtt("us-east-1", "us-east-2") < rtt("us-east-1", "eu-west-1"));
        assert!(rtt("us-east-1", "eu-west-1") < rtt("us-east-1", "ap-southeast-1"));
        // Within Europe is shorter than across the Atlantic.
        assert!(rtt("eu-west-1", "eu-central-1") < rtt("us-east-1", "eu-central-1"));
        // Tokyo is nearer to Oregon than to Virginia.
        assert!(rtt("us-west-2", "ap-northeast-1") < rtt("us-east-1", "ap-northeast-1"));
    }
}
