use std::net::IpAddr;

use hirundo_fingerprint::ResearchScanners;
use hirundo_geo::{Geo, SourceId};
use hirundo_summary::{AsnAnswer, Attribution};

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

impl Enrichment {
    fn source_name(&self, id: SourceId) -> &str {
        self.geo.source(id).map_or("unknown source", |s| &s.name)
    }
}

impl Attribution for Enrichment {
    fn country(&self, source: IpAddr) -> Option<([u8; 2], &str)> {
        let answer = self.geo.country(source)?;
        Some((answer.country.to_bytes(), self.source_name(answer.source)))
    }

    fn asn(&self, source: IpAddr) -> Option<AsnAnswer<'_>> {
        let answer = self.geo.asn(source)?;
        Some(AsnAnswer {
            asn: answer.asn.0,
            name: answer.name,
            source: self.source_name(answer.source),
        })
    }

    fn disputed(&self, source: IpAddr) -> (bool, bool) {
        let lookup = self.geo.lookup(source);
        (lookup.countries_disagree(), lookup.asns_disagree())
    }

    fn research_organisation(&self, source: IpAddr, asn: Option<u32>) -> Option<&str> {
        self.research
            .organisation(source, asn)
            .map(|o| o.name.as_str())
    }
}
