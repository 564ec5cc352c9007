#[path = "services_table.rs"]
mod table;

/// The IANA service name of a TCP (`udp == false`) or UDP port, if it has one.
pub fn service_name(port: u16, udp: bool) -> Option<&'static str> {
    table::SERVICES
        .binary_search_by(|&(p, u, _)| (p, u).cmp(&(port, udp)))
        .ok()
        .map(|i| table::SERVICES[i].2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_ports_darknets_see_most() {
        assert_eq!(service_name(23, false), Some("telnet"));
        assert_eq!(service_name(22, false), Some("ssh"));
        assert_eq!(service_name(445, false), Some("microsoft-ds"));
        assert_eq!(service_name(3389, false), Some("ms-wbt-server"));
        assert_eq!(service_name(53, true), Some("domain"));
        assert_eq!(service_name(37215, false), None);
    }

    #[test]
    fn table_is_sorted_for_binary_search() {
        assert!(table::SERVICES
            .windows(2)
            .all(|w| (w[0].0, w[0].1) < (w[1].0, w[1].1)));
    }
}
