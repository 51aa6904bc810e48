// [[jobs]]: each entry is read against its key table (the watch's fields directly, with their
// defaults), then checked for its required keys, then names are checked for uniqueness.
#include <array>
#include <chrono>

#include "common/text/utf8.hpp"
#include "config/key_types.hpp"
#include "config/keys.hpp"
#include "config/sections/sections.hpp"
#include "config/syntax/identifier.hpp"
#include "config/syntax/quoting.hpp"
#include "config/table_array.hpp"

namespace opsagent::config {

// A [[jobs]] entry while it is being read: the required keys with where they were given, and
// the watch holding every other key (preset to its default).
struct JobDraft {
  Position at;  // the job's table, for missing keys
  std::optional<Given<std::string>> name;
  std::optional<Given<std::string>> job_name;
  std::optional<Given<Duration>> max_age;
  JobWatch watch;
};

namespace {

using namespace std::chrono_literals;

std::optional<JobWatch> resolve(const JobDraft& d, const std::string& key, Diagnostics& diag) {
  if (!d.name) {
    diag.error(d.at, key + ".name",
               "missing `name`: give every job a unique name, e.g. name = \"nightly-sync\"");
  }
  if (!d.job_name) {
    diag.error(d.at, key + ".job_name",
               "missing `job_name`: the value the app writes in the job name column for this "
               "job's runs, e.g. job_name = \"sync_permits\"");
  }
  if (!d.max_age) {
    diag.error(d.at, key + ".max_age",
               "missing `max_age`: how old the last success may be before the job counts as "
               "stale, e.g. max_age = \"26h\" for a nightly job");
  }
  if (!d.name || !d.job_name || !d.max_age) return std::nullopt;
  JobWatch watch = d.watch;
  watch.name = d.name->value;
  watch.job_name = d.job_name->value;
  watch.max_age = d.max_age->value;
  if (watch.window < watch.interval) {
    diag.error(d.at, key + ".window",
               "`window` must not be shorter than `interval`: failures are counted over the "
               "window, which is read once per interval");
  }
  return watch;
}

// Any string the app writes into its table (a job name, a status value): printable, bounded.
template <std::string JobWatch::*Field>
void set_text(const toml::node& v, const std::string& k, JobDraft& d, Diagnostics& diag) {
  const std::string* text = string_value(v, k, "a string like \"success\"", diag);
  if (!text) return;
  if (text->empty() || text->size() > 200 || common::printable(*text) != *text) {
    return report(diag, v, k, "expected 1..200 printable characters");
  }
  d.watch.*Field = *text;
}

void set_job_name(const toml::node& v, const std::string& k, JobDraft& d, Diagnostics& diag) {
  d.job_name.emplace(std::string{}, position_of(v));
  set_text<&JobWatch::job_name>(v, k, d, diag);
  d.job_name->value = d.watch.job_name;
}

template <std::string JobWatch::*Field>
void set_column(const toml::node& v, const std::string& k, JobDraft& d, Diagnostics& diag) {
  const std::string* text = string_value(v, k, "a column name like \"started_at\"", diag);
  if (!text) return;
  auto column = parse_identifier(*text);
  if (!column) {
    return report(diag, v, k, in_quotes(*text) + " is not a column name: " + column.error());
  }
  d.watch.*Field = std::move(*column);
}

void set_table(const toml::node& v, const std::string& k, JobDraft& d, Diagnostics& diag) {
  if (auto table = table_name_value(v, k, diag)) d.watch.table = std::move(*table);
}

using Key = KeySpec<JobDraft>;
constexpr std::string_view kSection = "jobs";

const std::array kKeys{
    Key{kSection, "name", entry_name<&JobDraft::name>("job name", "nightly-sync"), "", Reload::live,
        "required; unique among the jobs; 1..63 printable ASCII characters; the check shows as "
        "\"job:<name>\""},
    Key{kSection, "job_name", custom<&set_job_name>("string"), "", Reload::live,
        "required; the value of `job_name_column` in this job's rows"},
    Key{kSection, "max_age", duration<&JobDraft::max_age>(1min, 24h * 90), "", Reload::live,
        "required; the last successful run must have finished less than this long ago; "
        "1m..90 days"},
    Key{kSection, "table", custom<&set_table>("string"), "\"cron_log\"", Reload::live,
        "the table the app records runs in: \"table\" (looked up in readiness.search_path) or "
        "\"schema.table\""},
    Key{kSection, "max_failures", integer<&JobDraft::watch, &JobWatch::max_failures>(0, 100000, 3),
        "0", Reload::live,
        "failed runs allowed within `window` before JobFailing fires; 0..100000"},
    Key{kSection, "window", duration<&JobDraft::watch, &JobWatch::window>(1min, 24h * 90),
        "\"24h\"", Reload::live, "how far back failed runs are counted; 1m..90 days"},
    Key{kSection, "interval", duration<&JobDraft::watch, &JobWatch::interval>(1s, 24h), "\"1m\"",
        Reload::live, "how often the table is read (one statement each time); 1s..24h"},
    Key{kSection, "gates_readiness", boolean<&JobDraft::watch, &JobWatch::gates_readiness>(),
        "false", Reload::live,
        "true: a stale or failing job takes the deployment out of rotation (503); false: a "
        "warning"},
    Key{kSection, "job_name_column", custom<&set_column<&JobWatch::job_name_column>>("string"),
        "\"job_name\"", Reload::live, "the column holding the job's name"},
    Key{kSection, "status_column", custom<&set_column<&JobWatch::status_column>>("string"),
        "\"status\"", Reload::live, "the column holding a run's outcome"},
    Key{kSection, "started_column", custom<&set_column<&JobWatch::started_column>>("string"),
        "\"started_at\"", Reload::live, "the column holding when a run started (a timestamp)"},
    Key{kSection, "finished_column", custom<&set_column<&JobWatch::finished_column>>("string"),
        "\"finished_at\"", Reload::live,
        "the column holding when a run finished (a timestamp; NULL while it runs)"},
    Key{kSection, "error_column", custom<&set_column<&JobWatch::error_column>>("string"),
        "\"error_message\"", Reload::live, "the column holding a failed run's error text"},
    Key{kSection, "success_value", custom<&set_text<&JobWatch::success_value>>("string"),
        "\"success\"", Reload::live, "the status of a successful run"},
    Key{kSection, "failed_value", custom<&set_text<&JobWatch::failed_value>>("string"),
        "\"failed\"", Reload::live, "the status of a failed run"},
};

// [[jobs]] is a top-level array of tables: a row of the root table (section "").
const std::array kRootKeys{
    KeySpec<Config>{"", "jobs", custom<&apply_jobs>("array of tables"), "[]", Reload::live,
                    "the app's scheduled jobs that record each run in a table, one [[jobs]] "
                    "block each (keys below): read at their own interval on the probe's "
                    "connection"},
};

}  // namespace

std::span<const KeySpec<Config>> jobs_keys() {
  return kRootKeys;
}

std::span<const KeySpec<JobDraft>> job_keys() {
  return kKeys;
}

void apply_jobs(const toml::node& value, const std::string& key, Config& config,
                Diagnostics& diag) {
  const TableArray<JobDraft> spec{.section = kSection,
                                  .block = "job",
                                  .expects = "`name`, `job_name` and `max_age`",
                                  .keys = kKeys};
  auto jobs = apply_table_array(
      value, key, spec,
      [](Position at) {
        return JobDraft{.at = at, .name = {}, .job_name = {}, .max_age = {}, .watch = {}};
      },
      resolve, diag);
  if (jobs) config.jobs = std::move(*jobs);
}

}  // namespace opsagent::config
