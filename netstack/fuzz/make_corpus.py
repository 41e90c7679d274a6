#!/usr/bin/env python3
"""Writes the netstack fuzzers' seed corpora: valid and near-valid inputs.

Run from the repository root: python3 netstack/fuzz/make_corpus.py
The files are committed; rerun only to change the seeds.
"""
import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ipv4(src, dst, proto, payload, options=b"", flags_off=0, ttl=64, ident=0,
         tos=0):
    ihl = 5 + len(options) // 4
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, tos, ihl * 4 + len(payload),
                      ident, flags_off, ttl, proto, 0, bytes(src), bytes(dst))
    hdr += options
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def udp(src, dst, sport, dport, payload, checksum=True):
    length = 8 + len(payload)
    d = struct.pack("!HHHH", sport, dport, length, 0) + payload
    if checksum:
        pseudo = bytes(src) + bytes(dst) + struct.pack("!BBH", 0, 17, length)
        c = csum(pseudo + d) or 0xFFFF
        d = d[:6] + struct.pack("!H", c) + d[8:]
    return d


def eth(payload, ethertype=0x0800):
    return (b"\x02\x00\x00\x00\x00\x0b" + b"\x02\x00\x00\x00\x00\x0a" +
            struct.pack("!H", ethertype) + payload)


A, B = [192, 0, 2, 1], [192, 0, 2, 2]
MAC_A, MAC_B = b"\x02\x00\x00\x00\x00\x0a", b"\x02\x00\x00\x00\x00\x0b"


def arp(op, sha, spa, tha, tpa, htype=1, ptype=0x0800, hlen=6, plen=4):
    return (struct.pack("!HHBBH", htype, ptype, hlen, plen, op) + sha +
            bytes(spa) + tha + bytes(tpa))


def icmp(icmp_type, code, rest, data, fix=True):
    m = struct.pack("!BBH", icmp_type, code, 0) + rest + data
    if fix:
        m = m[:2] + struct.pack("!H", csum(m)) + m[4:]
    return m


def arps():
    z = b"\0" * 6
    p = {}
    p["request"] = arp(1, MAC_A, A, z, B)
    p["reply"] = arp(2, MAC_B, B, MAC_A, A)
    p["padded"] = p["request"] + b"\0" * 18
    p["gratuitous"] = arp(1, MAC_A, A, z, A)
    p["rarp_operation"] = arp(3, MAC_A, A, z, B)
    p["ipv6_protocol"] = arp(1, MAC_A, A, z, B, ptype=0x86DD)
    p["ieee802"] = arp(1, MAC_A, A, z, B, htype=6)
    p["short"] = p["request"][:27]
    p["fixed_only"] = p["request"][:8]
    return p


def icmps():
    p = {}
    p["echo_request"] = icmp(8, 0, b"\x12\x34\x00\x01", b"abcd")
    p["echo_reply"] = icmp(0, 0, b"\x12\x34\x00\x01", b"abcd")
    p["echo_odd"] = icmp(8, 0, b"\x00\x07\x00\x09", b"abc")
    p["echo_empty"] = icmp(8, 0, b"\x00\x00\x00\x00", b"")
    p["echo_ping56"] = icmp(8, 0, b"\x4d\x2a\x00\x01", bytes(range(56)))
    p["echo_code1"] = icmp(8, 1, b"\x12\x34\x00\x01", b"abcd")
    p["unreachable"] = icmp(3, 3, b"\0" * 4, b"\x45" + b"\0" * 27)
    p["bad_checksum"] = icmp(8, 0, b"\x12\x34\x00\x01", b"abcd", fix=False)
    p["short"] = p["echo_request"][:7]
    return p


def packets():
    p = {}
    p["udp_query"] = ipv4(A, B, 17, udp(A, B, 40000, 53, b"query"))
    p["udp_mdns"] = ipv4(A, B, 17, udp(A, B, 5353, 5353, b"\x00" * 12))
    p["udp_no_checksum"] = ipv4(A, B, 17, udp(A, B, 1, 65535, b"x", False))
    p["udp_empty"] = ipv4(A, B, 17, udp(A, B, 40000, 40000, b""))
    p["udp_odd_payload"] = ipv4(A, B, 17, udp(A, B, 7, 53, b"abc"))
    p["udp_big"] = ipv4(A, B, 17, udp(A, B, 9, 5353, bytes(range(256)) * 5))
    p["options_nop"] = ipv4(A, B, 17, udp(A, B, 40000, 53, b"opt"),
                            options=b"\x01\x01\x01\x00")
    p["options_max"] = ipv4(A, B, 17, udp(A, B, 40000, 53, b"opt"),
                            options=b"\x01" * 39 + b"\x00")
    p["fragment_first"] = ipv4(A, B, 17, udp(A, B, 40000, 53, b"frag"),
                               flags_off=0x2000, ident=7)
    p["fragment_later"] = ipv4(A, B, 17, b"rest of it", flags_off=0x00B9,
                               ident=7)
    p["dont_fragment"] = ipv4(A, B, 17, udp(A, B, 40000, 53, b"df"),
                              flags_off=0x4000, tos=0x10, ttl=1)
    p["icmp"] = ipv4(A, B, 1, b"\x08\x00\xf7\xff\x00\x00\x00\x00")
    p["tcp_syn"] = ipv4(A, B, 6, b"\x9c\x40\x00\x35" + b"\0" * 16)
    good = p["udp_query"]
    p["bad_ip_checksum"] = good[:10] + bytes([good[10] ^ 1]) + good[11:]
    p["bad_udp_checksum"] = good[:27] + bytes([good[27] ^ 1]) + good[28:]
    p["bad_udp_length"] = good[:25] + b"\x06" + good[26:]
    p["twisted_swapped_nibbles"] = (
        b"\x54\x07\x00\x1a\xde\xad\xbe\xef\xc0\x0fFE"
        b"\x05\x06\x07\x08\x01\x02\x03\x04foobar")
    p["padded"] = good + b"\0" * 20
    p["version6"] = b"\x60" + good[1:]
    return p


