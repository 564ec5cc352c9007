//! Three network namespaces: the internet side that replays a darknet
//! capture, the sensor, and the collector, joined by two veth pairs.
//! Nothing the tests send can leave them.
//!
//! ```text
//!  <prefix>-i (internet)         <prefix>-s (sensor)                 <prefix>-c (collector)
//!  dk1 (no address) ---veth---   dk0 (no address, ARP off, no IPv6)
//!  tcpreplay --intf1=dk1         hirundo sensor run --interface dk0
//!                                up0 10.213.0.1/30 -------veth------- up1 10.213.0.2/30
//!                                                                     hirundo serve
//! ```
//!
//! IPv6 is off in every namespace before any veth exists, so no interface
//! ever sends duplicate address detection, router solicitations or MLD;
//! dk0 has no address and ARP off, and forwarding is off in a new
//! namespace, so the sensor's kernel drops every replayed frame without a
//! word. The darknet pair carries the replay and nothing else, which is
//! what lets the tests demand exact counts.

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::sensor_network::tools::Tools;

/// Which namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ns {
    Internet,
    Sensor,
    Collector,
}

pub struct Network {
    ip: PathBuf,
    sysctl: PathBuf,
    internet: String,
    sensor: String,
    collector: String,
}

/// Namespace names start with this, then the test process's id.
const PREFIX: &str = "hrd-sn-";

impl Network {
    /// The darknet veth the sensor captures on, and its peer.
    pub const DARKNET: &'static str = "dk0";
    pub const DARKNET_PEER: &'static str = "dk1";
    /// The sensor's uplink to the collector, and the collector's end.
    pub const UPLINK: &'static str = "up0";
    pub const UPLINK_PEER: &'static str = "up1";
    /// The collector's address; the pair's /30 exists only in here.
    pub const COLLECTOR: Ipv4Addr = Ipv4Addr::new(10, 213, 0, 2);
    const SENSOR_UPLINK: &'static str = "10.213.0.1/30";
    const COLLECTOR_UPLINK: &'static str = "10.213.0.2/30";

    /// Builds the namespaces. `label` (one word, unique among this
    /// process's tests) names them.
    pub fn new(label: &str, tools: &Tools) -> Result<Network, String> {
        remove_stale_namespaces(tools.path("ip"));
        let pid = std::process::id();
        let net = Network {
            ip: tools.path("ip").to_path_buf(),
            sysctl: tools.path("sysctl").to_path_buf(),
            internet: format!("{PREFIX}{pid}-{label}-i"),
            sensor: format!("{PREFIX}{pid}-{label}-s"),
            collector: format!("{PREFIX}{pid}-{label}-c"),
        };
        // From here on, Drop removes whatever was created.
        for ns in [Ns::Internet, Ns::Sensor, Ns::Collector] {
            net.ip(&["netns", "add", net.name(ns)])?;
            net.sysctl(
                ns,
                &[
                    "net.ipv6.conf.all.disable_ipv6=1",
                    "net.ipv6.conf.default.disable_ipv6=1",
                ],
            )?;
            net.ip(&["-n", net.name(ns), "link", "set", "lo", "up"])?;
        }
        let (i, s, c) = (&net.internet, &net.sensor, &net.collector);
        let (dk0, dk1) = (Self::DARKNET, Self::DARKNET_PEER);
        let (up0, up1) = (Self::UPLINK, Self::UPLINK_PEER);
        net.ip(&[
            "link", "add", "name", dk0, "netns", s, "type", "veth", "peer", "name", dk1, "netns", i,
        ])?;
        net.ip(&[
            "link", "add", "name", up0, "netns", s, "type", "veth", "peer", "name", up1, "netns", c,
        ])?;
        // Before the links come up, so that not one IPv6 frame is sent
        // (the defaults above already say so; this is the sensor's own
        // documented set-up, and cheap).
        net.sysctl(Ns::Sensor, &["net.ipv6.conf.dk0.disable_ipv6=1"])?;
        net.sysctl(Ns::Internet, &["net.ipv6.conf.dk1.disable_ipv6=1"])?;
        // A 1514-byte frame fits the default MTU of 1500, but nothing is
        // lost by room for jumbo frames, and a capture that holds one would
        // otherwise fail in tcpreplay rather than in the sensor.
        net.ip(&[
            "-n", s, "link", "set", dk0, "mtu", "9000", "arp", "off", "up",
        ])?;
        net.ip(&[
            "-n", i, "link", "set", dk1, "mtu", "9000", "arp", "off", "up",
        ])?;
        net.ip(&["-n", s, "addr", "add", Self::SENSOR_UPLINK, "dev", up0])?;
        net.ip(&["-n", c, "addr", "add", Self::COLLECTOR_UPLINK, "dev", up1])?;
        net.ip(&["-n", s, "link", "set", up0, "up"])?;
        net.ip(&["-n", c, "link", "set", up1, "up"])?;
        Ok(net)
    }

