use hirundo_summary::PortProto;

/// A transport protocol and destination port, ordered TCP before UDP then
/// by port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PortKey {
    pub proto: PortProto,
    pub port: u16,
}

impl PortKey {
    /// Bytes per key in [`PortKey::encode`].
    pub const ENCODED_LEN: usize = 3;

    pub fn new(proto: PortProto, port: u16) -> Self {
        PortKey { proto, port }
    }

    /// `proto << 16 | port`, with TCP 0 and UDP 1: dense and ordered as
    /// the keys are.
    pub fn to_u32(self) -> u32 {
        u32::from(self.proto == PortProto::Udp) << 16 | u32::from(self.port)
    }

    /// The inverse of [`PortKey::to_u32`]; `None` for any other number.
    pub fn from_u32(n: u32) -> Option<Self> {
        let proto = match n >> 16 {
            0 => PortProto::Tcp,
            1 => PortProto::Udp,
            _ => return None,
        };
        Some(PortKey::new(proto, n as u16))
    }

    /// A sorted port list as three bytes per key (protocol, port
    /// big-endian): how a store keeps a source's ports in one column.
    pub fn encode(keys: &[PortKey]) -> Vec<u8> {
        let mut out = Vec::with_capacity(keys.len() * Self::ENCODED_LEN);
        for key in keys {
            out.push(u8::from(key.proto == PortProto::Udp));
            out.extend_from_slice(&key.port.to_be_bytes());
        }
        out
    }

    /// Reads what [`PortKey::encode`] wrote; `None` when the bytes are not
    /// such a list (wrong length or an unknown protocol byte).
    pub fn decode(bytes: &[u8]) -> Option<Vec<PortKey>> {
        if bytes.len() % Self::ENCODED_LEN != 0 {
            return None;
        }
        bytes
            .chunks_exact(Self::ENCODED_LEN)
            .map(|c| {
                let proto = match c[0] {
                    0 => PortProto::Tcp,
                    1 => PortProto::Udp,
                    _ => return None,
                };
                Some(PortKey::new(proto, u16::from_be_bytes([c[1], c[2]])))
            })
            .collect()
    }

    /// The sorted union of two sorted, duplicate-free lists.
    pub fn union(a: &[PortKey], b: &[PortKey]) -> Vec<PortKey> {
        let mut out = Vec::with_capacity(a.len().max(b.len()));
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            match a[i].cmp(&b[j]) {
                std::cmp::Ordering::Less => {
                    out.push(a[i]);
                    i += 1;
                }
                std::cmp::Ordering::Greater => {
                    out.push(b[j]);
                    j += 1;
                }
                std::cmp::Ordering::Equal => {
                    out.push(a[i]);
                    i += 1;
                    j += 1;
                }
            }
        }
        out.extend_from_slice(&a[i..]);
        out.extend_from_slice(&b[j..]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn keys() -> impl Strategy<Value = Vec<PortKey>> {
        proptest::collection::btree_set((any::<bool>(), any::<u16>()), 0..200).prop_map(|set| {
            let mut v: Vec<PortKey> = set
                .into_iter()
                .map(|(udp, port)| {
                    PortKey::new(if udp { PortProto::Udp } else { PortProto::Tcp }, port)
                })
                .collect();
            v.sort();
            v
        })
    }

    proptest! {
        #[test]
        fn encode_round_trips(k in keys()) {
            prop_assert_eq!(PortKey::decode(&PortKey::encode(&k)), Some(k.clone()));
            for key in &k {
                prop_assert_eq!(PortKey::from_u32(key.to_u32()), Some(*key));
            }
        }

        #[test]
        fn decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            if let Some(k) = PortKey::decode(&bytes) {
                prop_assert_eq!(PortKey::encode(&k), bytes);
            }
        }

        #[test]
        fn union_is_the_sorted_set_union(a in keys(), b in keys()) {
            let mut want: Vec<PortKey> = a.iter().chain(&b).copied().collect();
            want.sort();
            want.dedup();
            prop_assert_eq!(PortKey::union(&a, &b), want);
        }
    }

    #[test]
    fn order_is_tcp_then_udp_then_port() {
        let tcp_max = PortKey::new(PortProto::Tcp, 65535);
        let udp_0 = PortKey::new(PortProto::Udp, 0);
        assert!(tcp_max < udp_0);
        assert!(tcp_max.to_u32() < udp_0.to_u32());
        assert_eq!(PortKey::from_u32(2 << 16), None);
        assert_eq!(PortKey::decode(&[2, 0, 80]), None);
    }
}