def write(kind, name, data):
    d = os.path.join(ROOT, kind)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def hosts():
    """host_fuzzer scripts: records of an operation byte and its arguments."""
    host_mac = b"\x02\x00\x00\x00\x00\x02"
    z = b"\0" * 6

    def frame(payload, ethertype=0x0800, dst=host_mac):
        return dst + MAC_A + struct.pack("!H", ethertype) + payload

    def rx_tap(f):
        return bytes([0, len(f)]) + f

    def rx_tun(p):
        return bytes([1, len(p)]) + p

    def write(ip, port, payload):
        return bytes([2]) + bytes(ip) + struct.pack("!H", port) + \
            bytes([len(payload)]) + payload

    def advance(tens_of_ms):
        return bytes([3, tens_of_ms])

    udp_in = ipv4(A, B, 17, udp(A, B, 40000, 7, b"hello"))
    ping = ipv4(A, B, 1, icmp(8, 0, b"\x12\x34\x00\x01", b"abcd"))
    arp_request = arp(1, MAC_A, A, z, B)
    arp_reply = arp(2, MAC_A, A, host_mac, B)
    p = {}
    p["arp_request"] = rx_tap(frame(arp_request, 0x0806,
                                    b"\xff" * 6))
    p["udp_echo"] = rx_tap(frame(udp_in)) + rx_tun(udp_in)
    p["ping"] = rx_tap(frame(ping)) + rx_tun(ping)
    p["resolve"] = (write(A, 9, b"queued") + write(A, 9, b"too") +
                    rx_tap(frame(arp_reply, 0x0806)))
    p["timeout"] = write([192, 0, 2, 77], 9, b"lost") + advance(101)
    p["queue_full"] = b"".join(write(A, 9, b"%d" % i) for i in range(6))
    p["neighbor"] = (bytes([4]) + bytes([192, 0, 2, 9]) + MAC_B +
                     write([192, 0, 2, 9], 53, b"direct"))
    p["refusing_link"] = bytes([5, 1]) + p["ping"] + p["resolve"]
    p["broadcast"] = write([255, 255, 255, 255], 67, b"all") + \
        write([224, 0, 0, 251], 5353, b"group")
    p["other_mac"] = rx_tap(frame(udp_in, dst=MAC_B))
    return p


def checksums():
    """checksum_fuzzer inputs: an alignment/split byte, then the buffer."""
    seed = 1071
    noise = bytearray()
    for _ in range(2000):
        seed = (seed * 1103515245 + 12345) % 2**31
        noise.append(seed >> 16 & 0xFF)
    c = {}
    for align in (0, 1, 4, 31, 63):
        for length in (0, 1, 31, 32, 33, 255, 256, 257, 1500):
            c["a%02d_n%04d" % (align, length)] = bytes([align]) + bytes(
                noise[:length])
    c["ones_1500"] = b"\x00" + b"\xff" * 1500
    c["ones_odd"] = b"\x05" + b"\xff" * 1499
    c["zeros_64"] = b"\x00" * 65
    c["noise_2000"] = b"\x2a" + bytes(noise)
    return c


def main():
    for name, data in checksums().items():
        write("checksum", name, data)
    p = packets()
    for name, packet in p.items():
        write("ipv4", name, packet)
        write("dispatch", name, eth(packet))
        write("ethernet", name, eth(packet))
        ihl = (packet[0] & 0x0F) * 4
        if packet[0] >> 4 == 4 and packet[9] == 17 and len(packet) >= ihl + 8:
            # udp_fuzzer input: 8 address bytes, then the datagram.
            write("udp", name, packet[12:20] + packet[ihl:])
    write("dispatch", "arp", eth(b"\x00\x01\x08\x00\x06\x04\x00\x01" +
                                 b"\0" * 20, 0x0806))
    write("dispatch", "runt", eth(b"")[:13])
    for name, message in arps().items():
        write("arp", name, message)
    for name, message in icmps().items():
        write("icmp", name, message)
    for name, script in hosts().items():
        write("host", name, script)
    write("ethernet", "header_only", eth(b""))
    write("ethernet", "ipv6_type", eth(b"\x60" + b"\0" * 39, 0x86DD))
    for i, text in enumerate([b"192.0.2.1", b"0.0.0.0", b"255.255.255.255",
                              b"10.20.100.9", b"192.0.2.256", b"192.0.02.1",
                              b"192.0.2", b"1.2.3.4.5", b"02:00:5e:10:00:ff",
                              b"02-00-5E-10-00-FF", b"ff:ff:ff:ff:ff:fg"]):
        write("address", "seed%02d" % i, text)


if __name__ == "__main__":
    main()
