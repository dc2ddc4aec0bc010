// The wildcard match EC2's describe filters and CloudWatch Logs' filter patterns share (EC2 API reference,
// Filter: "* specifies that zero or more characters must match, and ? specifies that exactly one character
// must match. Use a backslash to escape special characters.").
#pragma once

#include <string_view>

namespace vpclab::routing {

bool wildcard_match(std::string_view pattern, std::string_view value);

}  // namespace vpclab::routing
