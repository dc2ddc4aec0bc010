// Health checks: which targets to probe, from which node, when; probe results into target states.
#include "router/load_balancing/health_checker.hpp"

#include <algorithm>

#include "endpoints/proxy_protocol.hpp"

namespace vpclab::router {

namespace {

using routing::TargetHealth;
using routing::TargetState;

// Why a registered target cannot be checked now (ELB API reference, "TargetHealth": `unused` reasons), or
// nothing when it can: `node` is then the node to check it from.
std::optional<TargetHealth> unusable(const routing::VpcModel& m, const routing::TargetGroup& g, const routing::Target& t,
                                     const routing::LoadBalancer* lb, std::string* node) {
    if (!lb) return TargetHealth{TargetState::unused, "Target.NotInUse", "Target group is not configured to receive traffic from the load balancer"};
    if (g.target_type == "instance") {
        const auto& all = m.instances();
        const auto inst = std::find_if(all.begin(), all.end(), [&](const routing::Instance& i) { return i.id == t.id; });
        if (inst == all.end()) return TargetHealth{TargetState::unused, "Target.InvalidState", "Target is in the terminated state"};
        if (inst->state != routing::InstanceState::running)
            return TargetHealth{TargetState::unused, "Target.InvalidState", std::string("Target is in the ") + routing::name_of(inst->state) + " state"};
    }
    for (std::size_t i = 0; i < lb->subnet_ids.size(); ++i)
        if (m.subnet(lb->subnet_ids[i]).availability_zone == t.availability_zone) {
            *node = lb->network_interface_ids[i];
            return std::nullopt;
        }
    return TargetHealth{TargetState::unused, "Target.NotInUse", "Target is in an Availability Zone that is not enabled for the load balancer"};
}

int listener_port(const routing::VpcModel& m, const routing::TargetGroup& g) {
    for (const auto& l : m.listeners())
        if (l.target_group_arn == g.id) return l.port;
    return g.port;
}

}  // namespace

bool HealthChecker::has_work(const routing::VpcModel& model) {
    return std::any_of(model.target_groups().begin(), model.target_groups().end(), [](const routing::TargetGroup& g) { return !g.targets.empty(); });
}

int HealthChecker::free_slot() const {
    for (std::size_t i = 0; i < slot_used_.size(); ++i)
        if (!slot_used_[i]) return static_cast<int>(i);
    return -1;
}

void HealthChecker::release(Check& check, FlowState& flows) {
    if (check.slot < 0) return;
    const auto slot = static_cast<std::size_t>(check.slot);
    const HealthProbe& p = flows.health_probes[slot];
    // The probe's connection ends with it: what the target's security groups tracked of it goes too, so
    // nothing of it outlives the probe (the next one, from another port, is judged by the groups as they are).
    if (p.node_tcp_port) forget_tracked_flow(flows.connections, p.target_port, 6, p.target_ip, p.target_tcp_port, p.node_ip, p.node_tcp_port);
    flows.health_probes.finish(slot);
    slot_used_[slot] = false;
    check.slot = -1;
}

void HealthChecker::tick(RouterState& state, FlowState& flows, wire::Bytes scratch, FrameSink& sink, std::uint64_t now_ms, std::int64_t wall_seconds) {
    const routing::VpcModel& m = *state.model;
    struct Change {
        std::string group, target;
        int port;
        TargetHealth health;
    };
    std::vector<Change> changes;
    bool drained = false;
    for (auto& [key, check] : checks_) check.seen = false;
    for (const auto& g : m.target_groups()) {
        const routing::LoadBalancer* lb = m.load_balancer_of(g);
        const auto& hc = g.health_check;
        for (const auto& t : g.targets) {
            if (t.draining()) {
                drained = drained || t.draining_until <= wall_seconds;
                continue;
            }
            const std::string key = g.id + "|" + t.id + "|" + std::to_string(t.port);
            Check& check = checks_[key];
            check.seen = true;
            bool settled = false;
            auto settle = [&](const TargetHealth& h) {
                if (!(h == t.health)) changes.push_back({g.id, t.id, t.port, h});
                settled = true;
            };
            std::string node_id;
            if (const auto why = unusable(m, g, t, lb, &node_id)) {
                release(check, flows);
                check.counters = {};
                check.next_ms = 0;
                settle(*why);
                continue;
            }
            if (t.health.state == TargetState::unused) {  // usable again (started, or its group now used): checked afresh
                settle(TargetHealth{TargetState::initial, "Elb.InitialHealthChecking", "Initial health checks in progress"});
                continue;
            }
            // The probe in flight: finished, or out of time.
            if (check.slot >= 0) {
                const HealthProbe& p = flows.health_probes[static_cast<std::size_t>(check.slot)];
                const bool timed_out = now_ms >= check.deadline_ms;
                if (p.finished() || timed_out) {
                    const bool passed = p.phase == HealthProbe::Phase::passed && (hc.protocol == "TCP" || routing::http_code_matches(hc.matcher, p.http_status));
                    release(check, flows);
                    settle(routing::after_health_check(t.health, check.counters, passed, hc));
                }
            }
            if (check.slot >= 0 || now_ms < check.next_ms) continue;
            // Due: a new probe from the node in the target's zone.
            const int slot = free_slot();
            if (slot < 0) continue;  // 1,024 probes in flight: the rest wait for the next tick
            const routing::NetworkInterface& node = m.network_interface(node_id);
            const auto& snap = *state.snapshot;
            HealthProbe probe;
            probe.node_ip = node.private_ip;
            probe.target_tcp_port = static_cast<std::uint16_t>(hc.port == "traffic-port" ? t.port : std::stoi(hc.port));
            if (g.target_type == "instance") {
                const routing::NetworkInterface& eni = m.network_interface(m.instance(t.id).network_interface_ids.front());
                probe.target_ip = eni.private_ip;
                probe.target_port = eni.port;
            } else {
                probe.target_ip = *routing::parse_ipv4(t.id);
                probe.target_port = snap.port_by_address(snap.port(node.port).vpc, probe.target_ip);
            }
            if (hc.protocol != "TCP")
                // ELB NLB guide: the Host header carries the node's address and the listener's port.
                // With proxy protocol v2 the check's connection starts with a LOCAL header, as a client's
                // starts with its PROXY header (ELB NLB guide, "Proxy protocol": health checks).
                check.request = std::string(g.proxy_protocol_v2 ? endpoints::proxy_v2_local_header() : std::string_view()) + "GET " + hc.path + " HTTP/1.1\r\nHost: " + routing::format_ipv4(node.private_ip) + ":" +
                                std::to_string(listener_port(m, g)) + "\r\nUser-Agent: ELB-HealthChecker/2.0\r\nConnection: close\r\n\r\n";
            else
                check.request.clear();
            probe.request = check.request;
            const std::uint32_t isn = static_cast<std::uint32_t>(routing::stable_hash(key, now_ms));
            const std::size_t length = flows.health_probes.start(static_cast<std::size_t>(slot), probe, isn, scratch.subspan(generated_packet_offset));
            slot_used_[static_cast<std::size_t>(slot)] = true;
            check.slot = slot;
            check.deadline_ms = now_ms + static_cast<std::uint64_t>(hc.timeout_seconds) * 1000 / static_cast<std::uint64_t>(speedup_);
            check.next_ms = now_ms + static_cast<std::uint64_t>(hc.interval_seconds) * 1000 / static_cast<std::uint64_t>(speedup_);
            if (snap.is_eni(probe.target_port)) send_from_load_balancer_node(snap, node.port, probe.target_port, length, scratch, sink, flows);
            if (!settled && t.health.reason == "Elb.RegistrationInProgress")
                settle(TargetHealth{TargetState::initial, "Elb.InitialHealthChecking", "Initial health checks in progress"});
        }
    }
    for (auto it = checks_.begin(); it != checks_.end();) {
        if (it->second.seen) {
            ++it;
            continue;
        }
        release(it->second, flows);
        it = checks_.erase(it);
    }
    if (changes.empty() && !drained) return;
    try {
        state.commit([&](routing::VpcModel& next) {
            for (const auto& c : changes) next.set_target_health(c.group, c.target, c.port, c.health);
            next.finish_draining(wall_seconds);
            return 0;
        });
    } catch (const std::exception&) {
        // A commit that fails changes nothing in the model: these results are lost (the checks go on, and the
        // next results decide), and finished drains are found again at the next tick.
    }
}

}  // namespace vpclab::router
