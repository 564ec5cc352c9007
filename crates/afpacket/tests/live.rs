//! A live capture between two network namespaces joined by a veth pair. It
//! needs root; without it the test says loudly that it was skipped, and
//! under `CI=true` it fails instead.
//!
//! ```text
//!  hafB<pid> (namespace)                         hafA<pid> (namespace)
//!  hafB<pid>: no address, ARP off, no IPv6 --veth-- hafA<pid>: the same
//!  AF_PACKET sender: 20,000 UDP frames            two Rings: whole and snaplen 100
//! ```
//!
//! Nothing but the test's frames crosses the pair: neither side has an
//! address, ARP or IPv6, so neither kernel says anything. The rings must
//! see every frame exactly as sent, VLAN tags included, drop none, and the
//! capture side must not transmit a single frame.

use std::collections::HashMap;
use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hirundo_afpacket::{interface_warnings, Ring, RingConfig, RingError, LINKTYPE_ETHERNET};

/// Frames sent; a tenth carry one VLAN tag and a tenth two.
const FRAMES: usize = 20_000;
/// Snapshot length of the second ring.
const SHORT_SNAPLEN: u32 = 100;
/// Locally administered MACs (0x02), "haf" in the middle.
const MAC_A: [u8; 6] = [0x02, 0x68, 0x61, 0x66, 0x00, 0x0a];
const MAC_B: [u8; 6] = [0x02, 0x68, 0x61, 0x66, 0x00, 0x0b];
/// Longer than a block timeout, so the last block has been handed over.
const SETTLE: Duration = Duration::from_millis(400);

/// Says loudly that the test did not run, and fails instead under CI=true.
fn skip(why: &str) {
    hirundo_testbed::skip("live capture test", why);
}

