// KvServer: a tiny line-based key-value protocol, the example users copy.
//
// Each request is one "\r\n"-terminated line:
//
//   SET <key> <value>   -> +OK
//   GET <key>           -> $<value>      or  -ERR no such key '<key>'
//   DEL <key>           -> :1 (deleted)  or  :0 (absent)
//   COUNT               -> :<number of keys>
//   QUIT                -> +BYE, then the server closes the connection
//   anything else       -> -ERR unknown command '<word>'
//
// The store outlives connections and is shared by them. KvServer never
// touches a socket: it talks to whatever Transport it is connected to, which
// is how kv_server_test.cc drives it with StringTransport and kv_demo.cc
// serves it for real.
//
// Example:
//
//   standin::examples::KvStore store;
//   standin::examples::KvServer server(&store);
//   standin::StringTransport transport;
//   server.MakeConnection(&transport);
//   server.DataReceived("SET greeting hello\r\nGET greeting\r\n");
//   // transport.Value() == "+OK\r\n$hello\r\n"
#ifndef STANDIN_EXAMPLES_KV_SERVER_H_
#define STANDIN_EXAMPLES_KV_SERVER_H_

#include <map>
#include <string>
#include <string_view>

#include "standin/examples/line_receiver.h"

namespace standin::examples {

using KvStore = std::map<std::string, std::string, std::less<>>;

class KvServer : public LineReceiver {
 public:
  explicit KvServer(KvStore* store) : store_(store) {}

 protected:
  void LineReceived(std::string_view line) override;
  void LineLengthExceeded(std::string_view partial_line) override;

 private:
  KvStore* store_;
};

}  // namespace standin::examples

#endif  // STANDIN_EXAMPLES_KV_SERVER_H_
