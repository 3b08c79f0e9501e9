//! What a timeline fault's target names, compiled: a node, an instance, a link, a region (and
//! everything in it), a zone, or the network between two regions.

use super::super::{FaultTarget, Hop};
use super::Compiler;

impl Compiler<'_> {
    /// What `target` names, as the engine acts on it (None: nothing the file declares).
    pub(super) fn fault_target(&self, target: &str) -> Option<FaultTarget> {
        if let Some(hop) = self.hop_to(target) {
            return Some(match hop {
                Hop::Gateway(g) => FaultTarget::Gateway(g),
                Hop::Balancer(b) => FaultTarget::Balancer(b),
                Hop::Service(s) => {
                    let sp = self.plan.services.get(s as usize)?;
                    FaultTarget::Stations((sp.first_station..sp.first_station + sp.instances).collect())
                }
                Hop::Dns(_) => return None,
            });
        }
        let region = |name: &str| self.plan.regions.iter().position(|r| r == name.trim()).map(|i| i as u16);
        // A region: everything in it (its gateways, balancers, every instance of its services,
        // the data stores whose primary is there), and the region itself for DNS checks.
        if let Some(r) = region(target) {
            let mut group = vec![FaultTarget::Region(r)];
            let mut stations = Vec::new();
            for (i, node) in self.topo().nodes.iter().enumerate() {
                if self.plan.node_region.get(i).copied().flatten() != Some(r) {
                    continue;
                }
                match self.hop_to(node.name()) {
                    Some(Hop::Gateway(g)) => group.push(FaultTarget::Gateway(g)),
                    Some(Hop::Balancer(b)) => group.push(FaultTarget::Balancer(b)),
                    Some(Hop::Service(s)) => {
                        if let Some(sp) = self.plan.services.get(s as usize) {
                            stations.extend(sp.first_station..sp.first_station + sp.instances);
                        }
                    }
                    _ => {}
                }
            }
            if !stations.is_empty() {
                group.push(FaultTarget::Stations(stations));
            }
            return Some(FaultTarget::Group(group));
        }
        // A zone of a region: the instances of the region's services placed in it.
        if let Some((r, z)) = target.split_once('/')
            && let Some(region) = self.topo().regions.iter().find(|x| x.name == r.trim())
            && let Some(zone) = region.zones.iter().position(|x| x == z.trim())
        {
            let n = region.zones.len() as u32;
            let ri = region_index(&self.plan.regions, &region.name);
            let mut stations = Vec::new();
            for (i, node) in self.topo().nodes.iter().enumerate() {
                if let (Some(Hop::Service(s)), true) =
                    (self.hop_to(node.name()), self.plan.node_region.get(i).copied().flatten() == ri)
                    && let Some(sp) = self.plan.services.get(s as usize)
                {
                    stations.extend((0..sp.instances).filter(|k| k % n == zone as u32).map(|k| sp.first_station + k));
                }
            }
            return Some(FaultTarget::Stations(stations));
        }
        // Two regions: the network between them, both ways (every link between their nodes).
        if let Some((a, b)) = target.split_once("->")
            && let (Some(ra), Some(rb)) = (region(a), region(b))
        {
            let mut group = vec![FaultTarget::RegionPair(ra.min(rb), ra.max(rb))];
            for (li, l) in self.topo().links.iter().enumerate() {
                let ends = [&l.from, &l.to]
                    .map(|e| self.topo().node_index(e).and_then(|i| self.plan.node_region.get(i).copied().flatten()));
                if ends == [Some(ra), Some(rb)] || ends == [Some(rb), Some(ra)] {
                    group.push(FaultTarget::Link(li as u32));
                }
            }
            return Some(FaultTarget::Group(group));
        }
        if let Some((a, b)) = target.split_once("->") {
            let li = self.topo().links.iter().position(|l| l.from == a.trim() && l.to == b.trim())?;
            return Some(FaultTarget::Link(li as u32));
        }
        self.plan.station_by_name(target).map(|k| FaultTarget::Stations(vec![k]))
    }
}

/// The index of region `name` among `regions`.
fn region_index(regions: &[String], name: &str) -> Option<u16> {
    regions.iter().position(|r| r == name).map(|i| i as u16)
}
