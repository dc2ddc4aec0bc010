// The load balancers' health checks, driven by the event loop (ELB NLB guide, "Health checks for Network
// Load Balancer target groups"): each registered target of a group a listener uses is probed from the node
// in its Availability Zone every HealthCheckIntervalSeconds, a probe failing after HealthCheckTimeoutSeconds;
// thresholds turn the results into the states describe-target-health shows, committed to the model (so
// the next snapshot's listeners send new flows by them). Targets that cannot be checked are `unused` with
// AWS's reason; drained targets are removed when their deregistration delay is over.
//
// `speedup` (vpclab up --health-check-speedup) divides the interval and timeout, for classes and tests
// that cannot wait AWS's minutes; the configured values are what the API shows.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "router/data_path/flow_state.hpp"
#include "router/data_path/pipeline.hpp"
#include "router/router_state.hpp"

namespace vpclab::router {

class HealthChecker {
public:
    explicit HealthChecker(int speedup = 1) : speedup_(speedup < 1 ? 1 : speedup) {}

    // Collects finished and timed-out probes, starts the probes that are due (writing their SYNs to the
    // targets through `sink`), and commits health changes and finished drains. `now_ms`: a monotonic clock;
    // `wall_seconds`: seconds since the epoch (deregistration delays end by it).
    void tick(RouterState& state, FlowState& flows, wire::Bytes scratch, FrameSink& sink, std::uint64_t now_ms, std::int64_t wall_seconds);
    // Whether any target group has targets (the loop then wakes often enough to check them).
    static bool has_work(const routing::VpcModel& model);

private:
    struct Check {
        routing::HealthCounters counters;
        std::uint64_t next_ms = 0, deadline_ms = 0;
        int slot = -1;         // the probe in flight, or -1
        std::string request;   // an HTTP check's request (the probe reads it from here)
        bool seen = false;     // still wanted, in this tick's walk
    };
    int free_slot() const;
    void release(Check& check, FlowState& flows);

    int speedup_;
    std::map<std::string, Check> checks_;  // by target group ARN, target ID and port
    std::vector<bool> slot_used_ = std::vector<bool>(HealthProbes::slots);
};

}  // namespace vpclab::router
