// Reachability Analyzer's findings from a dry run: the path components each leg crossed, and when the path
// is not found the explanation codes AWS documents, in the EC2 API's shapes (PathComponent, Explanation).
//
// The analysis is the trace's dry run (dry_run.hpp) read differently: the same steps, named as AWS names the
// components that took them. Codes come from the Reachability Analyzer Guide, "Reachability Analyzer
// explanation codes"; none is invented. Control-plane code (it allocates).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "router/trace/dry_run.hpp"
#include "routing/vpc_model.hpp"

namespace vpclab::router {

// What a path asked to reach, so that a delivery elsewhere is not taken for the destination.
struct PathDestination {
    enum class Kind { address, network_interface, internet_gateway, vpc_endpoint, load_balancer };
    Kind kind = Kind::address;
    std::string id;  // eni-…, igw-…, vpce-…, or the load balancer's ARN
    routing::PortIndex port = routing::no_port;  // network_interface: its port
};

struct PathFindings {
    bool found = false;
    nlohmann::ordered_json forward = nlohmann::ordered_json::array();  // ForwardPathComponents
    nlohmann::ordered_json back = nlohmann::ordered_json::array();     // ReturnPathComponents
    nlohmann::ordered_json explanations = nlohmann::ordered_json::array();
};

// The findings of `run` (its packet sent from the path's source) for a path to `to`.
PathFindings path_findings(const routing::VpcModel& model, const routing::ForwardingSnapshot& snapshot, const DryRun& run, const PathDestination& to);

// arn:aws:ec2:<region>:<account>:<type>/<id> for an EC2 resource ID (i-, eni-, sg-, …); an ARN stays as it is.
std::string ec2_resource_arn(const routing::VpcModel& model, const std::string& id);

}  // namespace vpclab::router
