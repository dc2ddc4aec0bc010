// Evaluates CloudFormation intrinsic functions (Ref, Fn::GetAtt, Fn::Select, Fn::GetAZs, Fn::Sub, Fn::Join,
// Fn::Base64) over a template node, and finds what a node refers to (for ordering resources).
//
// A template is data: whatever it says, evaluating it builds a bounded amount. Each intrinsic works out the
// size of what it would build before building it, and refuses (TemplateError: file, line, resource and
// property) a string longer than its bound or a value that would take the template past its budget.
#pragma once

#include <functional>
#include <optional>
#include <map>
#include <string>

#include "router/template/template_node.hpp"

namespace vpclab::cfn {

// Any one string an intrinsic builds: at most the template's own size limit (max_template_bytes).
constexpr std::size_t max_built_string_bytes = max_template_bytes;
// UserData (EC2 User Guide, "Run commands when you launch an EC2 instance with user data input": "user data
// is limited to 16 KB, in raw form, before it is base64-encoded"): Fn::Base64's argument there is at most
// 16 KiB, and what it encodes at most that in base64 (21,848 bytes).
constexpr std::size_t max_user_data_raw_bytes = 16 * 1024;
// Everything the intrinsics of one template build, together (each copy a Ref or Fn::GetAtt makes counts,
// with its nodes): 8 MiB. The largest seed builds under 30 KB; a template at CloudFormation's own quotas
// (parameter values of 4,096 bytes) would need hundreds of resources of 16 KiB UserData to come near it.
constexpr std::size_t max_built_template_bytes = 8u << 20;
// CloudFormation User Guide, "AWS CloudFormation quotas": a parameter value is at most 4,096 bytes.
constexpr std::size_t max_parameter_value_bytes = 4096;

struct EvalContext {
    std::string file;
    std::string resource;  // label for errors, e.g. "jhVPC (AWS::EC2::VPC)"
    std::string region;
    // Resolves a Ref to a parameter, pseudo parameter or resource; nullopt if the name is unknown.
    std::function<std::optional<Node>(const std::string& name)> ref;
    // Resolves Fn::GetAtt; throws TemplateError itself for unknown attributes.
    std::function<Node(const std::string& resource, const std::string& attribute, int line)> get_att;
    // Bytes the template's intrinsics may still build (shared by all its resources); nullptr: each call of
    // evaluate() has max_built_template_bytes of its own.
    std::size_t* budget = nullptr;
};

// The bytes a value takes as a tree of nodes (each node and its text): what copying it costs.
std::size_t node_bytes(const Node& n);

// Returns `node` with every intrinsic replaced by its value. Properties and list items whose value is
// AWS::NoValue are removed. Throws TemplateError naming the line of the offending call.
Node evaluate(const Node& node, const EvalContext& ctx, const std::string& property);

// Names referred to by Ref, Fn::GetAtt and Fn::Sub inside `node` (resources and parameters alike), each
// with the line of its first use.
void collect_references(const Node& node, std::map<std::string, int>& names);

// Availability zones of a region: <region>a … <region>d (enough for any lab; the seeds use a and c).
std::vector<std::string> availability_zones(const std::string& region);


}  // namespace vpclab::cfn
