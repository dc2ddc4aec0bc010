// The registry of EC2 actions: every family's entries, looked up by aws CLI command or EC2 action name.
#include "router/control/ec2_actions.hpp"

namespace vpclab::router {

const std::vector<ActionSpec>& ec2_actions() {
    static const std::vector<ActionSpec> actions = [] {
        std::vector<ActionSpec> all;
        for (auto family : {vpc_actions, subnet_actions, route_table_actions, internet_gateway_actions, nat_gateway_actions, vpc_peering_actions, transit_gateway_actions, key_pair_actions, address_actions,
                            security_group_actions, network_acl_actions, instance_actions, network_interface_actions, prefix_list_actions, vpc_endpoint_actions, endpoint_service_actions, tag_actions, network_insights_actions, flow_log_actions, traffic_mirroring_actions, log_actions,
                            load_balancer_actions, cloudformation_actions})
            for (auto& a : family()) all.push_back(std::move(a));
        return all;
    }();
    return actions;
}

const ActionSpec* find_action_by_command(std::string_view command, std::string_view service) {
    for (const auto& a : ec2_actions())
        if (command == a.command && service == a.service) return &a;
    return nullptr;
}

const ActionSpec* find_action(std::string_view action) {
    for (const auto& a : ec2_actions())
        if (action == a.action) return &a;
    return nullptr;
}

}  // namespace vpclab::router
