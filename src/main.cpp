// scwd: a Scaleway-compatible cloud control plane. Composition root: flags, configuration,
// store, identity bootstrap, modules, HTTP server.
#include <fcntl.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <span>
#include <stdexcept>
#include <thread>

#include "core/admin/admin.hpp"
#include "core/app/app.hpp"
#include "core/auth/bootstrap.hpp"
#include "core/http/server.hpp"
#include "core/meter/meter.hpp"
#include "core/sdk/catalog.hpp"
#include "core/store/postgres/pg_store.hpp"
#include "core/store/sqlite/sqlite_store.hpp"
#include "products/k8s/kube.hpp"
#include "products/k8s/kubeapi/kubeapi.hpp"
#include "products/mnq/nats.hpp"
#include "products/products.hpp"

#ifndef SCWD_VERSION
#define SCWD_VERSION "0.0.0-dev"
#endif

namespace {

std::string env_or(const char* name, std::string fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

bool split_listen(const std::string& listen, std::string& host, std::uint16_t& port) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) return false;
  host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  try {
    int p = std::stoi(listen.substr(colon + 1));
    if (p < 0 || p > 65535) return false;
    port = static_cast<std::uint16_t>(p);
  } catch (const std::exception&) {
    return false;
  }
  return !host.empty();
}

// A string inside the access log's JSON line, escaped by the response encoder: the line stays
// valid JSON (and UTF-8) whatever bytes the request line carried.
std::string json_escape_log(std::string_view s) {
  auto quoted = scwd::http::to_json(boost::json::string(s));
  return quoted.substr(1, quoted.size() - 2);
}

// The data directory holds every resource, user data and key hash: a new one is the owner's
// alone (0700, whatever the umask). An existing one is the user's to set up; a warning says when
// others can reach into it. Returns an error message, empty on success.
std::string prepare_data_dir(const std::string& dir) {
  std::error_code ec;
  auto leaf = std::filesystem::path(dir);
  if (!leaf.has_filename()) leaf = leaf.parent_path();  // "dir/" names dir
  auto parent = leaf.parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec) return ec.message();
  if (::mkdir(leaf.c_str(), 0700) == 0) {
    ::chmod(leaf.c_str(), 0700);  // the umask may have taken the owner's bits too
    return {};
  }
  if (errno != EEXIST) return std::strerror(errno);
  struct stat st {};
  if (::stat(leaf.c_str(), &st) != 0) return std::strerror(errno);
  if (!S_ISDIR(st.st_mode)) return "not a directory";
  if ((st.st_mode & 077) != 0)
    spdlog::warn(
        "data directory {} is accessible by other users (mode {:04o}); it holds every resource, "
        "user data and key hash: consider chmod 700 {}",
        dir, st.st_mode & 07777, dir);
  return {};
}

