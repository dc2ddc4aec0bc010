// Base64 (RFC 4648 §4), as EC2 carries UserData and CloudFormation's Fn::Base64 makes it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace vpclab::instance {

std::string base64_encode(std::string_view data);
// nullopt for text that is not base64 (a wrong character, bad padding, a length that is not a multiple
// of four); whitespace (line breaks of wrapped base64) is ignored.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace vpclab::instance
