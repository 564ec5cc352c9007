//! The STIX 2.1 attachment: one bundle per notice.
//!
//! In order: the TLP 2.0 marking definition, the provider's identity,
//! an attack-pattern per kind of activity the rows report (CAPEC-300
//! "Port Scanning" for scanners, CAPEC-125 "Flooding" for DDoS victims
//! seen through backscatter), a location per sensor country, then per
//! source its address (an `ipv4-addr` or `ipv6-addr`), an observed-data
//! of it and a sighting of the attack-pattern. The sighting's
//! `where_sighted_refs` are the countries of the sensors that saw the
//! source: never a sensor's address.
//!
//! Every object but the marking definition carries the marking, and every
//! SDO and SRO is created by the identity at the notice's creation time.
//! Ids are UUIDv5: an address's by STIX's own rule (so the same address
//! has the same id in every producer's bundles); every other object's
//! from [`NAMESPACE`] over (ticket, type, key), so rendering a notice
//! twice gives the same bytes. They are per ticket, the identity's too:
//! a STIX id names one object whose `created` never changes, and each
//! notice creates its objects at its own time.
//!
//! One object per line inside the bundle: compact enough to mail, and a
//! diff between two bundles still reads object by object.

use std::collections::BTreeSet;
use std::net::IpAddr;

use serde_json::Value;
use uuid::Uuid;

use crate::format::json::{canonical, Obj};
use crate::format::{row, time};
use crate::{Classification, Notice, SourceRow};

/// hirundo's namespace for the UUIDv5 of its STIX objects. Fixed
/// forever: changing it changes every id ever sent.
pub const NAMESPACE: Uuid = Uuid::from_u128(0xc58e1c50_9b24_4ecf_aaad_32d90107729a);

/// STIX 2.1's namespace for deterministic cyber-observable ids (section
/// 2.9 of the specification).
pub const SCO_NAMESPACE: Uuid = Uuid::from_u128(0x00abedb4_aa42_466c_9c01_fed23315a9b7);

/// The largest `count` and `number_observed` STIX allows.
pub const MAX_COUNT: u64 = 999_999_999;

/// The deterministic STIX id of an address: UUIDv5 in STIX's namespace
/// over its id-contributing properties as canonical JSON,
/// `{"value":"198.51.100.3"}`.
pub fn address_id(ip: IpAddr) -> String {
    let kind = address_type(ip);
    let name = format!("{{\"value\":{}}}", Value::from(ip.to_string()));
    format!("{kind}--{}", Uuid::new_v5(&SCO_NAMESPACE, name.as_bytes()))
}

fn address_type(ip: IpAddr) -> &'static str {
    match ip {
        IpAddr::V4(_) => "ipv4-addr",
        IpAddr::V6(_) => "ipv6-addr",
    }
}

/// The bundle of `notice`, ending in "\n".
pub fn render(notice: &Notice) -> String {
    let ids = Ids {
        ticket: &notice.ticket,
    };
    let ctx = Context {
        ids: &ids,
        created: time::rfc3339_millis(notice.created_ns),
        identity: ids.sdo("identity", ""),
        marking: notice.tlp.stix_marking_id(),
    };
    let mut objects = vec![canonical(&notice.tlp.stix_marking_definition())];
    objects.push(identity(&ctx, &notice.feed.provider));

    let classes: BTreeSet<Pattern> = notice
        .rows
        .iter()
        .map(|r| Pattern::of(r.classification()))
        .collect();
    objects.extend(classes.iter().map(|&p| attack_pattern(&ctx, p)));

    let countries: BTreeSet<&str> = notice
        .rows
        .iter()
        .flat_map(|r| r.sensor_countries.iter().map(String::as_str))
        .collect();
    objects.extend(countries.iter().map(|cc| location(&ctx, cc)));

    let mut seen: BTreeSet<IpAddr> = BTreeSet::new();
    for (i, source) in notice.rows.iter().enumerate() {
        // A source listed twice (a caller's bug) keeps one address object
        // and gets observations whose ids differ by position.
        let key = if seen.insert(source.source) {
            objects.push(address(&ctx, source.source));
            source.source.to_string()
        } else {
            format!("{}#{i}", source.source)
        };
        let (observed_id, observed) = observed_data(&ctx, source, &key);
        objects.push(observed);
        objects.push(sighting(&ctx, source, &key, &observed_id));
    }

    format!(
        "{{\"type\":\"bundle\",\"id\":\"{}\",\"objects\":[\n{}\n]}}\n",
        ids.sdo("bundle", ""),
        objects.join(",\n")
    )
}