    pub fn name(&self, ns: Ns) -> &str {
        match ns {
            Ns::Internet => &self.internet,
            Ns::Sensor => &self.sensor,
            Ns::Collector => &self.collector,
        }
    }

    /// `ip netns exec <ns> <program>`: iproute2 execs the program in
    /// place, so the child's pid is the program's.
    pub fn command(&self, ns: Ns, program: &Path) -> Command {
        let mut command = Command::new(&self.ip);
        command.args(["netns", "exec", self.name(ns)]).arg(program);
        command
    }

    /// What makes `ip netns exec <ns> <program>` commands, for a process
    /// started more than once (the collector).
    pub fn launcher(&self, ns: Ns, program: &Path) -> Box<dyn Fn() -> Command> {
        let (ip, name, program) = (
            self.ip.clone(),
            self.name(ns).to_string(),
            program.to_path_buf(),
        );
        Box::new(move || {
            let mut command = Command::new(&ip);
            command.args(["netns", "exec", &name]).arg(&program);
            command
        })
    }

    /// One of an interface's counters, as its own namespace sees it.
    pub fn counter(&self, ns: Ns, interface: &str, counter: &str) -> u64 {
        let path = format!("/sys/class/net/{interface}/statistics/{counter}");
        let output = self
            .command(ns, Path::new("cat"))
            .arg(&path)
            .output()
            .unwrap_or_else(|e| panic!("read {path}: {e}"));
        let text = String::from_utf8_lossy(&output.stdout);
        text.trim().parse().unwrap_or_else(|_| {
            panic!(
                "{path} in {}: {text:?} {}",
                self.name(ns),
                String::from_utf8_lossy(&output.stderr)
            )
        })
    }

    /// Takes the sensor's uplink down or up.
    pub fn set_uplink(&self, up: bool) {
        let state = if up { "up" } else { "down" };
        self.ip(&["-n", &self.sensor, "link", "set", Self::UPLINK, state])
            .unwrap_or_else(|e| panic!("{e}"));
    }

    fn sysctl(&self, ns: Ns, settings: &[&str]) -> Result<(), String> {
        let output = self
            .command(ns, &self.sysctl)
            .arg("-qw")
            .args(settings)
            .output()
            .map_err(|e| format!("sysctl: {e}"))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(format!(
                "sysctl -w {} in {} failed with {}: {}",
                settings.join(" "),
                self.name(ns),
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            ))
        }
    }

    fn ip(&self, args: &[&str]) -> Result<(), String> {
        hirundo_testbed::ip(&self.ip, args).map(drop)
    }
}

impl Drop for Network {
    fn drop(&mut self) {
        // Deleting a namespace deletes its veth ends, and with them the
        // peers. The processes inside are gone already: their guards are
        // declared after the network, so they drop first.
        hirundo_testbed::delete_namespaces(
            &self.ip,
            [&self.internet, &self.sensor, &self.collector].map(String::as_str),
        );
    }
}

/// Removes namespaces of this test left behind by a run that was killed
/// (SIGKILL skips Drop): ours by prefix, and only if their process is gone.
fn remove_stale_namespaces(ip: &Path) {
    hirundo_testbed::remove_stale_namespaces(ip, |name| {
        name.strip_prefix(PREFIX)?.split('-').next()?.parse().ok()
    });
}
