//! UDP probe payloads as scanners send them, so that an analyst opening the
//! capture in Wireshark sees a DNS query on 53, a monlist on 123, an SNMP
//! get on 161, and so on.

use std::io::Write;
use std::net::Ipv4Addr;

use rand::RngCore;

use crate::rng::below;

/// What is sent to a UDP service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Probe {
    /// A recursive query: A for a popular name, ANY with EDNS0 (the
    /// amplification test), or TXT CH version.bind (resolver surveys).
    Dns,
    /// An NTP client (mode 3) request, or a mode-7 MON_GETLIST_1 (monlist).
    Ntp,
    /// SNMPv2c get-request for sysDescr.0 with community "public".
    Snmp,
    /// SSDP M-SEARCH for ssdp:all.
    Ssdp,
    /// SIP OPTIONS as sent by SIPVicious ("friendly-scanner").
    Sip,
    /// memcached "stats" with the 8-byte UDP frame header, request id 0 as
    /// in the payload published with the 2018 amplification attacks.
    Memcached,
    /// NetBIOS NBSTAT query for the wildcard name "*".
    Nbstat,
    /// CLDAP searchRequest for the rootDSE (objectClass present).
    Cldap,
    /// One byte to chargen.
    Chargen,
    /// mDNS PTR query for _services._dns-sd._udp.local.
    Mdns,
    /// WS-Discovery SOAP Probe.
    WsDiscovery,
    /// Portmapper DUMP call (program 100000 v2, procedure 4).
    Portmap,
    /// SQL Server browser CLNT_UCAST_EX (a single 0x02).
    MssqlPing,
    /// IPMI/RMCP Get Channel Authentication Capabilities.
    Ipmi,
    /// Ubiquiti discovery.
    Ubiquiti,
    /// BACnet/IP Who-Is.
    Bacnet,
    /// CoAP GET /.well-known/core.
    Coap,
    /// TFTP read request.
    Tftp,
    /// RIPv1 request for the whole table.
    Rip,
    /// OpenVPN P_CONTROL_HARD_RESET_CLIENT_V2.
    OpenVpn,
    /// A few random bytes: misdirected P2P and unknown probes.
    Random,
}

/// UDP services probed, with relative weights; port 0 means a port drawn
/// uniformly from 1024-65535 for each packet.
pub(crate) const UDP_SERVICES: &[(u16, u32, Probe)] = &[
    (53, 1300, Probe::Dns),
    (5060, 1100, Probe::Sip),
    (123, 1000, Probe::Ntp),
    (161, 900, Probe::Snmp),
    (1900, 900, Probe::Ssdp),
    (137, 600, Probe::Nbstat),
    (11211, 450, Probe::Memcached),
    (389, 450, Probe::Cldap),
    (3702, 400, Probe::WsDiscovery),
    (5353, 350, Probe::Mdns),
    (19, 300, Probe::Chargen),
    (111, 300, Probe::Portmap),
    (1434, 250, Probe::MssqlPing),
    (10001, 250, Probe::Ubiquiti),
    (623, 200, Probe::Ipmi),
    (5683, 200, Probe::Coap),
    (69, 150, Probe::Tftp),
    (1194, 150, Probe::OpenVpn),
    (520, 100, Probe::Rip),
    (47808, 100, Probe::Bacnet),
    (0, 600, Probe::Random),
];

/// Room for the longest payload (WS-Discovery).
pub(crate) const MAX_PAYLOAD: usize = 1024;

const SNMP_GET_SYSDESCR: [u8; 43] = [
    0x30, 0x29, // SEQUENCE, 41 bytes
    0x02, 0x01, 0x01, // version: 1 (v2c)
    0x04, 0x06, b'p', b'u', b'b', b'l', b'i', b'c', // community
    0xa0, 0x1c, // GetRequest-PDU, 28 bytes
    0x02, 0x04, 0, 0, 0, 0, // request-id, filled in
    0x02, 0x01, 0x00, // error-status
    0x02, 0x01, 0x00, // error-index
    0x30, 0x0e, 0x30, 0x0c, // varbind list, varbind
    0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x01, 0x00, // 1.3.6.1.2.1.1.1.0
    0x05, 0x00, // NULL
];

const CLDAP_ROOTDSE: [u8; 39] = [
    0x30, 0x25, 0x02, 0x01, 0x01, // message, id 1
    0x63, 0x20, // searchRequest
    0x04, 0x00, // baseObject ""
    0x0a, 0x01, 0x00, // scope baseObject
    0x0a, 0x01, 0x00, // derefAliases never
    0x02, 0x01, 0x00, // sizeLimit
    0x02, 0x01, 0x00, // timeLimit
    0x01, 0x01, 0x00, // typesOnly false
    0x87, 0x0b, b'o', b'b', b'j', b'e', b'c', b't', b'c', b'l', b'a', b's', b's', // present
    0x30, 0x00, // attributes: none
];

const IPMI_AUTH_CAPS: [u8; 23] = [
    0x06, 0x00, 0xff, 0x07, // RMCP: version 6, seq 0xff, class IPMI
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09, // session, length 9
    0x20, 0x18, 0xc8, 0x81, 0x00, 0x38, 0x8e, 0x04, 0xb5,
];

