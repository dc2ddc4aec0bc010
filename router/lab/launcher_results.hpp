// What the event loop does with the launcher's finished work: TAPs installed on the data path, instances
// turned running or terminated, failed launches and attachments undone. Apart from the loop so unit tests
// drive it without namespaces.
#pragma once

#include <string>
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

// Never throws: a commit that fails is logged (the model stays as it was). A launch that succeeded has its
// TAPs installed (it forwards while pending) and its instance ID added to `ready`, for mark_running: the
// caller decides when, so that a burst of launches makes a few commits rather than one per instance.
void apply_launcher_result(RouterState& state, LauncherResult& result, TapSink& taps, std::vector<std::string>& ready) noexcept;

// One commit that turns running every instance in `ready` still pending (one terminated meanwhile stays as
// it is), then empties `ready`. Never throws (a failed commit is logged).
void mark_running(RouterState& state, std::vector<std::string>& ready) noexcept;

}  // namespace vpclab::router
