// The Filters of EC2 describe calls: which names each call takes, what a name selects from a resource's
// JSON, and how values match (EC2 API reference, Filter: "* specifies that zero or more characters must
// match, and ? specifies that exactly one character must match. Use a backslash to escape special
// characters.").
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "routing/wildcard_match.hpp"

namespace vpclab::router {

// The filter names `action` supports here (a subset of the EC2 API reference's list for it; `tag:<key>`
// is always accepted), or nullptr if the action takes no filters.
const std::vector<std::string_view>* supported_filters(std::string_view action);

// Checks Filters as the EC2 API takes them: [{"Name": "vpc-id", "Values": ["vpc-…", …]}, …], at most 50
// filters of at most 200 values (FilterLimitExceeded), each name one the action supports
// (InvalidParameterValue "The filter 'x' is invalid", as EC2 answers). Throws routing::ApiError.
void check_filters(std::string_view action, const std::string& param, const nlohmann::json& filters);

// The values a filter name selects from a resource's JSON (booleans as "true"/"false").
std::vector<std::string> filter_values(const nlohmann::ordered_json& resource, std::string_view filter);

// EC2's wildcard match of one filter value against one resource value (shared with filter patterns).
using routing::wildcard_match;

// Every filter matches (AND); within one, any value matches (OR). `params` passed check_filters.
bool matches_filters(const nlohmann::ordered_json& resource, const nlohmann::json& params);

}  // namespace vpclab::router