#[test]
fn live_capture_is_exact_and_silent() {
    // SAFETY: geteuid takes no arguments and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return skip("it needs root (network namespaces, veth pairs, AF_PACKET)");
    }
    let Some(ip) = find_ip() else {
        return skip("the `ip` command (iproute2) is not installed");
    };
    let bed = match Testbed::new(ip) {
        Ok(bed) => bed,
        Err(Setup::Unavailable(why)) => return skip(&why),
        Err(Setup::Failed(why)) => panic!("cannot build the testbed: {why}"),
    };
    let frames = build_frames(FRAMES);
    let tagged = frames.iter().filter(|f| is_tagged(f)).count();
    assert!(tagged >= FRAMES / 5, "{tagged} tagged frames");

    let stop = Arc::new(AtomicBool::new(false));
    // Stops the capture threads if an assertion fails before they are joined.
    let _stop_on_drop = StopOnDrop(Arc::clone(&stop));
    let (ready_tx, ready_rx) = mpsc::channel();
    let whole = capture(&bed, RingConfig::default(), &stop, ready_tx.clone());
    let short = capture(
        &bed,
        // 2 MiB, about half of what the frames take in it: the reader
        // must give blocks back for the kernel to reuse them.
        RingConfig {
            block_size: 128 << 10,
            block_count: 16,
            snaplen: SHORT_SNAPLEN,
            ..RingConfig::default()
        },
        &stop,
        ready_tx,
    );
    for _ in 0..2 {
        let ready = ready_rx
            .recv_timeout(Duration::from_secs(10))
            .expect("a capture thread did not start");
        let ready = ready.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ready.link_type, LINKTYPE_ETHERNET);
        assert!(ready.ignores_outgoing, "PACKET_IGNORE_OUTGOING not set");
        assert_eq!(
            ready.warnings,
            Vec::<String>::new(),
            "the prepared interface should draw no warning"
        );
        assert!(
            matches!(&ready.peer_open, Err(RingError::NoSuchInterface { interface }) if *interface == bed.if_b),
            "the peer's interface is in the other namespace: {:?}",
            ready.peer_open
        );
        assert_eq!(ready.loopback_link_type, Ok(LINKTYPE_ETHERNET));
    }

    let started = now_ns();
    let sent = send(&bed, &frames);
    thread::sleep(SETTLE);
    stop.store(true, Ordering::Release);
    let ended = now_ns();
    let whole = whole.join().expect("the capture thread panicked");
    let short = short.join().expect("the capture thread panicked");
    eprintln!(
        "sent {FRAMES} frames ({tagged} VLAN-tagged) in {:?} ({:.0} frames/s); \
         captured {} whole and {} cut to {SHORT_SNAPLEN} bytes",
        sent,
        FRAMES as f64 / sent.as_secs_f64(),
        whole.packets.len(),
        short.packets.len()
    );

    let diagnostics = || {
        format!(
            "capture side rx_packets {} rx_dropped {}",
            bed.counter(&bed.ns_a, &bed.if_a, "rx_packets"),
            bed.counter(&bed.ns_a, &bed.if_a, "rx_dropped")
        )
    };
    for (ring, label, snaplen) in [
        (&whole, "whole", u32::MAX),
        (&short, "short", SHORT_SNAPLEN),
    ] {
        assert_eq!(
            ring.packets.len(),
            FRAMES,
            "{label}: not every frame was captured; {}",
            diagnostics()
        );
        assert_eq!(ring.stats.packets, FRAMES as u64, "{label}: kernel count");
        assert_eq!(ring.stats.drops, 0, "{label}: kernel drops");
        assert_eq!(
            ring.stats_again, ring.stats,
            "{label}: stats are totals since open, not since the last read"
        );
        // The kernel may deliver frames out of order across CPUs; match
        // each capture to what was sent by its bytes, which are unique in
        // the first 100 (the IP identification is the frame's number).
        let keep = snaplen.min(SHORT_SNAPLEN) as usize;
        let index: HashMap<&[u8], usize> = frames
            .iter()
            .enumerate()
            .map(|(i, f)| (&f[..f.len().min(keep)], i))
            .collect();
        assert_eq!(index.len(), FRAMES, "frames must be unique in {keep} bytes");
        let mut seen = vec![false; FRAMES];
        let mut captured_tagged = 0;
        let mut out_of_order = 0;
        let mut last = 0;
        for (n, p) in ring.packets.iter().enumerate() {
            let i = *index
                .get(&p.data[..p.data.len().min(keep)])
                .unwrap_or_else(|| panic!("{label}: frame {n} was never sent"));
            assert!(!seen[i], "{label}: frame {i} captured twice");
            seen[i] = true;
            let want = &frames[i][..frames[i].len().min(snaplen as usize)];
            assert_eq!(p.data, want, "{label}: frame {i} differs");
            assert_eq!(
                p.wire_len as usize,
                frames[i].len(),
                "frame {i} wire length"
            );
            assert!(
                (started..=ended).contains(&p.ts_ns),
                "frame {i} stamped {} outside the run {started}..{ended}",
                p.ts_ns
            );
            captured_tagged += usize::from(is_tagged(&p.data));
            out_of_order += usize::from(i < last);
            last = i;
        }
        assert_eq!(captured_tagged, tagged, "{label}: VLAN tags put back");
        eprintln!("{label}: {out_of_order} frames arrived out of order");
    }

    assert_eq!(
        bed.counter(&bed.ns_a, &bed.if_a, "tx_packets"),
        0,
        "the capture side transmitted"
    );

    // Now spoil the interface, one thing at a time.
    let warnings = || in_namespace(&bed.ns_a, || interface_warnings(&bed.if_a));
    bed.ip(&[
        "-n",
        &bed.ns_a,
        "addr",
        "add",
        "192.0.2.1/24",
        "dev",
        &bed.if_a,
    ])
    .expect("add an address");
    let w = warnings();
    assert_eq!(
        w,
        vec![format!(
            "{0} has address 192.0.2.1: the host may answer probes sent to it; remove it \
             with `ip addr del 192.0.2.1/24 dev {0}`",
            bed.if_a
        )]
    );
    bed.ip(&["-n", &bed.ns_a, "link", "set", &bed.if_a, "arp", "on"])
        .expect("turn ARP on");
    let w = warnings();
    assert_eq!(w.len(), 2, "{w:?}");
    assert!(
        w[0].starts_with(&format!("{} has ARP on", bed.if_a)),
        "{w:?}"
    );
    bed.sysctl_in_a(&format!("net.ipv6.conf.{}.disable_ipv6=0", bed.if_a))
        .expect("enable IPv6");
    let w = warnings();
    assert!(
        w.iter()
            .any(|w| w.starts_with(&format!("{} has IPv6 enabled", bed.if_a))),
        "{w:?}"
    );
    assert!(
        w.iter().any(|w| w.contains(" has address fe80::")),
        "the link-local address: {w:?}"
    );
}

struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Release);
    }
}

/// One frame as a ring lent it.
struct Captured {
    ts_ns: i64,
    wire_len: u32,
    data: Vec<u8>,
}