// Writes the credentials file readable by its owner only, never by others even for a moment.
bool write_private_file(const std::filesystem::path& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return false;
  bool ok = ::fchmod(fd, 0600) == 0;  // an existing file keeps its mode through O_TRUNC
  for (std::size_t off = 0; ok && off < text.size();) {
    auto n = ::write(fd, text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      ok = false;
    else
      off += static_cast<std::size_t>(n);
  }
  return ::close(fd) == 0 && ok;
}

// A store URL as it may be shown: without the password it may carry (user:password@host).
std::string redact_url(std::string s) {
  for (std::size_t from = 0; (from = s.find("://", from)) != std::string::npos; from += 3) {
    auto at = s.find('@', from + 3);
    auto colon = s.find(':', from + 3);
    auto end = s.find_first_of("/ ", from + 3);
    if (at == std::string::npos || (end != std::string::npos && at > end)) continue;
    if (colon != std::string::npos && colon < at) s.replace(colon + 1, at - colon - 1, "***");
  }
  return s;
}

struct Options {
  std::string listen = "127.0.0.1:8080";
  std::string k8s_listen = "127.0.0.1:6443";  // empty: no Kubernetes API server
  std::string data = "./var";
  std::string store;
  std::string secrets_key;                     // empty: <data>/secrets.key
  std::string nats_listen = "127.0.0.1:4222";  // empty: no NATS server
  std::string nats_server;                     // empty: found on the PATH
  std::string log_level = "info";
  std::uint64_t body_limit = 1024 * 1024;
  int threads = 0;
  std::int64_t quota_projects = 25;
  std::int64_t read_timeout_ms = 15000;
  std::int64_t idle_timeout_ms = 60000;
  std::uint32_t header_limit = 16 * 1024;
  int workers = 16;
  std::int64_t max_connections = -1;  // -1: from the descriptor limit
  std::string lifecycle_speed = "realistic";
  bool no_group_requests = false;
  std::vector<std::string> quotas;   // NAME=N
  std::vector<std::string> without;  // products left out (their operations answer 501)
};

// Every product but those `without` names; throws std::invalid_argument for a name that is no
// product's.
void register_modules(scwd::app::App& app, const std::vector<std::string>& without = {}) {
  std::vector<std::string> unknown = without;
  for (auto factory : scwd::products::all()) {
    auto m = factory();
    std::erase(unknown, std::string(m->name()));
    if (std::find(without.begin(), without.end(), m->name()) != without.end()) continue;
    app.add_module(std::move(m));
  }
  if (!unknown.empty())
    throw std::invalid_argument("--without: no product is named '" + unknown.front() + "'");
  app.add_module(scwd::admin::make_module(app));
}

int serve(const Options& o) {
  spdlog::set_default_logger(spdlog::stderr_logger_mt("scwd"));
  spdlog::set_level(spdlog::level::from_str(o.log_level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %^%l%$ %v", spdlog::pattern_time_type::utc);
  auto access = spdlog::stderr_logger_mt("access");
  access->set_pattern("%v");
  access->set_level(spdlog::level::from_str(o.log_level));

  const bool postgres = scwd::store::is_postgres_url(o.store);
  if (!o.store.empty() && o.store != "sqlite" && !postgres) {
    std::fprintf(stderr, "scwd: unknown --store '%s' (expected sqlite or postgres://...)\n",
                 redact_url(o.store).c_str());
    return 2;
  }
  std::string host;
  std::uint16_t port = 0;
  if (!split_listen(o.listen, host, port)) {
    std::fprintf(stderr, "scwd: bad --listen '%s' (expected HOST:PORT)\n", o.listen.c_str());
    return 2;
  }
  std::string k8s_host;
  std::uint16_t k8s_port = 0;
  if (!o.k8s_listen.empty() && !split_listen(o.k8s_listen, k8s_host, k8s_port)) {
    std::fprintf(stderr, "scwd: bad --k8s-listen '%s' (expected HOST:PORT)\n",
                 o.k8s_listen.c_str());
    return 2;
  }
  if (auto err = prepare_data_dir(o.data); !err.empty()) {
    std::fprintf(stderr, "scwd: cannot create data directory %s: %s\n", o.data.c_str(),
                 err.c_str());
    return 1;
  }

  scwd::Clock clock;
  scwd::app::Config config;
  config.version = SCWD_VERSION;
  config.data_dir = o.data;
  config.listen = o.listen;
  config.body_limit = o.body_limit;
  {
    std::string error;
    auto key = o.secrets_key.empty() ? std::filesystem::path(o.data) / "secrets.key"
                                     : std::filesystem::path(o.secrets_key);
    auto box = scwd::SecretBox::load_or_create(key, error);
    if (!box) {
      std::fprintf(stderr, "scwd: %s\n", error.c_str());
      return 1;
    }
    config.secrets = std::move(*box);
  }
  config.quota_projects = o.quota_projects;
  for (auto& q : o.quotas) {
    auto eq = q.find('=');
    std::int64_t n = -1;
    if (eq != std::string::npos) {
      auto v = std::string_view(q).substr(eq + 1);
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (ec != std::errc() || p != v.data() + v.size()) n = -1;
    }
    if (eq == std::string::npos || eq == 0 || n < 0) {
      std::fprintf(stderr, "scwd: bad --quota '%s' (expected NAME=N, N >= 0)\n", q.c_str());
      return 2;
    }
    config.quotas[q.substr(0, eq)] = n;
  }
  auto speed = scwd::lifecycle::Speed::parse(o.lifecycle_speed);
  if (!speed) {
    std::fprintf(stderr,
                 "scwd: bad --lifecycle-speed '%s' (instant, fast, realistic or a factor)\n",
                 o.lifecycle_speed.c_str());
    return 2;
  }

  std::unique_ptr<scwd::store::Store> store;
  std::string store_desc;
  try {
    if (postgres) {
      // A request may hold two connections at once (a read inside its write transaction): the
      // pool has room for that on every thread that runs requests, so it can never run dry with
      // each of them waiting for a second one.
      int io_threads = o.threads > 0
                           ? o.threads
                           : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
      store = scwd::store::open_postgres(
          {o.store, std::max(64, 2 * (std::max(o.workers, 0) + io_threads) + 8)});
      store_desc = "postgres at " + redact_url(o.store);
      // Replicas share the virtual clock: this one starts where the others are.
      clock.advance(store->clock_offset());
    } else {
      store = scwd::store::open_sqlite({(std::filesystem::path(o.data) / "scwd.db").string()});
      store_desc = "sqlite at " + o.data;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "scwd: cannot open the store: %s\n", redact_url(e.what()).c_str());
    return 1;
  }

  scwd::auth::BootstrapInput in{env_or("SCW_ACCESS_KEY", ""), env_or("SCW_SECRET_KEY", ""),
                                env_or("SCW_DEFAULT_ORGANIZATION_ID", ""),
                                env_or("SCW_DEFAULT_PROJECT_ID", "")};
  scwd::auth::BootstrapResult boot;
  try {
    boot = scwd::auth::bootstrap(*store, in, clock.now());
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "scwd: %s\n", e.what());
    return 2;
  }
  if (!boot.warning.empty()) spdlog::warn("{}", boot.warning);

  scwd::app::App app(*store, clock, config);
  app.lifecycle().set_speed(*speed);
  // The usage ledger is kept for Billing: a server without Billing writes none.
  if (std::find(o.without.begin(), o.without.end(), "billing") != o.without.end())
    scwd::meter::set_enabled(false);
  try {
    register_modules(app, o.without);
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "scwd: %s\n", e.what());
    return 2;
  }
  app.finalize();
  app.create_defaults();

  scwd::http::ServerOptions so;
  so.host = host;
  so.port = port;
  so.threads = o.threads;
  so.body_limit = o.body_limit;
  so.header_limit = o.header_limit;
  so.read_timeout = std::chrono::milliseconds(o.read_timeout_ms);
  so.idle_timeout = std::chrono::milliseconds(o.idle_timeout_ms);
  so.workers = o.workers;
  so.max_connections = o.max_connections;
  // What a write request does after its checks (its handler and store writes) runs on the store's
  // writer thread, and is answered after its group commit: no I/O thread waits for a commit.
  // (SQLite only: PostgreSQL groups concurrent commits itself, and a write holds a connection of
  // its own on the pool of `workers` threads.)
  so.group_requests = !o.no_group_requests && !postgres;
  auto errors = [&app](int status, std::string_view rid, std::string_view detail) {
    return app.error_response(status, rid, detail);
  };
  auto access_log = [access](const scwd::http::Request& req, const scwd::http::Response& res,
                             double ms) {
    if (!access->should_log(spdlog::level::info)) return;
    access->info(
        "{{\"ts\":\"{}\",\"method\":\"{}\",\"path\":\"{}\",\"status\":{},\"duration_ms\":{:.3f}"
        ","
        "\"request_id\":\"{}\",\"principal_id\":\"{}\",\"remote\":\"{}\"}}",
        scwd::format_time(scwd::system_now()), json_escape_log(req.method),
        json_escape_log(req.path), res.status, ms, req.request_id,
        json_escape_log(res.principal_id), json_escape_log(req.remote));
  };

  // The Kubernetes API server of Kapsule clusters: HTTPS on its own port, each cluster's
  // certificate chosen by the host name its kubeconfig names (tls-server-name). It starts
  // before the Scaleway API so that the first kubeconfig rendered already names it.
  auto clusters = scwd::products::k8s::make_cluster_directory(app.services());
  scwd::products::k8s::KubeApi kube(*clusters, *store, clock, config.secrets);
  std::unique_ptr<scwd::http::Server> kube_server;
  std::thread kube_thread;
  if (!o.k8s_listen.empty()) {
    scwd::http::ServerOptions ko;
    ko.host = k8s_host;
    ko.port = k8s_port;
    // One acceptor that owns the port: a second scwd on it (`make run` twice) fails to start its
    // listener rather than answer part of the connections with clusters it does not know.
    ko.threads = 1;
    ko.reuse_port = false;
    // Objects may hold 1 MiB of data, and clients send them with some overhead.
    ko.body_limit = std::max<std::uint64_t>(o.body_limit, 3 * 1024 * 1024);
    ko.header_limit = o.header_limit;
    ko.read_timeout = std::chrono::milliseconds(o.read_timeout_ms);
    ko.idle_timeout = std::chrono::milliseconds(o.idle_timeout_ms);
    ko.workers = 4;  // writes wait for their commit there, not on the I/O threads
    ko.max_connections = 512;
    ko.tls = scwd::http::TlsOptions{
        [&clusters](std::string_view name) -> std::optional<scwd::http::TlsCredentials> {
          auto c = scwd::products::k8s::cluster_for_host(*clusters, name);
          if (!c) return std::nullopt;
          return scwd::http::TlsCredentials{c->server_cert_pem, c->server_key_pem};
        }};
    kube_server = std::make_unique<scwd::http::Server>(
        ko,
        [&kube](scwd::http::Request& req) -> scwd::http::Staged {
          if (!scwd::products::k8s::KubeApi::writes(req)) return kube.handle(req);
          scwd::http::Staged staged;
          staged.rest = [&kube, &req] { return kube.handle(req); };
          return staged;
        },
        [](int status, std::string_view, std::string_view detail) {
          return scwd::products::k8s::KubeApi::transport_error(status, detail);
        },
        access_log);
    try {
      kube_server->start();
      bool any = k8s_host == "0.0.0.0" || k8s_host == "::";
      std::string h = any ? "127.0.0.1" : k8s_host;
      if (h.find(':') != std::string::npos) h = "[" + h + "]";
      config.kube_api_url = "https://" + h + ":" + std::to_string(kube_server->port());
      kube_thread = std::thread([&kube_server] { kube_server->run_until_stopped(); });
      spdlog::info("Kubernetes API server of Kapsule clusters on {}", config.kube_api_url);
    } catch (const std::exception& e) {
      spdlog::error(
          "cannot serve the Kubernetes API of Kapsule clusters (--k8s-listen {}): {}; the "
          "Scaleway API runs without it and kubeconfigs name no server",
          o.k8s_listen, e.what());
      kube_server.reset();
    }
  }

  // Messaging and Queuing: NATS accounts are served by a nats-server scwd supervises (the SQS and
  // SNS endpoints share the listener, claimed before routing like functions' hosts).
  std::optional<scwd::products::mnq::NatsSupervisor> nats;
  if (!o.nats_listen.empty()) {
    nats.emplace(app.services(), o.nats_listen, std::filesystem::path(o.data) / "nats",
                 o.nats_server);
    scwd::products::mnq::set_nats_link(&*nats);
    nats->start();
  }
  scwd::http::Server server(
      so, [&app](scwd::http::Request& req) { return app.stage(req); }, errors, access_log);
  try {
    server.start();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "scwd: %s\n", e.what());
    if (kube_server) {
      kube_server->stop();
      kube_thread.join();
    }
    return 1;
  }

  std::string url_host = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  std::string url = "http://" + url_host + ":" + std::to_string(server.port());
  const auto& id = boot.identity;
  std::string exports;
  exports += "export SCW_API_URL=" + url + "\n";
  exports += "export SCW_ACCESS_KEY=" + id.access_key + "\n";
  // A secret generated here is shown once; one given in SCW_SECRET_KEY is never echoed.
  bool generated_secret = boot.created && in.secret_key.empty();
  if (generated_secret) exports += "export SCW_SECRET_KEY=" + id.secret_key + "\n";
  exports += "export SCW_DEFAULT_ORGANIZATION_ID=" + id.organization_id + "\n";
  exports += "export SCW_DEFAULT_PROJECT_ID=" + id.project_id + "\n";
  exports += "export SCW_DEFAULT_REGION=fr-par\nexport SCW_DEFAULT_ZONE=fr-par-1\n";
  auto cred_path = std::filesystem::path(o.data) / "credentials.env";
  if (generated_secret) {
    if (!write_private_file(
            cred_path,
            "# scwd credentials of the Owner, created on first start. Keep this file secret.\n" +
                exports))
      spdlog::error("cannot write {}: {}", cred_path.string(), std::strerror(errno));
    std::cout << "# scwd: new organization bootstrapped; these credentials are shown once and\n"
              << "# saved in " << cred_path.string() << " (mode 0600)\n";
  } else if (boot.created) {
    std::cout << "# scwd: new organization bootstrapped with the SCW_* values of the environment\n";
  } else {
    std::cout << "# scwd: existing store; the secret key is in " << cred_path.string()
              << " (or your own SCW_SECRET_KEY)\n";
  }
  std::cout << exports << "scwd: listening on " << url << std::endl;
  spdlog::info("scwd {} serving {} operations of {} published, store {}", SCWD_VERSION,
               app.operations_served(), app.operations_published(), store_desc);
  if (server.max_connections() > 0)
    spdlog::info("at most {} open connections (--max-connections)", server.max_connections());

  server.run_until_stopped();
  scwd::app::host_dispatch(app.services()).stop();
  scwd::products::mnq::set_nats_link(nullptr);
  nats.reset();
  if (kube_server) {
    kube_server->stop();
    kube_thread.join();
  }
  store->close();
  spdlog::info("scwd stopped");
  return 0;
}

