// `opsagent status`: fetch a running agent's /status as text, with the token the config names.
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <httplib.h>

#include "agent/daemon/subcommands.hpp"
#include "common/clock.hpp"
#include "config/load.hpp"
#include "config/syntax/http_url.hpp"
#include "probes/http/http_failure.hpp"

namespace opsagent::daemon {

int status_subcommand(const std::string& config_path, const std::string& url_option) {
  // The config is optional here: it only supplies the default address and the token variable.
  auto loaded = config::load_config_file(config_path, config::process_environment());
  std::string url = url_option;
  if (url.empty()) {
    std::string host = loaded ? loaded->agent.listen_host : "127.0.0.1";
    if (host == "0.0.0.0" || host == "::") host = host == "::" ? "[::1]" : "127.0.0.1";
    if (host.find(':') != std::string::npos && host.front() != '[') host = "[" + host + "]";
    url = fmt::format("http://{}:{}", host, loaded ? loaded->agent.listen_port : 8080);
  }
  // Checked before httplib sees it: its constructor throws on a scheme it does not know, and it
  // took "http://[::1" or "file:///etc/passwd" for a host it then failed to reach.
  const auto parsed = config::parse_agent_url(url);
  if (!parsed) {
    std::cerr << "opsagent status: --url: " << parsed.error() << "\n";
    return kUnknown;
  }
  while (!url.empty() && url.back() == '/') url.pop_back();
  std::unique_ptr<httplib::ClientImpl> client;
  if (parsed->https) {
    client = std::make_unique<httplib::SSLClient>(parsed->host, parsed->port);
  } else {
    client = std::make_unique<httplib::ClientImpl>(parsed->host, parsed->port);
  }
  constexpr auto kConnectTimeout = std::chrono::seconds(3);
  client->set_connection_timeout(kConnectTimeout);
  client->set_read_timeout(std::chrono::seconds(5));
  httplib::Headers headers{{"Accept", "text/plain"}};
  if (loaded) {
    auto token_name = loaded->agent.token_env;
    if (auto token =
            token_name.empty() ? std::nullopt : config::process_environment()(token_name)) {
      headers.emplace("Authorization", "Bearer " + *token);
    }
  }
  auto res = client->Get("/status", headers);
  if (!res) {
    std::cerr << "opsagent status: no answer from " << url << ": "
              << probes::describe_http_error(res.error(), parsed->host, parsed->port,
                                             SteadyClock::now() + kConnectTimeout)
              << "\n";
    return kCritical;
  }
  if (res->status != 200) {
    std::cerr << "opsagent status: " << url << "/status answered HTTP " << res->status
              << (res->status == 401 ? " (set the token variable named by agent.token_env)" : "")
              << "\n";
    return kCritical;
  }
  std::cout << res->body;
  return kOk;
}

}  // namespace opsagent::daemon
