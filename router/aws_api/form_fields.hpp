// The body of an EC2 or Query protocol request (application/x-www-form-urlencoded, as botocore's
// serializer writes it: `Action=DescribeVpcs&Version=2016-11-15&Filter.1.Name=tag%3AName`) as fields in
// their order, and back. Bounded: a body of more fields than the limit is refused, not decoded.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace vpclab::aws_api {

struct FormField {
    std::string name;
    std::string value;
    bool operator==(const FormField&) const = default;
};

// No request botocore makes for vpclab's actions comes near this (a filter of 200 values is ~200 fields).
constexpr std::size_t max_form_fields = 10000;

// Decodes `body` into `out` ('+' is a space, %XX a byte). False with `error` naming the first problem: a
// bad escape, an empty name, too many fields.
bool decode_form(std::string_view body, std::vector<FormField>& out, std::string& error);

// Encodes fields as botocore does (urlencode: unreserved characters as they are, a space as '+', the rest %XX).
std::string encode_form(const std::vector<FormField>& fields);

}  // namespace vpclab::aws_api
