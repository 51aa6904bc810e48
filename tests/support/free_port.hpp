// Free TCP ports on the loopback interface for throwaway servers (Postgres clusters, agents).
// Thread-safety: free_tcp_port() may be called from any thread.
#pragma once

namespace opsagent::testing {

// A port on 127.0.0.1 that nothing listened on a moment ago. The kernel can hand it out again
// before the caller binds it, so this is best effort; ports already returned by this process
// are never returned twice, which removes the likeliest collision (two helpers in one test).
int free_tcp_port();

}  // namespace opsagent::testing