/// What a capture thread reports once its ring is open.
struct Ready {
    link_type: u32,
    ignores_outgoing: bool,
    warnings: Vec<String>,
    peer_open: Result<Ring, RingError>,
    loopback_link_type: Result<u32, String>,
}

struct Capture {
    packets: Vec<Captured>,
    stats: hirundo_afpacket::RingStats,
    stats_again: hirundo_afpacket::RingStats,
}

/// Opens a ring inside the capture namespace from a thread of its own, and
/// collects until `stop`, then drains what the kernel has handed over.
fn capture(
    bed: &Testbed,
    config: RingConfig,
    stop: &Arc<AtomicBool>,
    ready: mpsc::Sender<Result<Ready, String>>,
) -> thread::JoinHandle<Capture> {
    let (ns, interface, peer) = (bed.ns_a.clone(), bed.if_a.clone(), bed.if_b.clone());
    let stop = Arc::clone(stop);
    thread::spawn(move || {
        enter_namespace(&ns);
        let mut ring = match Ring::open(&interface, &config) {
            Ok(ring) => ring,
            Err(e) => {
                let _ = ready.send(Err(format!("Ring::open({interface}): {e}")));
                panic!("Ring::open({interface}): {e}");
            }
        };
        let loopback = RingConfig {
            promiscuous: false,
            ..config.clone()
        };
        let _ = ready.send(Ok(Ready {
            link_type: ring.link_type(),
            ignores_outgoing: ring.ignores_outgoing(),
            warnings: interface_warnings(&interface),
            peer_open: Ring::open(&peer, &config),
            loopback_link_type: Ring::open("lo", &loopback)
                .map(|r| r.link_type())
                .map_err(|e| e.to_string()),
        }));
        let mut packets = Vec::with_capacity(FRAMES);
        let mut keep = |p: hirundo_afpacket::PacketView<'_>| {
            // A ring that hands a block over twice would run forever.
            assert!(packets.len() < 2 * FRAMES, "far more frames than were sent");
            packets.push(Captured {
                ts_ns: p.ts_ns,
                wire_len: p.wire_len,
                data: p.data.to_vec(),
            });
        };
        while !stop.load(Ordering::Acquire) {
            ring.next_block(Duration::from_millis(50), &mut keep)
                .expect("next_block");
        }
        // What the kernel handed over before the stop.
        while ring
            .next_block(Duration::ZERO, &mut keep)
            .expect("next_block")
            > 0
        {}
        let stats = ring.stats().expect("stats");
        let stats_again = ring.stats().expect("stats");
        Capture {
            packets,
            stats,
            stats_again,
        }
    })
}

/// Sends every frame from the sender namespace with an AF_PACKET socket
/// that receives nothing; returns how long it took.
fn send(bed: &Testbed, frames: &[Vec<u8>]) -> Duration {
    let (ns, interface) = (bed.ns_b.clone(), bed.if_b.clone());
    thread::scope(|s| {
        s.spawn(|| {
            enter_namespace(&ns);
            // SAFETY: socket takes no pointers.
            let fd =
                unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW | libc::SOCK_CLOEXEC, 0) };
            assert!(fd >= 0, "sender socket: {}", io::Error::last_os_error());
            let name = std::ffi::CString::new(interface.as_str()).expect("a name without NUL");
            // SAFETY: name is NUL-terminated and outlives the call.
            let ifindex = unsafe { libc::if_nametoindex(name.as_ptr()) };
            assert_ne!(ifindex, 0, "no {interface} in the sender namespace");
            // SAFETY: sockaddr_ll is plain integers; zero is valid.
            let mut addr: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
            addr.sll_family = libc::AF_PACKET as u16;
            addr.sll_ifindex = ifindex as i32;
            addr.sll_halen = 6;
            addr.sll_addr[..6].copy_from_slice(&MAC_A);
            let started = Instant::now();
            for frame in frames {
                addr.sll_protocol = u16::from_be_bytes([frame[12], frame[13]]).to_be();
                loop {
                    // SAFETY: frame and addr are valid for the call and the
                    // lengths are theirs.
                    let n = unsafe {
                        libc::sendto(
                            fd,
                            frame.as_ptr().cast(),
                            frame.len(),
                            0,
                            (&raw const addr).cast(),
                            std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t,
                        )
                    };
                    if n == frame.len() as isize {
                        break;
                    }
                    let e = io::Error::last_os_error();
                    assert_eq!(e.raw_os_error(), Some(libc::ENOBUFS), "sendto: {e}");
                    thread::sleep(Duration::from_micros(100));
                }
            }
            let took = started.elapsed();
            // SAFETY: fd is ours and closed once.
            unsafe { libc::close(fd) };
            took
        })
        .join()
        .expect("the sender thread panicked")
    })
}