/// Deterministic ids of one notice's objects.
struct Ids<'a> {
    ticket: &'a str,
}

impl Ids<'_> {
    /// "<kind>--<UUIDv5 over [ticket, kind, key]>": the name is a JSON
    /// array so no ticket or key can make two names collide.
    fn sdo(&self, kind: &str, key: &str) -> String {
        let name = Value::from(vec![self.ticket, kind, key]).to_string();
        format!("{kind}--{}", Uuid::new_v5(&NAMESPACE, name.as_bytes()))
    }
}

/// What every SDO and SRO of the bundle shares.
struct Context<'a> {
    ids: &'a Ids<'a>,
    /// The notice's creation, as `created` and `modified`.
    created: String,
    identity: String,
    marking: &'static str,
}

impl Context<'_> {
    /// The common properties of an SDO or SRO, in STIX's usual order.
    fn head(&self, kind: &'static str, id: &str) -> Obj {
        Obj::new()
            .field("type", kind)
            .field("spec_version", "2.1")
            .field("id", id)
            .field("created_by_ref", self.identity.as_str())
            .field("created", self.created.as_str())
            .field("modified", self.created.as_str())
    }

    fn marked(&self, obj: Obj) -> String {
        obj.field("object_marking_refs", vec![self.marking])
            .to_json()
    }
}

fn identity(ctx: &Context, provider: &str) -> String {
    // STIX requires a name; an unnamed provider is still hirundo's.
    let name = if provider.trim().is_empty() {
        "hirundo"
    } else {
        provider
    };
    ctx.marked(
        ctx.head("identity", &ctx.identity)
            .field("name", name)
            .field("identity_class", "organization"),
    )
}

/// The attack-patterns a bundle may need, one per classification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Pattern {
    Scanning,
    Flood,
}

impl Pattern {
    fn of(c: Classification) -> Self {
        match c {
            Classification::Scanner => Pattern::Scanning,
            Classification::DdosVictim => Pattern::Flood,
        }
    }

    fn key(self) -> &'static str {
        match self {
            Pattern::Scanning => "network-scanning",
            Pattern::Flood => "network-flood",
        }
    }

    /// (name, CAPEC id, CAPEC number, CAPEC's name for it).
    fn capec(self) -> (&'static str, &'static str, u32, &'static str) {
        match self {
            Pattern::Scanning => ("Network scanning", "CAPEC-300", 300, "Port Scanning"),
            Pattern::Flood => ("Network flood", "CAPEC-125", 125, "Flooding"),
        }
    }
}

fn attack_pattern_id(ctx: &Context, p: Pattern) -> String {
    ctx.ids.sdo("attack-pattern", p.key())
}

fn attack_pattern(ctx: &Context, p: Pattern) -> String {
    let (name, capec, number, capec_name) = p.capec();
    // Nested objects are written with sorted keys (see `json`).
    let reference = serde_json::json!({
        "source_name": "capec",
        "external_id": capec,
        "url": format!("https://capec.mitre.org/data/definitions/{number}.html"),
        "description": capec_name,
    });
    ctx.marked(
        ctx.head("attack-pattern", &attack_pattern_id(ctx, p))
            .field("name", name)
            .field("external_references", vec![reference]),
    )
}

fn location_id(ctx: &Context, cc: &str) -> String {
    ctx.ids.sdo("location", cc)
}

fn location(ctx: &Context, cc: &str) -> String {
    ctx.marked(
        ctx.head("location", &location_id(ctx, cc))
            .field("country", cc),
    )
}

fn address(ctx: &Context, ip: IpAddr) -> String {
    Obj::new()
        .field("type", address_type(ip))
        .field("spec_version", "2.1")
        .field("id", address_id(ip))
        .field("value", ip.to_string())
        .field("object_marking_refs", vec![ctx.marking])
        .to_json()
}

