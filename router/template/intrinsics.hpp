// Evaluates CloudFormation intrinsic functions (Ref, Fn::GetAtt, Fn::Select, Fn::GetAZs, Fn::Sub, Fn::Join,
// Fn::Base64) over a template node, and finds what a node refers to (for ordering resources).
#pragma once

#include <functional>
#include <optional>
#include <map>
#include <string>

#include "router/template/template_node.hpp"

namespace vpclab::cfn {

struct EvalContext {
    std::string file;
    std::string resource;  // label for errors, e.g. "jhVPC (AWS::EC2::VPC)"
    std::string region;
    // Resolves a Ref to a parameter, pseudo parameter or resource; nullopt if the name is unknown.
    std::function<std::optional<Node>(const std::string& name)> ref;
    // Resolves Fn::GetAtt; throws TemplateError itself for unknown attributes.
    std::function<Node(const std::string& resource, const std::string& attribute, int line)> get_att;
};

// Returns `node` with every intrinsic replaced by its value. Properties and list items whose value is
// AWS::NoValue are removed. Throws TemplateError naming the line of the offending call.
Node evaluate(const Node& node, const EvalContext& ctx, const std::string& property);

// Names referred to by Ref, Fn::GetAtt and Fn::Sub inside `node` (resources and parameters alike), each
// with the line of its first use.
void collect_references(const Node& node, std::map<std::string, int>& names);

// Availability zones of a region: <region>a … <region>d (enough for any lab; the seeds use a and c).
std::vector<std::string> availability_zones(const std::string& region);


}  // namespace vpclab::cfn
