// Percent-encoding (RFC 3986 §2.1) as the AWS wire protocols use it: SigV4's canonical URI and query
// (unreserved characters kept, everything else %XX, a space %20) and form-encoded bodies (a space '+').
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace vpclab::aws_api {

// Appends `in` to `out`, decoding %XX (and '+' as a space when `plus_is_space`). False at the first
// escape that is not %XX, with its offset in `bad_at` (what was decoded before it is in `out`).
bool percent_decode(std::string_view in, bool plus_is_space, std::string& out, std::size_t& bad_at);

// Appends `in` to `out` with every byte but A–Z a–z 0–9 - _ . ~ (and '/' when `keep_slash`) as %XX, a space
// as '+' when `space_as_plus`.
void percent_encode(std::string_view in, std::string& out, bool keep_slash, bool space_as_plus);

}  // namespace vpclab::aws_api
