// Applies the launcher's results to the router's state: the second half of runtime instance actions.
#include "router/lab/launcher_results.hpp"

#include <spdlog/spdlog.h>

#include <ctime>

namespace vpclab::router {

namespace {

template <class Change>
bool commit_or_log(RouterState& state, const char* what, Change&& change) noexcept {
    try {
        state.commit([&](routing::VpcModel& next) {
            change(next);
            return 0;
        });
        return true;
    } catch (const std::exception& e) {
        spdlog::error("{}: {}", what, e.what());
        return false;
    }
}

const routing::Instance* find_instance(const routing::VpcModel& m, const std::string& id) {
    for (const auto& i : m.instances())
        if (i.id == id) return &i;
    return nullptr;
}

}  // namespace

void apply_launcher_result(RouterState& state, LauncherResult& r, TapSink& taps, std::vector<std::string>& ready) noexcept try {
    using routing::InstanceState;
    const routing::VpcModel& m = *state.model;
    const routing::Instance* inst = find_instance(m, r.instance_id);
    switch (r.kind) {
        case LauncherJob::Kind::launch:
            if (!r.error.empty()) {
                // EC2 User Guide, "Troubleshoot instance launch issues" ("instance terminates immediately"):
                // a launch that fails ends terminated, with the reason (unless the user terminated it first);
                // the launcher removed what it had made.
                spdlog::warn("instance {} failed to launch: {}", r.instance_id, r.error);
                const std::string reason = "Server.InternalError: " + r.error;
                commit_or_log(state, "recording a failed launch", [&](routing::VpcModel& next) {
                    next.terminate_instance(r.instance_id, reason);
                    next.finish_termination(r.instance_id, std::time(nullptr));
                });
                state.plan.remove_instance(r.instance_id);
            } else if (inst && inst->state == InstanceState::pending) {
                // Only the TAPs of ENIs still attached to it (one may have been detached meanwhile).
                std::vector<PortTap> unwanted;
                for (auto& [port, tap] : r.taps) {
                    const routing::NetworkInterface* eni = m.interface_on_port(port);
                    if (eni && eni->instance_id == inst->id) taps.install(port, std::move(tap));
                    else unwanted.emplace_back(port, std::move(tap));
                }
                taps.discard(std::move(unwanted));
                ready.push_back(r.instance_id);
            } else {
                taps.discard(std::move(r.taps));  // terminated while it was being built
            }
            break;
        case LauncherJob::Kind::attach: {
            // The attachment this TAP was made for, still in place (not detached, or attached anew, meanwhile).
            const routing::NetworkInterface* eni = nullptr;
            for (const auto& e : m.network_interfaces())
                if (e.id == r.eni_id && !e.attachment_id.empty() && e.attachment_id == r.attachment_id) eni = &e;
            const bool wanted = eni && inst && eni->instance_id == inst->id && inst->forwards();
            if (r.error.empty() && wanted) {
                for (auto& [port, tap] : r.taps) taps.install(port, std::move(tap));
            } else if (!r.error.empty() && wanted) {
                spdlog::warn("attaching {} to {} failed: {}", r.eni_id, r.instance_id, r.error);
                const std::string attachment = eni->attachment_id;
                commit_or_log(state, "undoing a failed attachment", [&](routing::VpcModel& next) { next.detach_network_interface(attachment); });
            } else {
                taps.discard(std::move(r.taps));
            }
            break;
        }
        case LauncherJob::Kind::carrier:
            break;  // nothing to apply: the links inside changed
        case LauncherJob::Kind::make_key:
            break;  // the loop keeps keys made ahead (EventLoop::key_material)
        case LauncherJob::Kind::teardown:
            if (inst && inst->state == InstanceState::shutting_down) {
                commit_or_log(state, "marking an instance terminated", [&](routing::VpcModel& next) { next.finish_termination(r.instance_id, std::time(nullptr)); });
                state.plan.remove_instance(r.instance_id);  // its namespace name is free again
            }
            break;
    }
} catch (const std::exception& e) {
    spdlog::error("applying the launcher's result for {}: {}", r.instance_id, e.what());
}

void mark_running(RouterState& state, std::vector<std::string>& ready) noexcept {
    if (ready.empty()) return;
    std::vector<std::string> marked;
    const bool committed = commit_or_log(state, "marking instances running", [&](routing::VpcModel& next) {
        for (const auto& id : ready)
            if (const routing::Instance* inst = find_instance(next, id); inst && inst->state == routing::InstanceState::pending) {
                next.set_instance_state(id, routing::InstanceState::running);
                marked.push_back(id);
            }
    });
    if (committed)
        for (const auto& id : marked) spdlog::info("instance {} running", id);
    ready.clear();
}

}  // namespace vpclab::router
