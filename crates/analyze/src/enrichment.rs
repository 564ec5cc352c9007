use std::net::IpAddr;

use hirundo_fingerprint::ResearchScanners;
use hirundo_geo::{Geo, SourceId};
use hirundo_summary::{AsnAnswer, Attributes, Attribution};

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

    /// One multi-source lookup gives the primary answers and the disputes.
    fn attribute(&self, source: IpAddr) -> Attributes<'_> {
        let lookup = self.geo.lookup(source);
        let country = lookup
            .primary_country()
            .map(|a| (a.country.to_bytes(), self.source_name(a.source)));
        let asn = lookup.primary_asn().map(|a| AsnAnswer {
            asn: a.asn.0,
            name: a.name,
            source: self.source_name(a.source),
        });
        Attributes {
            country,
            asn,
            country_disputed: lookup.countries_disagree(),
            asn_disputed: lookup.asns_disagree(),
            research_organisation: self.research_organisation(source, asn.map(|a| a.asn)),
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The single-lookup `attribute` must say what the separate questions
    /// say, on addresses where sources agree, disagree and know nothing.
    #[test]
    fn attribute_agrees_with_the_separate_answers() {
        let enrichment = Enrichment::builtin().unwrap();
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut disputed = 0;
        for i in 0..20_000u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let addr = if i % 4 == 0 {
                // Inside 2000::/3, where IPv6 sources are allocated.
                let bits = (u128::from(x) << 64) | u128::from(x.rotate_left(17));
                IpAddr::V6(((bits & !(0xE << 124)) | (0x2 << 124)).into())
            } else {
                IpAddr::V4(((x >> 32) as u32).into())
            };
            let about = enrichment.attribute(addr);
            let asn = enrichment.asn(addr);
            assert_eq!(about.country, enrichment.country(addr), "{addr}");
            assert_eq!(about.asn, asn, "{addr}");
            assert_eq!(
                (about.country_disputed, about.asn_disputed),
                enrichment.disputed(addr),
                "{addr}"
            );
            assert_eq!(
                about.research_organisation,
                enrichment.research_organisation(addr, asn.map(|a| a.asn)),
                "{addr}"
            );
            disputed += usize::from(about.country_disputed);
        }
        assert!(
            disputed > 50,
            "the sample must include disagreements: {disputed}"
        );
        let michigan = enrichment.attribute("141.212.121.5".parse().unwrap());
        assert_eq!(
            michigan.research_organisation,
            Some("University of Michigan")
        );
        assert_eq!(michigan.country.map(|c| c.0), Some(*b"US"));
    }
}
