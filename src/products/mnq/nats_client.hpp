// A small NATS client for what scwd itself listens to on its nats-server: the text protocol
// (INFO, CONNECT with a user JWT and the server's nonce signed by the user's NKEY, SUB, UNSUB,
// MSG, HMSG, PING, PONG, +OK, -ERR) and a subscriber that keeps one connection per subscription,
// all served by one thread, reconnecting when the server goes away.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace scwd::products::mnq::nats {

struct Event {
  enum class Kind { kInfo, kMsg, kPing, kPong, kOk, kErr };
  Kind kind = Kind::kOk;
  std::string subject;  // MSG, HMSG
  std::string sid;
  std::string reply;
  std::string headers;  // HMSG: the header block ("NATS/1.0\r\n...")
  std::string payload;  // MSG, HMSG: the message; INFO: its JSON; -ERR: the server's text
};

// Splits what a server sends into events, whatever the reads' boundaries.
class Parser {
 public:
  // Largest control line and message accepted (nats-server's default max_payload is 1 MiB).
  static constexpr std::size_t kMaxLine = 64 * 1024;
  static constexpr std::size_t kMaxPayload = 8 * 1024 * 1024;

  // Appends `bytes` and moves every complete event to `out`. False when the stream is not the
  // NATS protocol (the connection must be dropped); error() says why.
  bool feed(std::string_view bytes, std::vector<Event>& out);
  const std::string& error() const { return error_; }

 private:
  std::string buf_;
  std::string error_;
};

// The CONNECT line answering the server's INFO (`info_json`): the user's JWT and the INFO's
// nonce signed with the user's seed (Ed25519, base64url). nullopt when the INFO is not JSON.
std::optional<std::string> connect_line(std::string_view info_json, std::string_view user_jwt,
                                        std::string_view user_seed, std::string_view name);

// Who a connection signs in as.
struct User {
  std::string jwt;
  std::string seed;
};

struct Subscription {
  std::string id;       // the caller's name for it
  std::string subject;  // may hold wildcards
  std::string queue;    // queue group ("": none): one member of a group gets each message
  // The user to connect as, asked at each connection (nullopt: not now; tried again later).
  std::function<std::optional<User>()> sign_in;
  bool operator==(const Subscription& o) const {
    return id == o.id && subject == o.subject && queue == o.queue;
  }
};

class Subscriber {
 public:
  // `endpoint`: "host:port" of the server, asked at each connection; `max_buffered`: messages
  // kept per subscription until taken (beyond, new ones are dropped, as NATS drops them for a
  // slow consumer).
  Subscriber(std::function<std::string()> endpoint, std::size_t max_buffered = 1000);
  ~Subscriber();
  Subscriber(const Subscriber&) = delete;
  Subscriber& operator=(const Subscriber&) = delete;

  // The subscriptions wanted from now on: others are unsubscribed and their connections closed.
  void set(std::vector<Subscription> wanted);
  // Up to `max` payloads received for subscription `id`, oldest first.
  std::vector<std::string> take(std::string_view id, std::size_t max);
  // Whether subscription `id` is connected and subscribed (for tests and logs).
  bool subscribed(std::string_view id) const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace scwd::products::mnq::nats
