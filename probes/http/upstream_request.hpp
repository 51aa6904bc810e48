// One probe of an upstream API ([[upstreams]]): a GET of its URL, http or https, that ends by
// its deadline as a whole. The host name is looked up by probes/net/name_resolver (which ends by
// the deadline too) and handed to httplib as an address, so httplib's own blocking lookup never
// runs; a watchdog cuts the request at the deadline (request_watchdog.hpp). https verifies the
// server's certificate and name against the system's CA store (httplib's default). The answer's
// body is read and discarded. Thread-safety: reentrant; each call has its own client.
#pragma once

#include <string>

#include "common/clock.hpp"
#include "config/config.hpp"
#include "config/syntax/http_url.hpp"
#include "probes/model/upstream_model.hpp"

namespace opsagent::probes {

// "https://host[:port]/path": the URL as people may see it, without its query (an API URL may
// carry a token there) and without the default port.
std::string upstream_target(const config::HttpUrl& url);

// GETs `upstream.url` until `deadline`. ok: it answered expect_status. Otherwise the error is
// dns, timeout, refused, tls, connection_lost or http_status (with the status seen), and the
// message says which in words an operator can act on, naming upstream_target(), never the query.
UpstreamProbe probe_upstream(const config::Upstream& upstream, Deadline deadline);

}  // namespace opsagent::probes