const BACNET_WHO_IS: [u8; 12] = [
    0x81, 0x0b, 0x00, 0x0c, 0x01, 0x20, 0xff, 0xff, 0x00, 0xff, 0x10, 0x08,
];

const RIP_REQUEST: [u8; 24] = [
    0x01, 0x01, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x00, 0x00, 0x10,
];

const SSDP_MSEARCH: &[u8] = b"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n\
MAN: \"ssdp:discover\"\r\nMX: 1\r\nST: ssdp:all\r\n\r\n";

/// Writes the probe for `probe` into `out` and returns its length. `src`
/// and `dst` are the packet's addresses (SIP names them in its headers).
pub(crate) fn write_probe(
    probe: Probe,
    rng: &mut impl RngCore,
    src: u32,
    dst: u32,
    out: &mut [u8; MAX_PAYLOAD],
) -> usize {
    let mut w = Cursor::new(out);
    match probe {
        Probe::Dns => {
            w.put(&(rng.next_u32() as u16).to_be_bytes());
            match below(rng, 3) {
                0 => {
                    w.put(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
                    w.put(b"\x06google\x03com\x00\x00\x01\x00\x01");
                }
                1 => {
                    w.put(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1]);
                    w.put(b"\x03isc\x03org\x00\x00\xff\x00\x01");
                    // OPT pseudo-RR: root, type 41, 4096-byte UDP payload.
                    w.put(&[0x00, 0x00, 0x29, 0x10, 0x00, 0, 0, 0, 0, 0, 0]);
                }
                _ => {
                    w.put(&[0x00, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
                    w.put(b"\x07version\x04bind\x00\x00\x10\x00\x03");
                }
            }
        }
        Probe::Ntp => {
            if below(rng, 2) == 0 {
                // LI 3 (unsynchronised), version 4, mode 3; transmit
                // timestamp random as a client's clock would be.
                let mut packet = [0u8; 48];
                packet[..4].copy_from_slice(&[0xe3, 0x00, 0x06, 0xec]);
                packet[40..48].copy_from_slice(&rng.next_u64().to_be_bytes());
                w.put(&packet);
            } else {
                // Mode 7, implementation XNTPD (3), request MON_GETLIST_1 (42).
                w.put(&[0x17, 0x00, 0x03, 0x2a, 0x00, 0x00, 0x00, 0x00]);
            }
        }
        Probe::Snmp => {
            let mut packet = SNMP_GET_SYSDESCR;
            packet[17..21].copy_from_slice(&(rng.next_u32() & 0x7fff_ffff).to_be_bytes());
            w.put(&packet);
        }
        Probe::Ssdp => w.put(SSDP_MSEARCH),
        Probe::Sip => {
            let (s, d) = (Ipv4Addr::from(src), Ipv4Addr::from(dst));
            let (branch, tag, call) = (rng.next_u32(), rng.next_u32(), rng.next_u64());
            w.fmt(format_args!(
                "OPTIONS sip:100@{d} SIP/2.0\r\n\
                 Via: SIP/2.0/UDP {s}:5060;branch=z9hG4bK-{branch};rport\r\n\
                 Max-Forwards: 70\r\n\
                 To: \"100\"<sip:100@{d}>\r\n\
                 From: \"100\"<sip:100@{d}>;tag={tag:08x}\r\n\
                 User-Agent: friendly-scanner\r\n\
                 Call-ID: {call}\r\n\
                 CSeq: 1 OPTIONS\r\n\
                 Contact: <sip:100@{s}:5060>\r\n\
                 Accept: application/sdp\r\n\
                 Content-Length: 0\r\n\r\n"
            ));
        }
        Probe::Memcached => w.put(b"\x00\x00\x00\x00\x00\x01\x00\x00stats\r\n"),
        Probe::Nbstat => {
            w.put(&(rng.next_u32() as u16).to_be_bytes());
            w.put(&[0x00, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0x20, b'C', b'K']);
            w.put(&[b'A'; 30]);
            w.put(&[0x00, 0x00, 0x21, 0x00, 0x01]);
        }
        Probe::Cldap => w.put(&CLDAP_ROOTDSE),
        Probe::Chargen => w.put(&[0x01]),
        Probe::Mdns => {
            w.put(&[0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
            w.put(b"\x09_services\x07_dns-sd\x04_udp\x05local\x00\x00\x0c\x00\x01");
        }
        Probe::WsDiscovery => {
            let (a, b, c, d) = (
                rng.next_u32(),
                rng.next_u32() as u16,
                rng.next_u32() as u16 & 0x0fff | 0x4000,
                rng.next_u64() & 0x3fff_ffff_ffff_ffff | 0x8000_0000_0000_0000,
            );
            w.fmt(format_args!(
                "<?xml version=\"1.0\" encoding=\"utf-8\"?>\
                 <soap:Envelope xmlns:soap=\"http://www.w3.org/2003/05/soap-envelope\" \
                 xmlns:wsa=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" \
                 xmlns:wsd=\"http://schemas.xmlsoap.org/ws/2005/04/discovery\">\
                 <soap:Header>\
                 <wsa:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</wsa:To>\
                 <wsa:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</wsa:Action>\
                 <wsa:MessageID>urn:uuid:{a:08x}-{b:04x}-{c:04x}-{:04x}-{:012x}</wsa:MessageID>\
                 </soap:Header><soap:Body><wsd:Probe/></soap:Body></soap:Envelope>",
                d >> 48,
                d & 0xffff_ffff_ffff
            ));
        }
        Probe::Portmap => {
            w.put(&rng.next_u32().to_be_bytes());
            w.put(&[
                0, 0, 0, 0, 0, 0, 0, 2, 0, 1, 0x86, 0xa0, 0, 0, 0, 2, 0, 0, 0, 4,
            ]);
            w.put(&[0; 16]);
        }
        Probe::MssqlPing => w.put(&[0x02]),
        Probe::Ipmi => w.put(&IPMI_AUTH_CAPS),
        Probe::Ubiquiti => w.put(&[0x01, 0x00, 0x00, 0x00]),
        Probe::Bacnet => w.put(&BACNET_WHO_IS),
        Probe::Coap => {
            w.put(&[0x40, 0x01]);
            w.put(&(rng.next_u32() as u16).to_be_bytes());
            w.put(b"\xbb.well-known\x04core");
        }
        Probe::Tftp => w.put(b"\x00\x01a.pdf\x00octet\x00"),
        Probe::Rip => w.put(&RIP_REQUEST),
        Probe::OpenVpn => {
            w.put(&[0x38]);
            w.put(&rng.next_u64().to_be_bytes());
            w.put(&[0, 0, 0, 0, 0]);
        }
        Probe::Random => {
            let n = 8 + below(rng, 25) as usize;
            for _ in 0..n {
                w.put(&[rng.next_u32() as u8]);
            }
        }
    }
    w.len
}

/// Appends into a fixed buffer without allocating; payloads are sized so
/// they always fit.
struct Cursor<'a> {
    buf: &'a mut [u8; MAX_PAYLOAD],
    len: usize,
}

impl<'a> Cursor<'a> {
    fn new(buf: &'a mut [u8; MAX_PAYLOAD]) -> Self {
        Cursor { buf, len: 0 }
    }
    fn put(&mut self, bytes: &[u8]) {
        self.buf[self.len..self.len + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len();
    }
    fn fmt(&mut self, args: std::fmt::Arguments<'_>) {
        let mut rest = &mut self.buf[self.len..];
        let room = rest.len();
        rest.write_fmt(args)
            .expect("probe payloads fit in MAX_PAYLOAD");
        self.len += room - rest.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn probe(p: Probe) -> Vec<u8> {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut out = [0u8; MAX_PAYLOAD];
        let n = write_probe(p, &mut rng, 0x0102_0304, 0xC633_6405, &mut out);
        out[..n].to_vec()
    }

    #[test]
    fn ber_lengths_add_up() {
        // Each BER length must count exactly the bytes that follow it.
        assert_eq!(
            usize::from(SNMP_GET_SYSDESCR[1]),
            SNMP_GET_SYSDESCR.len() - 2
        );
        assert_eq!(
            usize::from(SNMP_GET_SYSDESCR[14]),
            SNMP_GET_SYSDESCR.len() - 15
        );
        assert_eq!(usize::from(CLDAP_ROOTDSE[1]), CLDAP_ROOTDSE.len() - 2);
        assert_eq!(usize::from(CLDAP_ROOTDSE[6]), CLDAP_ROOTDSE.len() - 7);
        assert_eq!(usize::from(BACNET_WHO_IS[3]), BACNET_WHO_IS.len());
    }

    #[test]
    fn probes_have_their_protocol_shapes() {
        let nb = probe(Probe::Nbstat);
        assert_eq!(nb.len(), 50);
        assert_eq!(&nb[nb.len() - 4..], &[0x00, 0x21, 0x00, 0x01]);
        let sip = String::from_utf8(probe(Probe::Sip)).unwrap();
        assert!(sip.starts_with("OPTIONS sip:100@198.51.100.5 SIP/2.0\r\n"));
        assert!(sip.contains("User-Agent: friendly-scanner\r\n"));
        assert!(sip.ends_with("\r\n\r\n"));
        let ws = String::from_utf8(probe(Probe::WsDiscovery)).unwrap();
        assert!(ws.contains("<wsd:Probe/>") && ws.ends_with("</soap:Envelope>"));
        let mdns = probe(Probe::Mdns);
        assert_eq!(mdns.len(), 46);
        assert_eq!(probe(Probe::Memcached)[8..], *b"stats\r\n");
        assert_eq!(probe(Probe::Portmap).len(), 40);
    }

    #[test]
    fn every_probe_fits() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let mut out = [0u8; MAX_PAYLOAD];
        for _ in 0..50 {
            for &(_, _, p) in UDP_SERVICES {
                let n = write_probe(p, &mut rng, u32::MAX, u32::MAX, &mut out);
                assert!(n > 0 && n < 700, "{p:?}: {n}");
            }
        }
    }
}
