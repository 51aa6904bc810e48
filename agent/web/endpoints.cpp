#include "agent/web/endpoints.hpp"

#include <chrono>

#include "agent/web/readiness.hpp"
#include "agent/web/render_status.hpp"
#include "agent/web/upstream_view.hpp"

namespace opsagent::web {

void send_json(httplib::Response& res, int status, const nlohmann::json& body,
               const char* content_type) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(to_body(body), content_type);
}

bool Endpoints::authorized(std::string_view authorization) const {
  auto token = state_.token.get();
  return !token || token->admits(authorization);
}

void Endpoints::live(httplib::Response& res) const {
  auto config = state_.config.get();
  const auto now = SteadyClock::now();
  const auto heartbeat = state_.loop.heartbeat();
  const bool alive = evaluate_liveness(heartbeat, now, config->agent.stale_after);
  const auto since_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now - heartbeat).count();
  send_json(res, alive ? 200 : 503,
            {{"status", alive ? "pass" : "fail"}, {"probe_loop_heartbeat_age_ms", since_ms}});
}

void Endpoints::ready(httplib::Response& res, bool details) const {
  const View v = view();
  res.status = v.ctx.readiness.ready ? 200 : 503;
  res.set_header("Cache-Control", "no-store");
  res.set_content(ready_bodies_.body(v.snapshot, v.ctx, details), "application/json");
}

void Endpoints::health(httplib::Response& res, bool details) const {
  const View v = view();
  const int status = v.ctx.readiness.ready ? 200 : 503;
  if (details) {
    send_json(res, status, render_health(v.ctx), "application/health+json");
  } else {
    send_json(res, status, render_verdict(v.ctx));
  }
}

void Endpoints::status(const httplib::Request& req, httplib::Response& res) const {
  const View v = view();
  const bool html = req.get_param_value("format") == "html" ||
                    (!req.has_param("format") && wants_html(req.get_header_value("Accept")));
  res.set_header("Cache-Control", "no-store");
  if (html) {
    res.set_content(render_status_html(v.ctx), "text/html; charset=utf-8");
  } else {
    res.set_content(render_status_text(v.ctx), "text/plain; charset=utf-8");
  }
}

void Endpoints::upstream(std::string_view name, httplib::Response& res, bool details) const {
  const auto board = state_.upstreams.get();
  const auto* u = board ? board->find(name) : nullptr;
  if (u == nullptr) {
    // The name passed the request guard ([A-Za-z0-9_.-], short): safe to echo.
    send_json(res, 404,
              {{"error", "no upstream named \"" + std::string(name) +
                             "\" is configured (see [[upstreams]] in the config)"}});
    return;
  }
  const auto now = SteadyClock::now();
  if (const auto retry = upstream_retry_after_s(*u, now)) {
    res.set_header("Retry-After", std::to_string(*retry));
  }
  send_json(res, upstream_http_status(*u), render_upstream(*u, details, now));
}

void Endpoints::metrics(httplib::Response& res, const http::ConnectionStats& connections) const {
  View v = view();
  v.ctx.connections = &connections;
  res.set_header("Cache-Control", "no-store");
  res.set_content(state_.metrics.render(v.ctx), "text/plain; version=0.0.4; charset=utf-8");
}

Endpoints::View Endpoints::view() const {
  View v;
  v.snapshot = state_.store.get();
  v.config = state_.config.get();
  v.ctx.snapshot = v.snapshot.get();
  v.ctx.config = v.config.get();
  v.ctx.now = SteadyClock::now();
  v.ctx.draining = state_.draining.load();
  v.alerts = state_.alerter.status();
  v.ctx.alerts = v.alerts.get();
  const auto app_problem = state_.app_problem.get();
  v.ctx.readiness = evaluate_readiness(v.ctx.snapshot, v.ctx.now, v.config->agent.stale_after,
                                       v.ctx.draining, app_problem ? *app_problem : "");
  return v;
}

}  // namespace opsagent::web
