// The aws CLI's --query for the paths people use in scripts (a subset of JMESPath: Vpc.VpcId,
// Subnets[0].SubnetId, Reservations[].Instances[].InstanceId, RouteTables[*].RouteTableId), and its
// --output text layout for what such a path selects.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace vpclab::router {

// Throws UsageError naming what is not supported (filters [?…], multi-select, functions).
nlohmann::ordered_json apply_query(const nlohmann::ordered_json& document, const std::string& expression);

// --output text: a scalar on its own; a list of scalars tab-separated on one line; lists of lists and
// objects one line per item (an object's scalar members tab-separated, in order).
std::string text_output(const nlohmann::ordered_json& value);

}  // namespace vpclab::router
