#include "standin/netstack/builders.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "standin/netstack/wire_field.h"

namespace standin::netstack {
namespace {

void DieIfTooLong(size_t total, const char* what) {
  if (total > 0xffff) {
    std::fprintf(stderr, "%s: %zu bytes do not fit a 16-bit length field\n",
                 what, total);
    std::abort();
  }
}

}  // namespace

std::string BuildEthernet(MacAddress source, MacAddress destination,
                          uint16_t ethertype, std::string_view payload) {
  std::string out(EthernetHeader::kSize + payload.size(), '\0');
  EthernetHeader{
      .destination = destination, .source = source, .ethertype = ethertype}
      .Emit(out.data());
  std::memcpy(out.data() + EthernetHeader::kSize, payload.data(),
              payload.size());
  return out;
}

std::string BuildIpv4(Ipv4Header header, std::string_view payload) {
  DieIfTooLong(header.header_size() + payload.size(), "BuildIpv4");
  header.payload_length = static_cast<uint16_t>(payload.size());
  std::string out(header.header_size() + payload.size(), '\0');
  header.Emit(out.data());
  std::memcpy(out.data() + header.header_size(), payload.data(),
              payload.size());
  return out;
}

std::string BuildIpv4(IPv4Host source, IPv4Host destination, uint8_t protocol,
                      std::string_view payload) {
  return BuildIpv4(
      Ipv4Header{
          .source = source, .destination = destination, .protocol = protocol},
      payload);
}

std::string BuildUdp(uint16_t source_port, uint16_t destination_port,
                     std::string_view payload) {
  DieIfTooLong(UdpHeader::kSize + payload.size(), "BuildUdp");
  std::string out(UdpHeader::kSize + payload.size(), '\0');
  std::memcpy(out.data() + UdpHeader::kSize, payload.data(), payload.size());
  UdpHeader{.source_port = source_port, .destination_port = destination_port}
      .EmitWithoutChecksum(out.data(), out.size());
  return out;
}

std::string BuildUdpIpv4(IPv4Host source, uint16_t source_port,
                         IPv4Host destination, uint16_t destination_port,
                         std::string_view payload, UdpChecksumMode mode) {
  constexpr size_t kHeaders = Ipv4Packet::kMinHeaderSize + UdpHeader::kSize;
  DieIfTooLong(kHeaders + payload.size(), "BuildUdpIpv4");
  std::string out(kHeaders + payload.size(), '\0');
  char* udp = out.data() + Ipv4Packet::kMinHeaderSize;
  std::memcpy(udp + UdpHeader::kSize, payload.data(), payload.size());
  UdpHeader header{.source_port = source_port,
                   .destination_port = destination_port};
  size_t udp_size = UdpHeader::kSize + payload.size();
  if (mode == UdpChecksumMode::kCompute) {
    header.EmitWithChecksum(source, destination, udp, udp_size);
  } else {
    header.EmitWithoutChecksum(udp, udp_size);
  }
  Ipv4Header{.source = source,
             .destination = destination,
             .protocol = kIpProtocolUdp,
             .payload_length = static_cast<uint16_t>(udp_size)}
      .Emit(out.data());
  return out;
}

size_t WriteUdpIpv4Frame(const UdpFrameSpec& spec, std::string_view payload,
                         char* out) {
  size_t size = UdpFrameSize(payload.size());
  DieIfTooLong(size - EthernetHeader::kSize, "WriteUdpIpv4Frame");
  EthernetHeader{.destination = spec.destination_mac,
                 .source = spec.source_mac,
                 .ethertype = kEtherTypeIpv4}
      .Emit(out);
  char* ip = out + EthernetHeader::kSize;
  char* udp = ip + Ipv4Packet::kMinHeaderSize;
  uint16_t udp_size = static_cast<uint16_t>(UdpHeader::kSize + payload.size());
  // The checksum reads the caller's payload, not the copy: reading bytes
  // right after a wide memcpy stored them stalls store forwarding.
  UdpHeader{.source_port = spec.source_port,
            .destination_port = spec.destination_port,
            .length = udp_size,
            .checksum = spec.checksum == UdpChecksumMode::kCompute
                            ? UdpChecksum(spec.source_ip, spec.destination_ip,
                                          spec.source_port,
                                          spec.destination_port, payload)
                            : uint16_t{0}}
      .Emit(udp);
  std::memcpy(udp + UdpHeader::kSize, payload.data(), payload.size());
  Ipv4Header{.source = spec.source_ip,
             .destination = spec.destination_ip,
             .protocol = kIpProtocolUdp,
             .ttl = spec.ttl,
             .payload_length = udp_size}
      .Emit(ip);
  return size;
}

std::ostream& operator<<(std::ostream& os, UdpChecksumMode mode) {
  return os << (mode == UdpChecksumMode::kNone ? "none" : "compute");
}

std::ostream& operator<<(std::ostream& os, const UdpFrameSpec& spec) {
  return os << "UdpFrameSpec{" << spec.source_mac << " " << spec.source_ip
            << ":" << spec.source_port << " > " << spec.destination_mac << " "
            << spec.destination_ip << ":" << spec.destination_port << ", ttl "
            << int{spec.ttl} << ", checksum " << spec.checksum << "}";
}

}  // namespace standin::netstack
