// LineReceiver: a Protocol that splits its byte stream into lines (Twisted's
// twisted.protocols.basic.LineReceiver, trimmed to what the example needs).
//
// Subclasses implement LineReceived(); lines end with delimiter() ("\r\n" by
// default) and may arrive split across any number of DataReceived() calls.
// A line longer than max_line_length() calls LineLengthExceeded(), which by
// default drops the connection.
//
// Example:
//
//   class Upper : public LineReceiver {
//     void LineReceived(std::string_view line) override {
//       SendLine(absl::AsciiStrToUpper(line));
//     }
//   };
#ifndef STANDIN_EXAMPLES_LINE_RECEIVER_H_
#define STANDIN_EXAMPLES_LINE_RECEIVER_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "standin/transport/interfaces.h"

namespace standin::examples {

class LineReceiver : public Protocol {
 public:
  void DataReceived(std::string_view data) final;

  // Writes `line` and the delimiter in one vectored write.
  void SendLine(std::string_view line);

  std::string_view delimiter() const { return delimiter_; }
  void set_delimiter(std::string delimiter) {
    delimiter_ = std::move(delimiter);
  }
  size_t max_line_length() const { return max_line_length_; }
  void set_max_line_length(size_t n) { max_line_length_ = n; }

 protected:
  virtual void LineReceived(std::string_view line) = 0;
  // The default drops the connection, as Twisted does.
  virtual void LineLengthExceeded(std::string_view partial_line);
  // Stop delivering lines from the current buffer (e.g. after QUIT).
  void StopReading() { stopped_ = true; }

 private:
  std::string delimiter_ = "\r\n";
  size_t max_line_length_ = 16384;
  std::string buffer_;  // Bytes after the last complete line.
  bool stopped_ = false;
};

}  // namespace standin::examples

#endif  // STANDIN_EXAMPLES_LINE_RECEIVER_H_
