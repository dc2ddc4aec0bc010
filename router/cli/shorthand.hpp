// The aws CLI's shorthand syntax for structure parameters ("Key=Name,Value=web",
// "ResourceType=instance,Tags=[{Key=Name,Value=web}]"), parsed into the JSON the API takes. Scalars stay
// strings; the router reads "true", "1", … where a boolean or number is meant, as the aws CLI converts them.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace vpclab::router {

// One structure: key=value pairs separated by commas; a value is a scalar, a [list] of values, a
// {structure}, or (as the aws CLI allows for the last key) several scalars separated by commas, which make
// a list. Throws UsageError naming the position of what it cannot read.
nlohmann::json parse_shorthand(const std::string& text);

// A structures option's value: JSON (an object, or a list of objects) if it starts with '{' or '[', else shorthand.
nlohmann::json parse_structures(const std::string& option, const std::string& text);

}  // namespace vpclab::router