/// Frame `i`: Ethernet from B to A, untagged, 802.1Q-tagged (a tenth,
/// some with VLAN 0, a priority tag) or 802.1ad over 802.1Q (a tenth),
/// then IPv4 and UDP with a length that varies from frame to frame. The IP
/// identification is `i`, so every frame is unique in its first 100 bytes.
fn build_frames(count: usize) -> Vec<Vec<u8>> {
    (0..count)
        .map(|i| {
            let mut f = Vec::with_capacity(1518);
            f.extend_from_slice(&MAC_A);
            f.extend_from_slice(&MAC_B);
            let pcp = (i % 8) as u16;
            let vid = if i % 15 == 0 {
                0
            } else {
                (i % 4094 + 1) as u16
            };
            let tags: &[u16] = match i % 10 {
                5 => &[0x8100],
                0 => &[0x88a8, 0x8100],
                _ => &[],
            };
            for (n, &tpid) in tags.iter().enumerate() {
                f.extend_from_slice(&tpid.to_be_bytes());
                f.extend_from_slice(&((pcp << 13) | (vid + n as u16)).to_be_bytes());
            }
            f.extend_from_slice(&0x0800u16.to_be_bytes());
            // A single 802.1Q tag may exceed the 1514 bytes of an MTU of
            // 1500, two tags may not (the kernel's rule for raw sends).
            let max_ip = if tags.len() == 2 { 1492 } else { 1500 };
            let payload = 8 + (i * 37) % (max_ip - 28 - 8 + 1);
            let ip_len = 20 + 8 + payload;
            let ip_start = f.len();
            let src = [198, 51, 100, (i % 250) as u8 + 1];
            let dst = [203, 0, 113, (i % 200) as u8 + 1];
            f.extend_from_slice(&[0x45, 0]);
            f.extend_from_slice(&(ip_len as u16).to_be_bytes());
            f.extend_from_slice(&(i as u16).to_be_bytes());
            f.extend_from_slice(&[0x40, 0, 64, 17, 0, 0]);
            f.extend_from_slice(&src);
            f.extend_from_slice(&dst);
            let sum = checksum(&f[ip_start..]);
            f[ip_start + 10..ip_start + 12].copy_from_slice(&sum.to_be_bytes());
            f.extend_from_slice(&(40_000 + (i % 20_000) as u16).to_be_bytes());
            f.extend_from_slice(&[0, 9]); // discard
            f.extend_from_slice(&((8 + payload) as u16).to_be_bytes());
            f.extend_from_slice(&[0, 0]); // no UDP checksum
            f.extend_from_slice(&(i as u64).to_be_bytes());
            f.extend((8..payload).map(|n| (n as u8) ^ (i as u8)));
            f
        })
        .collect()
}

