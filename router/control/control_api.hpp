// Serves control requests: EC2 actions on the lab's model, and vpclab's own (ls, stats, shutdown).
#pragma once

#include <nlohmann/json.hpp>

#include "router/router_state.hpp"

namespace vpclab::router {

// request: {"Action": "CreateRoute", "Params": {...}}
// reply:   {"ok": true, "result": {...}} or {"ok": false, "error": {"Code": …, "Message": …}}
// The reply keeps the member order of the EC2 API's response shapes (ordered_json).
nlohmann::ordered_json handle_control_request(const nlohmann::json& request, RouterState& state);

}  // namespace vpclab::router
