// The interfaces every standin transport and protocol speaks (Twisted's
// IProducer/IConsumer/ITransport/IProtocol, in C++).
//
// A Protocol is written once and driven by any Transport: StringTransport in
// a unit test, StreamConnection over a real socket, a Process's pipes or a
// TuntapPort. Interfaces a class can reach twice are inherited virtually.
//
// Example:
//
//   class Echo : public standin::Protocol {
//    public:
//     void DataReceived(std::string_view data) override {
//       transport()->Write(data);
//     }
//   };
//
//   standin::StringTransport transport;
//   Echo echo;
//   echo.MakeConnection(&transport);
//   echo.DataReceived("hello");
//   EXPECT_EQ(transport.Value(), "hello");
#ifndef STANDIN_TRANSPORT_INTERFACES_H_
#define STANDIN_TRANSPORT_INTERFACES_H_

#include <cstddef>
#include <string_view>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "standin/transport/address.h"

namespace standin {

// Something that produces data for a Consumer.
class Producer {
 public:
  virtual ~Producer() = default;
  // Produce (more) data; for a pull producer, one chunk per call.
  virtual void ResumeProducing() = 0;
  // Stop for good; no more data will be written.
  virtual void StopProducing() = 0;
  // Pause until ResumeProducing(). Only ever called on a producer registered
  // as streaming (push).
  virtual void PauseProducing() = 0;
};

// Something that data is written to, and that can regulate a Producer.
class Consumer {
 public:
  virtual ~Consumer() = default;
  // Registers `producer`. A streaming (push) producer writes on its own and
  // is paused/resumed by the consumer; a pull producer writes one chunk each
  // time ResumeProducing() is called. FailedPrecondition "Cannot register two
  // producers" if one is registered already.
  virtual absl::Status RegisterProducer(Producer* producer, bool streaming) = 0;
  // Forgets the registered producer.
  virtual void UnregisterProducer() = 0;
  virtual void Write(std::string_view data) = 0;
};

// A connection that bytes are written to. Writes are buffered by the
// transport and never block the caller.
class Transport : public virtual Consumer {
 public:
  // Writes the chunks in order; equivalent to one Write() per chunk, but a
  // transport may hand them to the OS in one vectored call.
  virtual void WriteSequence(absl::Span<const std::string_view> chunks) = 0;
  // Closes the connection once buffered data is written.
  virtual void LoseConnection() = 0;
  virtual Address GetPeer() const = 0;
  virtual Address GetHost() const = 0;
};

// The receiving side of a byte-stream connection. Subclass and override the
// callbacks you need; the defaults do nothing.
class Protocol {
 public:
  virtual ~Protocol() = default;

  // Stores `transport` and calls ConnectionMade(). The transport must
  // outlive the connection (until ConnectionLost()).
  virtual void MakeConnection(Transport* transport) {
    transport_ = transport;
    ConnectionMade();
  }
  virtual void ConnectionMade() {}
  virtual void DataReceived(std::string_view /*data*/) {}
  // Called exactly once when the connection ends; `reason` is a non-OK
  // status (IsConnectionDone/IsConnectionLost/IsConnectionAborted).
  virtual void ConnectionLost(const absl::Status& /*reason*/) {}

  Transport* transport() const { return transport_; }

 protected:
  Transport* transport_ = nullptr;
};

// A Transport that can close its sending direction alone (Twisted's
// ITCPTransport.loseWriteConnection): once the bytes written so far are
// flushed, the peer reads EOF while reading here goes on. A half-closeable
// protocol then hears WriteConnectionLost(). Later writes are dropped.
//
//   transport->Write("last request\r\n");
//   dynamic_cast<HalfCloseableTransport&>(*transport).LoseWriteConnection();
//   // ... DataReceived() keeps delivering the peer's answer ...
class HalfCloseableTransport : public virtual Transport {
 public:
  virtual void LoseWriteConnection() = 0;
};

// A Protocol that wants to know about each direction of the connection
// ending separately (Twisted's IHalfCloseableProtocol). A plain Protocol
// hears ConnectionLost(ConnectionDone()) when the peer sends EOF; a
// HalfCloseableProtocol hears ReadConnectionLost() instead and may go on
// writing. Once both directions are done the connection closes and
// ConnectionLost() follows, exactly once.
//
//   class Upload : public standin::HalfCloseableProtocol {
//     void DataReceived(std::string_view d) override { hash_.Update(d); }
//     void ReadConnectionLost() override {     // the peer is done sending
//       transport()->Write(hash_.Hex());        // we may still answer
//       transport()->LoseConnection();
//     }
//   };
class HalfCloseableProtocol : public Protocol {
 public:
  // The peer finished writing (EOF); this side may go on writing.
  virtual void ReadConnectionLost() {}
  // Our LoseWriteConnection() has flushed and shut the sending direction.
  virtual void WriteConnectionLost() {}
};

// Where a DatagramProtocol sends (Twisted's IUDPTransport): a kernel UDP
// socket (UdpPort), the double (FakeDatagramTransport) or a port bound in
// standin's userspace stack (netstack::Host over TUN/TAP). One datagram per
// Write(), sent now or never: it never blocks and never queues.
//
//   class Echo : public standin::DatagramProtocol {
//     void DatagramReceived(std::string_view data,
//                           const standin::Address& from) override {
//       absl::Status sent = transport()->Write(data, from);  // reply
//       if (!sent.ok()) ++dropped_;     // e.g. EAGAIN: UDP may drop
//     }
//   };
class DatagramTransport {
 public:
  virtual ~DatagramTransport() = default;
  // Sends `datagram` to `to` (an IPv4Address or IPv6Address). The errno
  // rides on a failure: EMSGSIZE above max_datagram_size(), EAGAIN/ENOBUFS
  // when there is no room now, ECONNREFUSED after a refusal on a connected
  // transport; the datagram is then not sent (UDP semantics).
  ABSL_MUST_USE_RESULT virtual absl::Status Write(std::string_view datagram,
                                                  const Address& to) = 0;
  // The local endpoint (with the port the system chose when 0 was asked).
  virtual Address GetHost() const = 0;
  // Stops receiving and releases the endpoint; the protocol hears
  // StopProtocol() once. Idempotent.
  virtual void StopListening() = 0;
  // The largest payload Write() accepts.
  virtual size_t max_datagram_size() const = 0;
};

// Receives whole datagrams and answers through its transport (Twisted's
// DatagramProtocol). Override what you need; DatagramReceived() is required.
class DatagramProtocol {
 public:
  virtual ~DatagramProtocol() = default;

  // Stores `transport`, then StartProtocol(). The transport calls it when
  // the protocol is attached; it must outlive the protocol's use of it.
  virtual void MakeConnection(DatagramTransport* transport) {
    transport_ = transport;
    StartProtocol();
  }
  // The transport is ready: Write() works from here on.
  virtual void StartProtocol() {}
  // The transport stopped listening; no more deliveries. Called once.
  virtual void StopProtocol() {}
  // One datagram from `from` (an IPv4Address/IPv6Address of kind kUdp):
  // reply with transport()->Write(reply, from).
  virtual void DatagramReceived(std::string_view data, const Address& from) = 0;
  // A connected transport learned the peer refused (ICMP port unreachable:
  // ECONNREFUSED), as Twisted's connected UDP reports it.
  virtual void ConnectionRefused() {}

  DatagramTransport* transport() const { return transport_; }

 protected:
  DatagramTransport* transport_ = nullptr;
};

}  // namespace standin

#endif  // STANDIN_TRANSPORT_INTERFACES_H_
