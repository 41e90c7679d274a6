// DatagramRecorder: a DatagramProtocol that records everything it is told
// (the datagram side of AccumulatingProtocol), for tests of datagram
// transports rather than of protocols. Hooks let a test act inside a
// callback (reply, pause, stop listening) the way a real protocol would.
//
// Example:
//
//   standin::testutil::DatagramRecorder recorder;
//   recorder.on_datagram = [&](std::string_view data,
//                              const standin::Address& from) {
//     (void)recorder.transport()->Write(data, from);  // echo
//   };
//   standin::FakeDatagramTransport transport(&recorder);
//   transport.Deliver("ping", standin::IPv4Address::Udp("192.0.2.7", 9));
//   EXPECT_EQ(recorder.starts, 1);
//   ASSERT_EQ(recorder.received.size(), 1u);
//   EXPECT_EQ(recorder.received[0].data, "ping");
#ifndef STANDIN_TESTUTIL_DATAGRAM_RECORDER_H_
#define STANDIN_TESTUTIL_DATAGRAM_RECORDER_H_

#include <functional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "standin/transport/address.h"
#include "standin/transport/interfaces.h"

namespace standin::testutil {

class DatagramRecorder : public DatagramProtocol {
 public:
  // One datagram as it arrived.
  struct Datagram {
    std::string data;
    Address from;

    friend bool operator==(const Datagram&, const Datagram&) = default;
    friend std::ostream& operator<<(std::ostream& os, const Datagram& d) {
      return os << "{" << d.data.size() << " bytes from " << ToString(d.from)
                << "}";
    }
  };

  void StartProtocol() override {
    ++starts;
    if (on_start) on_start();
  }
  void StopProtocol() override {
    ++stops;
    if (on_stop) on_stop();
  }
  void DatagramReceived(std::string_view data, const Address& from) override {
    received.push_back(Datagram{std::string(data), from});
    if (on_datagram) on_datagram(data, from);
  }
  void ConnectionRefused() override {
    ++refusals;
    if (on_refused) on_refused();
  }

  // The payloads received so far, in order.
  std::vector<std::string> payloads() const {
    std::vector<std::string> out;
    out.reserve(received.size());
    for (const Datagram& d : received) out.push_back(d.data);
    return out;
  }

  int starts = 0;
  int stops = 0;
  int refusals = 0;
  std::vector<Datagram> received;

  // Run after the call is recorded; may be empty.
  std::function<void()> on_start;
  std::function<void()> on_stop;
  std::function<void(std::string_view data, const Address& from)> on_datagram;
  std::function<void()> on_refused;
};

}  // namespace standin::testutil

#endif  // STANDIN_TESTUTIL_DATAGRAM_RECORDER_H_
