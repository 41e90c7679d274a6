#include "standin/testutil/accumulating_protocol.h"

namespace standin::testutil {

void HalfCloseableAccumulatingProtocol::ReadConnectionLost() {
  ++read_connection_lost_calls_;
  read_lost_before_connection_lost_ = !closed();
  RecordEvent("read-lost");
  if (on_read_connection_lost_) on_read_connection_lost_();
}

void HalfCloseableAccumulatingProtocol::WriteConnectionLost() {
  ++write_connection_lost_calls_;
  RecordEvent("write-lost");
  if (on_write_connection_lost_) on_write_connection_lost_();
}

}  // namespace standin::testutil