/// The Internet checksum of an IPv4 header.
fn checksum(header: &[u8]) -> u16 {
    let mut sum: u32 = header
        .chunks(2)
        .map(|w| u32::from(u16::from_be_bytes([w[0], *w.get(1).unwrap_or(&0)])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

fn is_tagged(frame: &[u8]) -> bool {
    matches!(frame.get(12..14), Some([0x81, 0x00] | [0x88, 0xa8]))
}

fn now_ns() -> i64 {
    let t = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the clock is after 1970");
    i64::try_from(t.as_nanos()).expect("before 2262")
}

/// Moves the calling thread into a named network namespace.
fn enter_namespace(ns: &str) {
    let path = format!("/var/run/netns/{ns}");
    let file = File::open(&path).unwrap_or_else(|e| panic!("open {path}: {e}"));
    // SAFETY: file is an open namespace file; setns affects only this thread.
    let rc = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
    assert_eq!(rc, 0, "setns {path}: {}", io::Error::last_os_error());
}

/// Runs `f` in a thread inside namespace `ns`.
fn in_namespace<T: Send>(ns: &str, f: impl FnOnce() -> T + Send) -> T {
    thread::scope(|s| {
        s.spawn(|| {
            enter_namespace(ns);
            f()
        })
        .join()
        .expect("the namespace thread panicked")
    })
}

fn find_ip() -> Option<PathBuf> {
    let tools = hirundo_testbed::Tools::find(&["ip"]).ok()?;
    Some(tools.path("ip").to_path_buf())
}

enum Setup {
    /// This machine cannot make namespaces (a container without
    /// CAP_SYS_ADMIN, say): a missing prerequisite.
    Unavailable(String),
    Failed(String),
}

/// Two namespaces and the veth pair between them; Drop removes them, also
/// when the test fails or panics.
struct Testbed {
    ip: PathBuf,
    ns_a: String,
    ns_b: String,
    if_a: String,
    if_b: String,
}

impl Testbed {
    fn new(ip: PathBuf) -> Result<Testbed, Setup> {
        remove_stale_namespaces(&ip);
        let pid = std::process::id();
        let bed = Testbed {
            ip,
            ns_a: format!("hafA{pid}"),
            ns_b: format!("hafB{pid}"),
            if_a: format!("hafA{pid}"),
            if_b: format!("hafB{pid}"),
        };
        bed.ip(&["netns", "add", &bed.ns_a])
            .map_err(|e| Setup::Unavailable(format!("cannot create a network namespace: {e}")))?;
        // From here on Drop removes whatever was created.
        bed.prepare().map_err(Setup::Failed)?;
        Ok(bed)
    }

    fn prepare(&self) -> Result<(), String> {
        let (a, b) = (&self.ns_a, &self.ns_b);
        self.ip(&["netns", "add", b])?;
        // IPv6 off before the veth exists, so that it never sends a
        // router solicitation or a DAD probe.
        for ns in [a, b] {
            for scope in ["all", "default"] {
                self.sysctl(ns, &format!("net.ipv6.conf.{scope}.disable_ipv6=1"))?;
            }
        }
        let mac = |m: [u8; 6]| {
            m.iter()
                .map(|b| format!("{b:02x}"))
                .collect::<Vec<_>>()
                .join(":")
        };
        let (mac_a, mac_b) = (mac(MAC_A), mac(MAC_B));
        self.ip(&[
            "link", "add", "name", &self.if_a, "address", &mac_a, "netns", a, "type", "veth",
            "peer", "name", &self.if_b, "address", &mac_b, "netns", b,
        ])?;
        // The capture side as an operator must leave it: no address, ARP
        // off, IPv6 disabled on the interface itself.
        self.sysctl_in_a(&format!("net.ipv6.conf.{}.disable_ipv6=1", self.if_a))?;
        self.ip(&["-n", a, "link", "set", &self.if_a, "arp", "off", "up"])?;
        self.ip(&["-n", b, "link", "set", &self.if_b, "arp", "off", "up"])?;
        Ok(())
    }

    fn sysctl_in_a(&self, setting: &str) -> Result<(), String> {
        self.sysctl(&self.ns_a, setting)
    }

    fn sysctl(&self, ns: &str, setting: &str) -> Result<(), String> {
        self.ip(&["netns", "exec", ns, "sysctl", "-q", "-w", setting])
            .map(drop)
    }

    /// An interface counter, read inside its namespace (`ip netns exec`
    /// mounts that namespace's /sys).
    fn counter(&self, ns: &str, interface: &str, name: &str) -> u64 {
        let path = format!("/sys/class/net/{interface}/statistics/{name}");
        let text = self
            .ip(&["netns", "exec", ns, "cat", &path])
            .unwrap_or_else(|e| panic!("{e}"));
        text.trim()
            .parse()
            .unwrap_or_else(|e| panic!("{path} holds {text:?}: {e}"))
    }

    fn ip(&self, args: &[&str]) -> Result<String, String> {
        hirundo_testbed::ip(&self.ip, args)
    }
}

impl Drop for Testbed {
    fn drop(&mut self) {
        // Deleting a namespace deletes its end of the veth pair, and so the
        // pair.
        hirundo_testbed::delete_namespaces(&self.ip, [self.ns_a.as_str(), self.ns_b.as_str()]);
    }
}

/// Removes namespaces of this test left by a run that was killed (SIGKILL
/// skips Drop): ours by name, and only if their process is gone.
fn remove_stale_namespaces(ip: &Path) {
    hirundo_testbed::remove_stale_namespaces(ip, |name| {
        name.strip_prefix("hafA")
            .or_else(|| name.strip_prefix("hafB"))?
            .parse()
            .ok()
    });
}