std::string_view kind_name(scwd::sdk::FieldKind k) {
  using scwd::sdk::FieldKind;
  switch (k) {
    case FieldKind::kString:
      return "string";
    case FieldKind::kInt:
      return "int";
    case FieldKind::kFloat:
      return "float";
    case FieldKind::kBool:
      return "bool";
    case FieldKind::kEnum:
      return "enum";
    case FieldKind::kDate:
      return "date";
    case FieldKind::kObject:
      return "object";
    case FieldKind::kMap:
      return "map";
    case FieldKind::kAny:
      break;
  }
  return "any";
}

boost::json::array fields_json(std::span<const scwd::sdk::Field> fields) {
  boost::json::array out;
  for (auto& f : fields)
    out.push_back(boost::json::object{
        {"name", f.name}, {"kind", kind_name(f.kind)}, {"repeated", f.repeated}});
  return out;
}

int print_routes(bool served_json) {
  scwd::Clock clock;
  scwd::app::Config config;
  // Route listing needs no real data: an in-process throwaway store.
  auto dir = std::filesystem::temp_directory_path() / ("scwd-routes-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  int rc = 0;
  {
    auto store = scwd::store::open_sqlite({(dir / "scwd.db").string()});
    scwd::app::App app(*store, clock, config);
    register_modules(app);
    app.finalize();
    boost::json::array out;
    for (auto& r : app.routes()) {
      // Served operations, including public API routes outside the pinned SDKs (instance
      // v2alpha1); the admin plane is not part of the public API.
      if (served_json && (!r.implemented || r.spec.path.starts_with("/_scwd"))) continue;
      boost::json::object o{{"method", r.spec.method}, {"path", r.spec.path}};
      if (!served_json) {
        o["operation"] = r.spec.operation;
        o["implemented"] = r.implemented;
        // The fields the catalogue declares, for tests that send each route bad input.
        if (r.op) {
          o["body_kind"] = r.op->body_kind;
          o["list_key"] = r.op->list_key;
          o["query"] = fields_json(r.op->query);
          o["body"] = fields_json(r.op->body);
        }
      }
      out.push_back(std::move(o));
    }
    std::cout << boost::json::serialize(out) << std::endl;
    store->close();
  }
  std::filesystem::remove_all(dir);
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"scwd: a Scaleway-compatible cloud control plane"};
  cli.set_version_flag("--version", std::string("scwd ") + SCWD_VERSION);
  cli.require_subcommand(1);
  Options o;
  auto* serve_cmd = cli.add_subcommand("serve", "Serve the Scaleway API");
  serve_cmd->add_option("--listen", o.listen, "Address to listen on, HOST:PORT (port 0: any)")
      ->envname("SCWD_LISTEN")
      ->capture_default_str();
  serve_cmd
      ->add_option("--k8s-listen", o.k8s_listen,
                   "Address of the Kubernetes API server of Kapsule clusters (HTTPS), HOST:PORT "
                   "(port 0: any; empty: none)")
      ->envname("SCWD_K8S_LISTEN")
      ->capture_default_str();
  serve_cmd
      ->add_option("--data", o.data,
                   "Data directory: the embedded SQLite store and credentials.env")
      ->envname("SCWD_DATA")
      ->capture_default_str();
  serve_cmd
      ->add_option("--secrets-key", o.secrets_key,
                   "File holding the key that seals stored secrets (created when absent; "
                   "replicas sharing a store must share it). Default: <data>/secrets.key")
      ->envname("SCWD_SECRETS_KEY");
  serve_cmd
      ->add_option("--nats-listen", o.nats_listen,
                   "HOST:PORT of the NATS server (nats-server, started once NATS accounts exist) "
                   "that Messaging and Queuing's NATS accounts are served by; empty: none")
      ->envname("SCWD_NATS_LISTEN")
      ->capture_default_str();
  serve_cmd
      ->add_option("--nats-server", o.nats_server,
                   "The nats-server binary to run (default: found on the PATH, or /usr/sbin)")
      ->envname("SCWD_NATS_SERVER");
  serve_cmd->add_option("--store", o.store, "Store back end: sqlite (default) or postgres://...")
      ->envname("SCWD_STORE");
  serve_cmd
      ->add_option("--log-level", o.log_level, "trace, debug, info, warn, error, critical or off")
      ->envname("SCWD_LOG_LEVEL")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
      ->capture_default_str();
  serve_cmd->add_option("--body-limit", o.body_limit, "Largest request body in bytes")
      ->envname("SCWD_BODY_LIMIT")
      ->capture_default_str();
  serve_cmd->add_option("--threads", o.threads, "I/O threads (0: one per core)")
      ->envname("SCWD_THREADS")
      ->capture_default_str();
  serve_cmd
      ->add_option("--read-timeout-ms", o.read_timeout_ms,
                   "Time a client has to send a whole request once it started")
      ->envname("SCWD_READ_TIMEOUT_MS")
      ->check(CLI::Range(1, 3600000))
      ->capture_default_str();
  serve_cmd
      ->add_option("--idle-timeout-ms", o.idle_timeout_ms,
                   "Time an idle keep-alive connection is kept open")
      ->envname("SCWD_IDLE_TIMEOUT_MS")
      ->check(CLI::Range(1, 3600000))
      ->capture_default_str();
  serve_cmd
      ->add_option("--workers", o.workers,
                   "Threads running write requests (they wait for group commits)")
      ->envname("SCWD_WORKERS")
      ->check(CLI::Range(0, 1024))
      ->capture_default_str();
  serve_cmd
      ->add_option("--max-connections", o.max_connections,
                   "Open connections at most; more are answered 503 (default: the descriptor "
                   "limit minus 64; 0: no limit but the descriptor limit)")
      ->envname("SCWD_MAX_CONNECTIONS")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 40));
  serve_cmd->add_option("--header-limit", o.header_limit, "Largest request header block in bytes")
      ->envname("SCWD_HEADER_LIMIT")
      ->capture_default_str();
  serve_cmd->add_option("--quota-projects", o.quota_projects, "Projects per organization")
      ->envname("SCWD_QUOTA_PROJECTS")
      ->capture_default_str();
  serve_cmd->add_flag("--no-group-requests", o.no_group_requests,
                      "Run write requests on the --workers pool (each waits for its group commit) "
                      "instead of on the store's writer thread");
  serve_cmd
      ->add_option("--lifecycle-speed", o.lifecycle_speed,
                   "How long transient states last: instant, fast (1/10), realistic or a factor")
      ->envname("SCWD_LIFECYCLE_SPEED")
      ->capture_default_str();
  serve_cmd
      ->add_option(
          "--quota", o.quotas,
          "Override a per-organization quota, NAME=N (repeatable; see docs/configuration.md)")
      ->envname("SCWD_QUOTAS")
      ->delimiter(',');
  serve_cmd->add_option("--without", o.without,
                        "Leave a product out (repeatable, e.g. billing): its operations answer "
                        "501, as operations not built yet do");
  bool served_json = false;
  auto* routes_cmd = cli.add_subcommand("routes", "Print the route table as JSON");
  routes_cmd->add_flag("--served-json", served_json,
                       "Only the published operations that have a handler (for docs/coverage.md)");
  CLI11_PARSE(cli, argc, argv);
  if (*serve_cmd) return serve(o);
  if (*routes_cmd) return print_routes(served_json);
  return 0;
}
