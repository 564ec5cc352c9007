use std::ffi::CStr;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use crate::ring::{interface_name, new_ifreq};

/// What could make the host transmit on `interface`, one sentence each,
/// with the command that fixes it; empty when the interface is silent.
///
/// Checks that the interface has no IPv4 or IPv6 address, that ARP is off
/// (`IFF_NOARP`) and that IPv6 is disabled
/// (`/proc/sys/net/ipv6/conf/IF/disable_ipv6`). Everything is looked up in
/// the calling thread's network namespace: the flags with `SIOCGIFFLAGS`
/// rather than from `/sys/class/net`, which shows the namespace that
/// mounted it. A check that cannot be made is reported as a sentence too.
pub fn interface_warnings(interface: &str) -> Vec<String> {
    let name = match interface_name(interface) {
        Ok(name) => name,
        Err(e) => return vec![e.to_string()],
    };
    let mut warnings = Vec::new();
    match interface_flags(&name) {
        Ok(flags) => {
            if flags & libc::IFF_NOARP == 0 {
                warnings.push(format!(
                    "{interface} has ARP on: Linux answers ARP requests arriving on it for \
                     any of the host's addresses; turn it off with \
                     `ip link set {interface} arp off`"
                ));
            }
        }
        Err(e) if e.raw_os_error() == Some(libc::ENODEV) => {
            return vec![format!(
                "there is no interface named {interface} in this network namespace"
            )];
        }
        Err(e) => warnings.push(format!(
            "cannot read the flags of {interface} ({e}); check by hand that ARP is off"
        )),
    }
    match interface_addresses(interface) {
        Ok(addresses) => {
            for (address, prefix) in addresses {
                warnings.push(format!(
                    "{interface} has address {address}: the host may answer probes sent to \
                     it; remove it with `ip addr del {address}/{prefix} dev {interface}`"
                ));
            }
        }
        Err(e) => warnings.push(format!(
            "cannot list the addresses of {interface} ({e}); check with `ip addr show \
             {interface}` that it has none"
        )),
    }
    let ipv6 = format!("/proc/sys/net/ipv6/conf/{interface}/disable_ipv6");
    match std::fs::read_to_string(&ipv6) {
        Ok(value) if value.trim() == "0" => warnings.push(format!(
            "{interface} has IPv6 enabled: the kernel sends neighbour discovery, router \
             solicitations and MLD reports on it; disable it with \
             `sysctl -w net.ipv6.conf.{interface}.disable_ipv6=1`"
        )),
        Ok(_) => {}
        // No IPv6 in this kernel: nothing can be sent over it.
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => warnings.push(format!(
            "cannot read {ipv6} ({e}); check by hand that IPv6 is disabled on {interface}"
        )),
    }
    warnings
}

