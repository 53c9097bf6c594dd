#include <doctest/doctest.h>

#include <vector>

#include "provider/sse_decoder.hpp"

using namespace agent_runtime;

namespace {

/// Records the events it reads; "end" as data ends the stream.
class recording_decoder : public sse_decoder {
public:
  std::vector<std::pair<std::string, std::string>> events;

  const char* protocol() const override {
    return "a test stream";
  }

  const char* end_marker() const override {
    return "end";
  }

protected:
  std::optional<std::string> on_event(const std::string& name, const std::string& data,
                                      const text_handler& on_text) override {
    events.emplace_back(name, data);
    on_text(data);
    if (data == "end")
      mark_finished();
    return std::nullopt;
  }
};

} // namespace

TEST_CASE("server-sent events are framed the same whatever the size of the reads") {
  const std::string body = ": comment\r\n"
                           "event: first\r\ndata: one\r\n\r\n"
                           "id: 7\nretry: 10\ndata: two\ndata:three\n\n"
                           "data: end\n\n"
                           "data: after the end\n\n";
  for (std::size_t piece : {std::size_t{1}, std::size_t{3}, std::size_t{7}, body.size()}) {
    CAPTURE(piece);
    recording_decoder decoder;
    std::vector<std::string> texts;
    for (std::size_t at = 0; at < body.size(); at += piece)
      REQUIRE_FALSE(decoder.feed(std::string_view(body).substr(at, piece),
                                 [&](const std::string& t) { texts.push_back(t); }));
    CHECK(decoder.finished());
    using event = std::pair<std::string, std::string>;
    CHECK(decoder.events == std::vector<event>{{"first", "one"}, {"", "two\nthree"}, {"", "end"}});
    CHECK(texts.size() == 3);
  }
}

TEST_CASE("a last event without its blank line still counts, a line of no field is refused") {
  recording_decoder decoder;
  auto ignore = [](const std::string&) {
  };
  REQUIRE_FALSE(decoder.feed("data: end", ignore));
  CHECK_FALSE(decoder.finished());
  CHECK_FALSE(decoder.end(ignore));
  CHECK(decoder.finished());

  recording_decoder strict;
  CHECK(strict.feed("data: one\n\n<html>\n", ignore) ==
        std::optional<std::string>("the answer is not a test stream: line 3 is not a "
                                   "server-sent event field"));
}
