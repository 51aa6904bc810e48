#include "agent/render_json.hpp"

#include <ctime>

#include <fmt/format.h>

#include "agent/version.hpp"

namespace opsagent::agent {

namespace {

using nlohmann::json;
using std::chrono::duration_cast;
using std::chrono::milliseconds;

json age_ms(const RenderContext& ctx) {
  if (ctx.snapshot == nullptr) return nullptr;
  return duration_cast<milliseconds>(ctx.now - ctx.snapshot->completed).count();
}

double to_ms(std::chrono::microseconds us) {
  return static_cast<double>(us.count()) / 1000.0;
}

}  // namespace

std::string iso8601(std::chrono::system_clock::time_point t) {
  const auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms % 1000);
}

std::string to_body(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string overall_status(const RenderContext& ctx) {
  if (!ctx.readiness.ready) return "fail";
  return ctx.snapshot != nullptr && ctx.snapshot->has_warnings() ? "warn" : "pass";
}

json render_readiness(const RenderContext& ctx) {
  json checks = json::object();
  if (ctx.snapshot != nullptr) {
    for (const auto& c : ctx.snapshot->checks) {
      json entry{{"status", probes::to_string(c.status)}};
      if (!c.missing.empty()) entry["missing"] = c.missing;
      if (c.error != probes::ErrorClass::none) entry["error"] = probes::to_string(c.error);
      checks[c.name] = std::move(entry);
    }
  }
  return json{{"status", overall_status(ctx)},
              {"ready", ctx.readiness.ready},
              {"reason", ctx.readiness.reason},
              {"snapshot_age_ms", age_ms(ctx)},
              {"checks", std::move(checks)}};
}

json render_health(const RenderContext& ctx) {
  json body{
      {"status", overall_status(ctx)},  {"version", kVersion},
      {"serviceId", "opsagent"},        {"description", "readiness of the app's Postgres database"},
      {"output", ctx.readiness.reason}, {"ready", ctx.readiness.ready},
      {"draining", ctx.draining},       {"snapshot_age_ms", age_ms(ctx)}};
  json checks = json::object();
  if (const auto* s = ctx.snapshot) {
    body["snapshot"] = {{"sequence", s->sequence},
                        {"time", iso8601(s->taken_at)},
                        {"duration_ms", to_ms(s->duration)}};
    if (!s->server_version.empty()) body["postgres_version"] = s->server_version;
    for (const auto& c : s->checks) {
      json entry{{"status", probes::to_string(c.status)},
                 {"observedValue", to_ms(c.duration)},
                 {"observedUnit", "ms"},
                 {"time", iso8601(s->taken_at)},
                 {"output", c.message},
                 {"affectsReadiness", c.gates_readiness}};
      if (c.error != probes::ErrorClass::none) entry["errorClass"] = probes::to_string(c.error);
      if (!c.missing.empty()) entry["missing"] = c.missing;
      checks[c.name] = json::array({std::move(entry)});
    }
  }
  body["checks"] = std::move(checks);
  return body;
}

std::string render_check_line(const RenderContext& ctx) {
  const std::string status = overall_status(ctx);
  const char* word = status == "pass" ? "OK" : status == "warn" ? "WARNING" : "CRITICAL";
  std::string detail = ctx.readiness.reason;
  if (ctx.snapshot != nullptr) {
    for (const auto& c : ctx.snapshot->checks) {
      if (c.status == probes::CheckStatus::warn) detail += "; " + c.name + ": " + c.message;
    }
  }
  const double seconds = ctx.snapshot != nullptr ? to_ms(ctx.snapshot->duration) / 1000.0 : 0.0;
  return fmt::format("OPSAGENT {} - {} | duration={:.3f}s", word, detail, seconds);
}

}  // namespace opsagent::agent