/// (id, object).
fn observed_data(ctx: &Context, source: &SourceRow, key: &str) -> (String, String) {
    let id = ctx.ids.sdo("observed-data", key);
    let obj = ctx.marked(
        ctx.head("observed-data", &id)
            .field("first_observed", time::rfc3339_millis(source.first_ns))
            .field("last_observed", time::rfc3339_millis(row::last_ns(source)))
            .field("number_observed", clamp_count(source.packets))
            .field("object_refs", vec![address_id(source.source)]),
    );
    (id, obj)
}

fn sighting(ctx: &Context, source: &SourceRow, key: &str, observed_id: &str) -> String {
    let pattern = Pattern::of(source.classification());
    let places: Vec<String> = source
        .sensor_countries
        .iter()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .map(|cc| location_id(ctx, cc))
        .collect();
    ctx.marked(
        ctx.head("sighting", &ctx.ids.sdo("sighting", key))
            .field("description", row::describe(source))
            .field("first_seen", time::rfc3339_millis(source.first_ns))
            .field("last_seen", time::rfc3339_millis(row::last_ns(source)))
            .field("count", clamp_count(source.packets))
            .field("sighting_of_ref", attack_pattern_id(ctx, pattern))
            .field("observed_data_refs", vec![observed_id])
            .opt("where_sighted_refs", (!places.is_empty()).then_some(places)),
    )
}

