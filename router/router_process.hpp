// Brings a loaded lab up as a router process (background by default) and runs it until shutdown.
#pragma once

#include "endpoints/region_catalog.hpp"
#include "router/template/template_loader.hpp"

namespace vpclab::router {

struct UpOptions {
    bool foreground = false;
    endpoints::PublicAddressPlan public_addresses;  // the simulated public range (--public-cidr)
    std::size_t max_tracked_connections = 131072;   // --max-tracked-connections
    int health_check_speedup = 1;                   // --health-check-speedup
    int flow_log_speedup = 1;                       // --flow-log-speedup
    int workers = 1;                                // --workers
    bool batched_tap_writes = true;                 // --tap-writes io_uring (true) or write
    int nat_idle_timeout = 350;                     // --nat-idle-timeout
    int ovn_chassis = 0;                            // --backend ovn --chassis N (0: the userspace backend)
};

// Creates the lab's namespaces and TAPs and serves them. In the background mode the calling process
// returns (exit code 0) once the router answers on its control socket, or with the reason it failed,
// having removed what it made. In the foreground it returns when the router stops.
int bring_up(cfn::LoadedLab lab, const UpOptions& options);

}  // namespace vpclab::router