/// `SIOCGIFFLAGS` on a throwaway datagram socket; needs no privilege.
fn interface_flags(name: &CStr) -> io::Result<libc::c_int> {
    // SAFETY: socket takes no pointers.
    let raw = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if raw < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: raw is a fresh descriptor that nothing else owns.
    let fd = unsafe { OwnedFd::from_raw_fd(raw) };
    let mut ifr = new_ifreq(name);
    // SAFETY: ifr is a valid ifreq with a NUL-terminated name; the kernel
    // writes only inside it.
    if unsafe { libc::ioctl(fd.as_raw_fd(), libc::SIOCGIFFLAGS as _, &mut ifr) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: SIOCGIFFLAGS filled the flags member of the union. The
    // kernel's flags are an unsigned short; widen without sign extension.
    Ok(libc::c_int::from(unsafe { ifr.ifr_ifru.ifru_flags } as u16))
}

/// The IPv4 and IPv6 addresses of `interface`, with prefix lengths.
fn interface_addresses(interface: &str) -> io::Result<Vec<(String, u32)>> {
    let mut list: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs writes a list head into `list`, freed below.
    if unsafe { libc::getifaddrs(&mut list) } != 0 {
        return Err(io::Error::last_os_error());
    }
    let mut found = Vec::new();
    let mut entry = list;
    while !entry.is_null() {
        // SAFETY: entry is a node of the list getifaddrs made, not freed yet.
        let ifa = unsafe { &*entry };
        entry = ifa.ifa_next;
        if ifa.ifa_name.is_null() || ifa.ifa_addr.is_null() {
            continue;
        }
        // SAFETY: ifa_name is a NUL-terminated string inside the list.
        if unsafe { CStr::from_ptr(ifa.ifa_name) }.to_bytes() != interface.as_bytes() {
            continue;
        }
        // SAFETY: ifa_addr points at a sockaddr whose family says which
        // larger struct it is; we read the larger struct only for the
        // family that has it. The same holds for the netmask.
        let (address, prefix) = unsafe {
            match i32::from((*ifa.ifa_addr).sa_family) {
                libc::AF_INET => {
                    let sin = &*ifa.ifa_addr.cast::<libc::sockaddr_in>();
                    let address = Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr));
                    let prefix = if ifa.ifa_netmask.is_null() {
                        32
                    } else {
                        let mask = &*ifa.ifa_netmask.cast::<libc::sockaddr_in>();
                        mask.sin_addr.s_addr.count_ones()
                    };
                    (address.to_string(), prefix)
                }
                libc::AF_INET6 => {
                    let sin6 = &*ifa.ifa_addr.cast::<libc::sockaddr_in6>();
                    let address = Ipv6Addr::from(sin6.sin6_addr.s6_addr);
                    let prefix = if ifa.ifa_netmask.is_null() {
                        128
                    } else {
                        let mask = &*ifa.ifa_netmask.cast::<libc::sockaddr_in6>();
                        mask.sin6_addr.s6_addr.iter().map(|b| b.count_ones()).sum()
                    };
                    (address.to_string(), prefix)
                }
                _ => continue,
            }
        };
        found.push((address, prefix));
    }
    // SAFETY: list came from getifaddrs and is freed once; no reference
    // into it survives (the addresses were copied into Strings).
    unsafe { libc::freeifaddrs(list) };
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_name_is_one_sentence() {
        let w = interface_warnings("a/b");
        assert_eq!(w.len(), 1);
        assert!(w[0].contains("not a valid interface name"), "{w:?}");
    }

    #[test]
    fn missing_interface_is_one_sentence() {
        assert_eq!(
            interface_warnings("hafnone0"),
            vec!["there is no interface named hafnone0 in this network namespace".to_owned()]
        );
    }

    #[test]
    fn loopback_flags_and_address_are_reported() {
        // The test runs in the namespace that mounted /sys, so sysfs agrees
        // with the ioctl here on the configured flags (the ioctl adds
        // computed ones such as IFF_RUNNING).
        let sysfs = std::fs::read_to_string("/sys/class/net/lo/flags").expect("lo's flags");
        let sysfs = libc::c_int::from_str_radix(sysfs.trim().trim_start_matches("0x"), 16)
            .expect("hexadecimal flags");
        let flags = interface_flags(c"lo").expect("lo exists in every namespace");
        let configured = libc::IFF_UP | libc::IFF_NOARP | libc::IFF_LOOPBACK;
        assert_eq!(flags & configured, sysfs & configured);
        let w = interface_warnings("lo");
        let arp_warned = w.iter().any(|w| w.starts_with("lo has ARP on"));
        assert_eq!(arp_warned, flags & libc::IFF_NOARP == 0, "{w:?}");
        if flags & libc::IFF_UP != 0 {
            let want = "lo has address 127.0.0.1: the host may answer probes sent to it; \
                        remove it with `ip addr del 127.0.0.1/8 dev lo`";
            assert!(w.iter().any(|w| w == want), "{w:?}");
        }
    }
}
