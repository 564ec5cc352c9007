use std::fmt;
use std::ops::{BitAnd, BitOr, BitOrAssign};

/// Per-packet fingerprint tags, a small bit set.
///
/// A packet can carry more than one: a SYN-ACK from a bogon source is both
/// [`Tags::BACKSCATTER`] and [`Tags::SPOOFED`]; a packet whose random fields
/// happen to satisfy two scanner rules carries both (see the crate docs for
/// how often that happens).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Tags(pub u16);

impl Tags {
    pub const NONE: Tags = Tags(0);
    /// A TCP SYN whose sequence number is the destination IPv4 address.
    pub const MIRAI: Tags = Tags(1 << 0);
    /// IPv4 identification 54321 (ZMap 2.x to 4.0).
    pub const ZMAP: Tags = Tags(1 << 1);
    /// IPv4 TCP with id == (dst ^ dst_port ^ seq) & 0xFFFF.
    pub const MASSCAN: Tags = Tags(1 << 2);
    /// A reply a DoS victim sent to a spoofed source that fell in the darknet.
    pub const BACKSCATTER: Tags = Tags(1 << 3);
    /// A source that cannot be genuine, by CAIDA Corsaro3's rules.
    pub const SPOOFED: Tags = Tags(1 << 4);

    /// Every tag with its summary name, in report order.
    pub const ALL: [(Tags, &'static str); 5] = [
        (Tags::MIRAI, "mirai"),
        (Tags::ZMAP, "zmap"),
        (Tags::MASSCAN, "masscan"),
        (Tags::BACKSCATTER, "backscatter"),
        (Tags::SPOOFED, "spoofed"),
    ];

    /// Whether every tag of `other` is set (true for [`Tags::NONE`]).
    #[inline]
    pub fn contains(self, other: Tags) -> bool {
        self.0 & other.0 == other.0
    }

    #[inline]
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The tags that are set, with their summary names, in report order.
    pub fn iter(self) -> impl Iterator<Item = (Tags, &'static str)> {
        Tags::ALL
            .into_iter()
            .filter(move |&(tag, _)| self.contains(tag))
    }
}

impl BitOr for Tags {
    type Output = Tags;
    #[inline]
    fn bitor(self, rhs: Tags) -> Tags {
        Tags(self.0 | rhs.0)
    }
}

impl BitOrAssign for Tags {
    #[inline]
    fn bitor_assign(&mut self, rhs: Tags) {
        self.0 |= rhs.0;
    }
}

impl BitAnd for Tags {
    type Output = Tags;
    #[inline]
    fn bitand(self, rhs: Tags) -> Tags {
        Tags(self.0 & rhs.0)
    }
}

/// `mirai|spoofed`, or `none`.
impl fmt::Debug for Tags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("none");
        }
        for (i, (_, name)) in self.iter().enumerate() {
            if i > 0 {
                f.write_str("|")?;
            }
            f.write_str(name)?;
        }
        let unknown = self.0 & !Tags::ALL.iter().fold(0, |all, (t, _)| all | t.0);
        if unknown != 0 {
            write!(f, "|{unknown:#x}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_are_distinct_and_names_in_report_order() {
        let all = Tags::ALL.iter().fold(Tags::NONE, |a, &(t, _)| a | t);
        assert_eq!(all.0.count_ones(), 5);
        let names: Vec<_> = all.iter().map(|(_, n)| n).collect();
        assert_eq!(
            names,
            ["mirai", "zmap", "masscan", "backscatter", "spoofed"]
        );
    }

    #[test]
    fn contains_iter_and_debug() {
        let mut t = Tags::SPOOFED;
        t |= Tags::MIRAI;
        assert!(t.contains(Tags::MIRAI) && t.contains(Tags::SPOOFED));
        assert!(t.contains(Tags::MIRAI | Tags::SPOOFED));
        assert!(!t.contains(Tags::MIRAI | Tags::ZMAP));
        assert!(t.contains(Tags::NONE));
        assert!(!t.is_empty() && Tags::NONE.is_empty());
        assert_eq!(t.iter().count(), 2);
        assert_eq!(format!("{t:?}"), "mirai|spoofed");
        assert_eq!(format!("{:?}", Tags::NONE), "none");
        assert_eq!(format!("{:?}", Tags(0x8001)), "mirai|0x8000");
        assert_eq!(t & Tags::MIRAI, Tags::MIRAI);
    }
}
