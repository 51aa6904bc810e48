#include "probes/model/lock_tree.hpp"

#include <algorithm>
#include <map>
#include <ranges>
#include <utility>

#include <fmt/format.h>

#include "common/text/time_format.hpp"
#include "common/text/utf8.hpp"

namespace opsagent::probes {

namespace {

constexpr std::size_t kSummaryStatement = 60;  // characters of the head's statement in a summary

double wait_of(const LockSession& s) {
  return s.wait_s.value_or(0.0);
}

// "web:4567", or the backend type for sessions without a name (autovacuum), "(none)" else.
std::string who(const LockSession& s) {
  if (!s.application_name.empty()) return common::printable(s.application_name);
  if (!s.backend_type.empty() && s.backend_type != "client backend") return s.backend_type;
  return "(none)";
}

// "idle in transaction 5m00s", "active 3.2s", or "state hidden".
std::string state_phrase(const LockSession& s) {
  std::string out = s.state.empty() ? std::string("state hidden") : s.state;
  if (s.state_age_s) out += " " + common::format_elapsed(*s.state_age_s);
  if (s.state != "idle in transaction" && s.xact_age_s &&
      (!s.state_age_s || *s.xact_age_s > *s.state_age_s + 1)) {
    out += ", transaction open " + common::format_elapsed(*s.xact_age_s);
  }
  return out;
}

std::string lock_phrase(const LockSession& s) {
  std::string out = s.wait_mode.empty() ? std::string("a lock") : s.wait_mode;
  if (!s.wait_target.empty()) out += " on " + s.wait_target;
  return out;
}

}  // namespace

const LockNode& LockQueue::head() const {
  // A root that waits itself (behind sessions not in view) is first in line.
  if (nodes.front().session.waiting() || nodes.size() < 2) return nodes.front();
  return nodes[1];  // depth first: the root's first waiter, the longest waiting
}

double LockQueue::head_wait_s() const {
  return nodes.empty() ? 0.0 : wait_of(head().session);
}

double LockTree::longest_head_wait_s() const {
  double out = 0;
  for (const auto& q : queues) out = std::max(out, q.head_wait_s());
  return out;
}

int LockTree::largest_queue() const {
  int out = 0;
  for (const auto& q : queues) out = std::max(out, q.waiting);
  return out;
}

LockTree build_lock_tree(std::vector<LockSession> sessions, std::size_t max_sessions) {
  LockTree tree;
  const std::size_t n = sessions.size();
  std::map<int, std::size_t> index;
  for (std::size_t i = 0; i < n; ++i) index.emplace(sessions[i].pid, i);

  // Each waiter's place: behind the blocker that waits itself and has waited longest (it is
  // queued behind that one), else behind its first visible blocker.
  constexpr auto kNone = static_cast<std::size_t>(-1);
  std::vector<std::size_t> parent(n, kNone);
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t best = kNone;
    for (const int pid : sessions[i].blocked_by) {
      const auto it = index.find(pid);
      if (it == index.end() || it->second == i) continue;
      const auto& b = sessions[it->second];
      if (best == kNone) {
        best = it->second;
        continue;
      }
      const auto& cur = sessions[best];
      if (b.waiting() && (!cur.waiting() || wait_of(b) > wait_of(cur))) best = it->second;
    }
    parent[i] = best;
  }
  // A cycle (a deadlock the server has not broken yet): cut at its lowest pid.
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<std::size_t> path;
    std::size_t at = i;
    while (at != kNone && std::ranges::find(path, at) == path.end() && path.size() <= n) {
      path.push_back(at);
      at = parent[at];
    }
    if (at == kNone) continue;
    const auto loop_start = std::ranges::find(path, at);
    const auto lowest = std::ranges::min_element(loop_start, path.end(), {},
                                                 [&](std::size_t k) { return sessions[k].pid; });
    parent[*lowest] = kNone;
  }

  std::vector<std::vector<std::size_t>> children(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (parent[i] != kNone) children[parent[i]].push_back(i);
  }
  for (auto& c : children) {
    std::ranges::sort(c, [&](std::size_t a, std::size_t b) {
      if (wait_of(sessions[a]) != wait_of(sessions[b])) {
        return wait_of(sessions[a]) > wait_of(sessions[b]);
      }
      return sessions[a].pid < sessions[b].pid;
    });
  }
  // Each root's sessions depth first (a stack, not recursion: a queue can be as deep as
  // max_connections), then the counts behind each from the leaves up (reverse depth-first order
  // visits every session after those behind it).
  std::vector<std::vector<std::pair<std::size_t, int>>> walks;  // per root: (session, depth)
  for (std::size_t i = 0; i < n; ++i) {
    if (parent[i] != kNone) continue;
    auto& walk = walks.emplace_back();
    std::vector<std::pair<std::size_t, int>> stack{{i, 0}};
    while (!stack.empty()) {
      const auto [at, depth] = stack.back();
      stack.pop_back();
      walk.emplace_back(at, depth);
      for (const std::size_t child : std::views::reverse(children[at])) {
        stack.emplace_back(child, depth + 1);
      }
    }
  }
  std::vector<int> behind(n, 0);
  for (const auto& walk : walks) {
    for (const auto& [session, depth] : std::views::reverse(walk)) {
      if (parent[session] != kNone) behind[parent[session]] += 1 + behind[session];
    }
  }

  // A root heads a queue when someone waits behind it, or when it waits itself (behind sessions
  // the agent cannot see).
  std::vector<LockQueue> queues;
  for (const auto& walk : walks) {
    const std::size_t root = walk.front().first;
    const int waiting = behind[root] + (sessions[root].waiting() ? 1 : 0);
    if (waiting == 0) continue;
    LockQueue q;
    q.waiting = waiting;
    for (const auto& [at, depth] : walk)
      q.nodes.push_back(LockNode{sessions[at], depth, behind[at]});
    tree.waiting += waiting;
    queues.push_back(std::move(q));
  }
  std::ranges::sort(queues, [](const LockQueue& a, const LockQueue& b) {
    if (a.waiting != b.waiting) return a.waiting > b.waiting;
    if (a.head_wait_s() != b.head_wait_s()) return a.head_wait_s() > b.head_wait_s();
    return a.root().session.pid < b.root().session.pid;
  });

  // The bound: whole queues while they fit, then what fits of the next; a queue gets at least
  // its root and head or is left out (and counted).
  std::size_t room = max_sessions;
  for (auto& q : queues) {
    if (room < std::min<std::size_t>(2, q.nodes.size())) {
      ++tree.queues_cut;
      continue;
    }
    if (q.nodes.size() > room) {
      for (auto k = room; k < q.nodes.size(); ++k) {
        if (q.nodes[k].session.waiting()) ++q.cut;
      }
      q.nodes.resize(room);
    }
    room -= q.nodes.size();
    tree.queues.push_back(std::move(q));
  }
  return tree;
}

