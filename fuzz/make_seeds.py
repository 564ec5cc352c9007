#!/usr/bin/env python3
"""Rebuilds fuzz/seeds/ from a handful of the smallest captures in
../shared/pcaps (run from the repository root's fuzz/ folder). The seeds are
committed; this script only says how they were made."""
import gzip
import os
import struct
import subprocess

PCAPS = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "pcaps", "zeek")
SEEDS = os.path.join(os.path.dirname(__file__), "seeds")
# Must match LINKS in fuzz_targets/decode.rs.
LINKS = [0, 1, 12, 14, 101, 108, 113, 228, 229, 276, 105, 127, 239, 147]

# Small captures, one or two per link layer or oddity the decoder handles.
DECODE_FROM = [
    "ntp/ntp-no-extensions-mac.pcap",  # NULL
    "tcp/syn.pcap",  # Ethernet, TCP options
    "mpls-in-vlan.pcap",  # MPLS behind 802.1Q
    "pppoe.pcap",  # PPPoE session
    "trunc/mpls-6in6-6in6-4in6-trunc.pcap",
    "http-vlan-0.pcap",  # 802.1Q
    "http-qinq-0.pcap",  # Q-in-Q
    "ipv6-hbh-routing0.pcap",  # IPv6 extension headers
    "ipv6-fragmented-dns.pcap",  # IPv6 fragments
    "trunc/ip4-trunc.pcap",
    "trunc/ip6-ext-trunc.pcap",
    "ip-bogus-header-len.pcap",
    "icmp/icmp-timeexceeded.pcap",
    "tcp/payload-syn.pcap",  # raw 101
    "linuxsll-arp.pcap",  # SLL
    "linux_dlt_sll2.pcap",  # SLL2
    "dns/dns_extended_rcode.pcap",  # 228
    "icmp/icmp6-mld-query.pcap",  # 229
    "arp-who-has-radiotap.pcap",  # unsupported
    "nflog-bad-tlv-len.pcap",  # unsupported
]
PCAP_FROM = [
    "tcp/syn.pcap",
    "ntp/ntp-no-extensions-mac.pcap",
    "trunc/trunc-hdr.pcap",
    "icmp/icmp6-mld-query.pcap",
    "linux_dlt_sll2.pcap",
]
PCAPNG_FROM = [
    "trunc/ip-discarder-truncated-tcp-oob.pcapng",
    "tunnels/geneve-truncated.pcapng",
    "tcp/retransmit-timeout.pcapng",
    "snap-arp.pcapng",
    "vlan-pcp-dei.pcapng",
]
PCAP_MAGICS = [b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d"]


def pcap_frames(data):
    magic = data[:4]
    order = "<" if magic in (PCAP_MAGICS[0], PCAP_MAGICS[2]) else ">"
    link = struct.unpack(order + "I", data[20:24])[0] & 0xFFFF
    at = 24
    while at + 16 <= len(data):
        caplen = struct.unpack(order + "I", data[at + 8 : at + 12])[0]
        yield link, data[at + 16 : at + 16 + caplen]
        at += 16 + caplen


def write(target, name, data):
    os.makedirs(os.path.join(SEEDS, target), exist_ok=True)
    with open(os.path.join(SEEDS, target, name), "wb") as f:
        f.write(data)


def main():
    for path in DECODE_FROM:
        data = open(os.path.join(PCAPS, path), "rb").read()
        base = os.path.basename(path).rsplit(".", 1)[0]
        for i, (link, frame) in enumerate(pcap_frames(data)):
            if i >= 2:
                break
            write("decode", f"{base}-{i}", struct.pack(">H", LINKS.index(link)) + frame)
    for path in PCAP_FROM:
        data = open(os.path.join(PCAPS, path), "rb").read()
        base = os.path.basename(path).rsplit(".", 1)[0]
        # The target puts the magic back: its first byte picks which one.
        write("pcap", base, bytes([PCAP_MAGICS.index(data[:4])]) + data[4:])
    for path in PCAPNG_FROM:
        data = open(os.path.join(PCAPS, path), "rb").read()
        base = os.path.basename(path).rsplit(".", 1)[0]
        write("pcapng", base, data[4:])
    # compressed: mode byte, then a whole capture the target compresses
    # (modes 0 gzip, 1 zstd); and two streams compressed here for the raw
    # modes (2 gzip, 3 zstd), the target re-adding the magic.
    syn = open(os.path.join(PCAPS, "tcp/syn.pcap"), "rb").read()
    ng = open(os.path.join(PCAPS, "snap-arp.pcapng"), "rb").read()
    write("compressed", "gzip-syn-pcap", b"\x00" + syn)
    write("compressed", "zstd-snap-arp-pcapng", b"\x01" + ng)
    write("compressed", "raw-gzip-syn-pcap", b"\x02" + gzip.compress(syn, mtime=0)[2:])
    zst = subprocess.run(["zstd", "-q", "-c"], input=syn, capture_output=True, check=True)
    write("compressed", "raw-zstd-syn-pcap", b"\x03" + zst.stdout[4:])


if __name__ == "__main__":
    main()
