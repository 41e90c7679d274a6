#include "standin/transport/address.h"

#include "absl/strings/str_cat.h"

namespace standin {

std::string ToString(IPv4Address::Kind kind) {
  return kind == IPv4Address::Kind::kTcp ? "TCP" : "UDP";
}

std::string ToString(TunnelType type) {
  switch (type) {
    case TunnelType::kTun:
      return "IFF_TUN";
    case TunnelType::kTap:
      return "IFF_TAP";
  }
  return absl::StrCat("TunnelType(", static_cast<int>(type), ")");
}

std::string IPv4Address::ToString() const {
  return absl::StrCat("IPv4Address(", standin::ToString(kind), ", '", host,
                      "', ", port, ")");
}

std::string IPv6Address::ToString() const {
  return absl::StrCat("IPv6Address(", standin::ToString(kind), ", '", host,
                      "', ", port, ", ", flow_info, ", ", scope_id, ")");
}

std::string UnixAddress::ToString() const {
  return absl::StrCat("UnixAddress('", path, "')");
}

std::string ProcessAddress::ToString() const { return "ProcessAddress()"; }

std::string TunnelAddress::ToString() const {
  return absl::StrCat("<TunnelAddress type=", standin::ToString(type),
                      " name=", name, ">");
}

std::string ToString(const Address& address) {
  return std::visit([](const auto& a) { return a.ToString(); }, address);
}

std::ostream& operator<<(std::ostream& os, const IPv4Address& a) {
  return os << a.ToString();
}
std::ostream& operator<<(std::ostream& os, const IPv6Address& a) {
  return os << a.ToString();
}
std::ostream& operator<<(std::ostream& os, const UnixAddress& a) {
  return os << a.ToString();
}
std::ostream& operator<<(std::ostream& os, const ProcessAddress& a) {
  return os << a.ToString();
}
std::ostream& operator<<(std::ostream& os, const TunnelAddress& a) {
  return os << a.ToString();
}
std::ostream& operator<<(std::ostream& os, TunnelType type) {
  return os << ToString(type);
}

}  // namespace standin