std::string queue_summary(const LockQueue& q) {
  const auto& head = q.head().session;
  const auto& root = q.root().session;
  std::string out = head.query.empty() ? fmt::format("pid {}", head.pid)
                                       : common::cut_chars(head.query, kSummaryStatement);
  out += fmt::format(" (pid {}, {}) waiting {} for {}", head.pid, who(head),
                     common::format_elapsed(wait_of(head)), lock_phrase(head));
  if (&q.head() == &q.root()) {
    out += " behind sessions not in view (ended, or hidden from the agent's role)";
  } else {
    out += fmt::format(" behind pid {} ({}, {})", root.pid, state_phrase(root), who(root));
  }
  const int queued = q.head().behind;
  if (queued > 0) {
    out += fmt::format("; {} session{} queued behind it", queued, queued == 1 ? "" : "s");
  }
  const int others = q.waiting - 1 - queued;
  if (others > 0) {
    out += fmt::format("; {} more waiting on pid {}", others, root.pid);
  }
  return out;
}

std::string session_line(const LockSession& s) {
  std::string out = fmt::format("pid {} {} ", s.pid, who(s));
  if (s.waiting()) {
    out += fmt::format("waits {} for {}", common::format_elapsed(wait_of(s)), lock_phrase(s));
  } else {
    out += state_phrase(s);
  }
  if (!s.query.empty()) out += ": " + s.query;
  return out;
}

CheckResult locks_check(const LockTree& tree, const config::LocksSection& locks) {
  CheckResult c;
  c.name = "postgres:locks";
  c.gates_readiness = false;
  c.observed_unit = "s";
  // A tree read shows the waits as they are now; the activity statement's count is older.
  const int waiting = tree.unread.empty() ? tree.waiting : tree.waiting_seen;
  if (waiting == 0) {
    c.status = CheckStatus::pass;
    c.message = "no session waits on a lock";
    c.observed_value = 0.0;
    return c;
  }
  c.status = CheckStatus::warn;
  if (tree.queues.empty()) {
    c.message = fmt::format("{} session{} waiting on locks; who blocks whom is unknown: {}",
                            waiting, waiting == 1 ? "" : "s", tree.unread);
    return c;
  }
  const double head_wait = tree.longest_head_wait_s();
  c.observed_value = head_wait;
  const std::size_t queues = tree.queues.size() + static_cast<std::size_t>(tree.queues_cut);
  c.message = fmt::format("{} session{} waiting in {} lock queue{}: {}", tree.waiting,
                          tree.waiting == 1 ? "" : "s", queues, queues == 1 ? "" : "s",
                          queue_summary(tree.queues.front()));
  if (locks.critical_after.count() > 0 &&
      head_wait * 1000 >= static_cast<double>(locks.critical_after.count())) {
    c.status = CheckStatus::fail;
    c.error = ErrorClass::lock_queue;
    c.gates_readiness = locks.gates_readiness;
    c.message += fmt::format(
        " (critical: a head waited over locks.critical_after {})",
        common::format_elapsed(static_cast<double>(locks.critical_after.count()) / 1000));
  }
  return c;
}

}  // namespace opsagent::probes
