//! The credits the shipped data's licences require. Show [`ATTRIBUTION`]
//! in `--version` and the README, and [`ATTRIBUTION_HTML`] on every web
//! page that shows a country or an AS from the data (DB-IP's licence asks
//! for a link back on each such page).

/// DB-IP's required credit, in the words its licence gives.
pub const DBIP: &str = "IP Geolocation by DB-IP (https://db-ip.com)";
/// RouteViews' required credit.
pub const ROUTEVIEWS: &str = "IP-to-ASN data: RouteViews (https://www.routeviews.org), CC BY 4.0";
/// The NRO's required credit for the RIR statistics.
pub const NRO: &str = "RIR statistics: NRO (https://www.nro.net), CC BY 4.0";
/// IPFire Location's credit; its data is under a share-alike licence.
pub const IPFIRE: &str =
    "Tor geoip data from the IPFire Location database (https://location.ipfire.org), CC BY-SA 4.0";
/// The project that merged the DB-IP, RouteViews and NRO data into the
/// range files hirundo builds from.
pub const IP_LOCATION_DB: &str =
    "Merged by the ip-location-db project (https://github.com/sapics/ip-location-db)";

/// Every credit for the shipped dataset, one per line.
pub const ATTRIBUTION: &str = concat!(
    "IP Geolocation by DB-IP (https://db-ip.com)\n",
    "IP-to-ASN data: RouteViews (https://www.routeviews.org), CC BY 4.0\n",
    "RIR statistics: NRO (https://www.nro.net), CC BY 4.0\n",
    "Tor geoip data from the IPFire Location database (https://location.ipfire.org), CC BY-SA 4.0\n",
    "Merged by the ip-location-db project (https://github.com/sapics/ip-location-db)",
);

/// The same credits as HTML for a page footer, each with its link.
pub const ATTRIBUTION_HTML: &str = concat!(
    "<a href=\"https://db-ip.com\">IP Geolocation by DB-IP</a>; ",
    "IP-to-ASN data: <a href=\"https://www.routeviews.org\">RouteViews</a> (CC BY 4.0); ",
    "RIR statistics: <a href=\"https://www.nro.net\">NRO</a> (CC BY 4.0); ",
    "Tor geoip data from the <a href=\"https://location.ipfire.org\">IPFire Location</a> database (CC BY-SA 4.0); ",
    "merged by <a href=\"https://github.com/sapics/ip-location-db\">ip-location-db</a>",
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribution_holds_every_credit_line() {
        let lines: Vec<&str> = ATTRIBUTION.lines().collect();
        assert_eq!(lines, [DBIP, ROUTEVIEWS, NRO, IPFIRE, IP_LOCATION_DB]);
        for link in [
            "https://db-ip.com",
            "https://www.routeviews.org",
            "https://www.nro.net",
            "https://location.ipfire.org",
        ] {
            assert!(
                ATTRIBUTION_HTML.contains(&format!("href=\"{link}\"")),
                "{link}"
            );
        }
    }
}
