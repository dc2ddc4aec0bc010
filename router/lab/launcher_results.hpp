// What the event loop does with the launcher's finished work: TAPs installed on the data path, instances
// turned running or terminated, failed launches and attachments undone. Apart from the loop so unit tests
// drive it without namespaces.
#pragma once

#include <vector>

#include "router/lab/instance_launcher.hpp"
#include "router/router_state.hpp"

namespace vpclab::router {

// Where TAPs go: onto the data path, or away (closed off the loop).
class TapSink {
public:
    virtual void install(routing::PortId port, tap::TapDevice tap) = 0;
    virtual void discard(std::vector<PortTap> taps) = 0;

protected:
    ~TapSink() = default;
};

// Never throws: a commit that fails is logged (the model stays as it was).
void apply_launcher_result(RouterState& state, LauncherResult& result, TapSink& taps) noexcept;

}  // namespace vpclab::router