/// Packets as STIX's counts: at least 1 (`number_observed` must be), at
/// most [`MAX_COUNT`].
fn clamp_count(packets: u64) -> u64 {
    packets.clamp(1, MAX_COUNT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::fixture;
    use hirundo_tlp::Tlp;
    use std::collections::BTreeMap;

    fn objects(text: &str) -> Vec<Value> {
        let bundle: Value = serde_json::from_str(text).expect("bundle parses");
        assert_eq!(bundle["type"], "bundle");
        bundle["objects"].as_array().cloned().expect("objects")
    }

    fn by_type<'a>(objects: &'a [Value], kind: &str) -> Vec<&'a Value> {
        objects.iter().filter(|o| o["type"] == kind).collect()
    }

    #[test]
    fn address_ids_follow_stix() {
        // Python: uuid.uuid5(uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7"),
        // '{"value":"198.51.100.3"}'); stix2.IPv4Address(value=...).id agrees.
        assert_eq!(
            address_id("198.51.100.3".parse().expect("ip")),
            "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4"
        );
        assert_eq!(
            address_id("2001:db8::7".parse().expect("ip")),
            "ipv6-addr--9ed76cd5-ab3b-55a5-b6ec-b55c3efb0be2"
        );
    }

    #[test]
    fn every_object_is_marked_and_every_id_unique() {
        let n = fixture::notice();
        let text = render(&n);
        let objects = objects(&text);
        // marking, identity, 2 attack-patterns, 2 locations, 3 x 3 per source
        assert_eq!(objects.len(), 1 + 1 + 2 + 2 + 9);
        let mut ids = BTreeSet::new();
        for o in &objects {
            assert!(ids.insert(o["id"].as_str().expect("id").to_owned()), "{o}");
            if o["type"] == "marking-definition" {
                assert_eq!(o["id"], Tlp::Amber.stix_marking_id());
                assert!(o.get("object_marking_refs").is_none());
            } else {
                assert_eq!(
                    o["object_marking_refs"],
                    serde_json::json!([Tlp::Amber.stix_marking_id()]),
                    "{o}"
                );
                assert_eq!(o["spec_version"], "2.1");
            }
        }
        let identity = by_type(&objects, "identity")[0];
        for o in &objects {
            if !matches!(
                o["type"].as_str(),
                Some("marking-definition" | "ipv4-addr" | "ipv6-addr")
            ) {
                assert_eq!(o["created_by_ref"], identity["id"], "{o}");
                assert_eq!(o["created"], "2026-11-23T06:00:00.000Z");
                assert_eq!(o["modified"], "2026-11-23T06:00:00.000Z");
            }
        }
        assert_eq!(identity["name"], "Exampleland Darknet Watch");
        assert_eq!(identity["identity_class"], "organization");
    }

    #[test]
    fn observations_and_sightings_are_exact() {
        let text = render(&fixture::notice());
        let objects = objects(&text);
        let ids: BTreeMap<&str, &Value> = objects
            .iter()
            .map(|o| (o["id"].as_str().unwrap_or_default(), o))
            .collect();
        let sightings = by_type(&objects, "sighting");
        assert_eq!(sightings.len(), 3);

        let mirai = sightings[1];
        assert_eq!(mirai["count"], 1234);
        assert_eq!(mirai["first_seen"], "2026-11-22T09:24:05.250Z");
        assert_eq!(mirai["last_seen"], "2026-11-22T11:00:00.000Z");
        let pattern = ids[mirai["sighting_of_ref"].as_str().unwrap_or_default()];
        assert_eq!(pattern["name"], "Network scanning");
        assert_eq!(
            pattern["external_references"][0]["external_id"],
            "CAPEC-300"
        );
        let observed = ids[mirai["observed_data_refs"][0].as_str().unwrap_or_default()];
        assert_eq!(observed["number_observed"], 1234);
        assert_eq!(
            observed["object_refs"][0],
            "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4"
        );
        let places: Vec<&str> = mirai["where_sighted_refs"]
            .as_array()
            .expect("places")
            .iter()
            .map(|id| {
                ids[id.as_str().unwrap_or_default()]["country"]
                    .as_str()
                    .unwrap_or_default()
            })
            .collect();
        assert_eq!(places, ["DE"]);

        // 5,000,001,234 packets: more than STIX counts.
        let many = sightings[0];
        assert_eq!(many["count"], MAX_COUNT);
        assert_eq!(many["where_sighted_refs"].as_array().map(Vec::len), Some(2));

        let victim = sightings[2];
        assert!(victim.get("where_sighted_refs").is_none());
        let flood = ids[victim["sighting_of_ref"].as_str().unwrap_or_default()];
        assert_eq!(flood["name"], "Network flood");
        assert_eq!(flood["external_references"][0]["external_id"], "CAPEC-125");
        assert_eq!(flood["external_references"][0]["description"], "Flooding");
    }

    #[test]
    fn only_the_patterns_the_rows_need() {
        let mut n = fixture::notice();
        n.rows.truncate(2);
        let objects = objects(&render(&n));
        let patterns = by_type(&objects, "attack-pattern");
        assert_eq!(patterns.len(), 1);
        assert_eq!(patterns[0]["name"], "Network scanning");
    }

    #[test]
    fn rendering_twice_is_byte_identical_and_tickets_differ() {
        let n = fixture::notice();
        let once = render(&n);
        assert_eq!(once, render(&n.clone()));
        let mut other = n.clone();
        other.ticket = "HIR-N-2026-000043".to_owned();
        let twice = render(&other);
        assert_ne!(once, twice);
        // Addresses keep their ids across tickets; nothing else does.
        let a: BTreeSet<String> = objects(&once).iter().map(|o| o["id"].to_string()).collect();
        let b: BTreeSet<String> = objects(&twice)
            .iter()
            .map(|o| o["id"].to_string())
            .collect();
        assert_eq!(a.intersection(&b).count(), 1 + 3);
    }

    #[test]
    fn a_source_listed_twice_keeps_ids_unique() {
        let mut n = fixture::notice();
        let again = n.rows[1].clone();
        n.rows.push(again);
        let objects = objects(&render(&n));
        let ids: BTreeSet<&str> = objects.iter().filter_map(|o| o["id"].as_str()).collect();
        assert_eq!(ids.len(), objects.len());
        assert_eq!(by_type(&objects, "ipv4-addr").len(), 2);
        assert_eq!(by_type(&objects, "sighting").len(), 4);
    }

    #[test]
    fn swapped_times_still_give_an_ordered_window() {
        let mut n = fixture::notice();
        n.rows[1].last_ns = n.rows[1].first_ns - 1_000_000_000;
        n.rows[1].packets = 0;
        let objects = objects(&render(&n));
        let observed = by_type(&objects, "observed-data")[1];
        assert_eq!(observed["first_observed"], observed["last_observed"]);
        assert_eq!(observed["number_observed"], 1);
    }
}
