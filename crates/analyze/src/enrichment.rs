use std::net::IpAddr;

use hirundo_fingerprint::ResearchScanners;
use hirundo_geo::Geo;
use hirundo_summary::Attribution;

/// Who a source is: its country and AS from [`Geo`]'s primary sources,
/// and the research-scanning organisation it belongs to, if any.
///
/// Looked up once per distinct source when a summary is finished, never per
/// packet.
pub struct Enrichment {
    pub geo: Geo,
    pub research: ResearchScanners,
}

impl Enrichment {
    /// The shipped dataset and research-scanner list.
    pub fn builtin() -> Result<Self, hirundo_geo::LoadError> {
        Ok(Enrichment {
            geo: Geo::builtin()?,
            research: ResearchScanners::builtin(),
        })
    }
}

impl Attribution for Enrichment {
    fn country(&self, source: IpAddr) -> Option<[u8; 2]> {
        self.geo.country(source).map(|a| a.country.to_bytes())
    }

    fn asn(&self, source: IpAddr) -> Option<(u32, &str)> {
        self.geo.asn(source).map(|a| (a.asn.0, a.name))
    }

    fn research_organisation(&self, source: IpAddr, asn: Option<u32>) -> Option<&str> {
        self.research
            .organisation(source, asn)
            .map(|o| o.name.as_str())
    }
}
