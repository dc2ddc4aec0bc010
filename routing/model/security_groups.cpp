// The security group family of the model.
#include "routing/vpc_model.hpp"

#include "routing/model/model_rules.hpp"

namespace vpclab::routing {

SecurityGroup& VpcModel::create_security_group(const std::string& logical_id, const std::string& vpc_id,
                                               const std::string& group_name, const std::string& description,
                                               std::vector<SecurityGroupRule> ingress,
                                               std::optional<std::vector<SecurityGroupRule>> egress,
                                               std::vector<Tag> tags) {
    vpc(vpc_id);
    if (description.empty())
        throw ApiError("MissingParameter", "The request must contain the parameter GroupDescription", "GroupDescription");
    const std::string id = new_id("sg", logical_id);
    // CloudFormation names an unnamed group "<stack>-<logical id>-<suffix>"; keep it recognisable.
    const std::string name = group_name.empty() ? stack_name() + "-" + logical_id + "-" + id.substr(3, 12) : group_name;
    for (const auto& g : security_groups_)
        if (g.vpc_id == vpc_id && g.group_name == name)
            throw ApiError("InvalidGroup.Duplicate", "The security group '" + name + "' already exists for VPC '" + vpc_id + "'", "GroupName");
    auto check_rules = [&](const std::vector<SecurityGroupRule>& rules, const char* parameter) {
        for (const auto& r : rules) {
            if (!r.source_group_id.empty()) security_group(r.source_group_id);
            if (!r.cidr && r.source_group_id.empty())
                throw ApiError("InvalidParameterValue", "A security group rule needs a CidrIp or a source security group", parameter);
        }
    };
    check_rules(ingress, "SecurityGroupIngress");
    if (egress) check_rules(*egress, "SecurityGroupEgress");
    SecurityGroup g;
    g.logical_id = logical_id;
    g.id = id;
    g.tags = std::move(tags);
    g.group_name = name;
    g.description = description;
    g.vpc_id = vpc_id;
    g.ingress = std::move(ingress);
    // No egress given: AWS adds "allow all outbound".
    g.egress = egress ? std::move(*egress) : std::vector<SecurityGroupRule>{SecurityGroupRule{"-1", -1, -1, Cidr{0, 0}, "", ""}};
    security_groups_.push_back(std::move(g));
    return security_groups_.back();
}

}  // namespace vpclab::routing
