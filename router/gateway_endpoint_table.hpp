// The VPC endpoints as the region's web server needs them: which endpoint (and VPC, service, type and
// policy) stands behind each endpoint slot. The router writes the table to the stack's directory after every
// change; the server, a separate process, reads it when a request arrives at an endpoint's address.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "routing/vpc_model.hpp"

namespace vpclab::router {

struct PublishedEndpoint {
    std::uint32_t slot = 0;
    std::string endpoint_id, vpc_id, service_name;
    std::string endpoint_type;    // "Gateway" or "Interface"
    std::string policy_document;  // compact JSON
};

// One line per endpoint: slot, ID, VPC, service, type, policy (tab-separated; the policy as compact JSON).
std::string gateway_endpoint_table(const routing::VpcModel& model);
// The entry for `slot` in a table's text, if any (malformed lines are skipped).
std::optional<PublishedEndpoint> find_published_endpoint(const std::string& table_text, std::uint32_t slot);

// Replaces `file` atomically (write, then rename) when its text differs from `published`, what this
// process last wrote there (or the file is missing), and then remembers it; false if it could not.
bool publish_gateway_endpoints(const std::filesystem::path& file, const routing::VpcModel& model, std::string& published) noexcept;

}  // namespace vpclab::router
