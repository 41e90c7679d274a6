#include "standin/testutil/accumulating_protocol.h"

namespace standin::testutil {

void AccumulatingProtocol::ConnectionMade() {
  made_ = true;
  if (on_connection_made_) on_connection_made_();
}

void AccumulatingProtocol::DataReceived(std::string_view data) {
  data_.append(data);
  chunks_.emplace_back(data);
  if (on_data_) on_data_(data);
}

void AccumulatingProtocol::ConnectionLost(const absl::Status& reason) {
  ++connection_lost_calls_;
  closed_reason_ = reason;
  if (on_connection_lost_) on_connection_lost_(reason);
}

}  // namespace standin::testutil
