// A consumer's own protocol: answers every byte upper-cased; "bye" closes.
#ifndef CONSUMER_SHOUTER_H_
#define CONSUMER_SHOUTER_H_

#include <cctype>
#include <string>
#include <string_view>

#include "standin/transport/interfaces.h"

class Shouter : public standin::Protocol {
 public:
  void DataReceived(std::string_view data) override {
    std::string loud(data);
    for (char& c : loud) c = static_cast<char>(std::toupper(c));
    transport()->Write(loud);
    if (data.find("bye") != std::string_view::npos) {
      transport()->LoseConnection();
    }
  }
};

#endif  // CONSUMER_SHOUTER_H_
