// An EC2 API error: the code and message the aws CLI prints ("An error occurred (Code) when calling …").
#pragma once

#include <stdexcept>
#include <string>

namespace vpclab::routing {

// Thrown by control-plane operations only (never on the data path). Codes follow the EC2 API error list.
// `parameter` names the request parameter at fault (e.g. "CidrBlock"), which is also the CloudFormation
// property name, so the template loader can point at the right line.
class ApiError : public std::runtime_error {
public:
    ApiError(std::string code, const std::string& message, std::string parameter = {})
        : std::runtime_error(message), code_(std::move(code)), parameter_(std::move(parameter)) {}
    const std::string& code() const { return code_; }
    const std::string& parameter() const { return parameter_; }

private:
    std::string code_;
    std::string parameter_;
};

}  // namespace vpclab::routing
