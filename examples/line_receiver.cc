#include "standin/examples/line_receiver.h"

namespace standin::examples {

void LineReceiver::DataReceived(std::string_view data) {
  if (stopped_) return;
  buffer_.append(data);
  size_t start = 0;
  while (!stopped_) {
    size_t end = buffer_.find(delimiter_, start);
    if (end == std::string::npos) break;
    std::string_view line(buffer_.data() + start, end - start);
    start = end + delimiter_.size();
    if (line.size() > max_line_length_) {
      LineLengthExceeded(line);
      return;
    }
    LineReceived(line);
  }
  buffer_.erase(0, start);
  if (!stopped_ && buffer_.size() > max_line_length_) {
    LineLengthExceeded(buffer_);
  }
}

void LineReceiver::SendLine(std::string_view line) {
  std::string_view parts[] = {line, delimiter_};
  transport()->WriteSequence(parts);
}

void LineReceiver::LineLengthExceeded(std::string_view /*partial_line*/) {
  stopped_ = true;
  transport()->LoseConnection();
}

}  // namespace standin::examples
