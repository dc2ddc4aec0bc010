// The API actions vpclab serves (EC2 and ELBv2): the single registry of actions, with the aws CLI's command and option names
// (for the client), the filters each describe call takes, and the router's handler. Each resource family
// contributes its entries from router/control/ec2/<family>.cpp.
#pragma once

#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace vpclab::router {

struct RouterState;

struct ParamSpec {
    // flag: a switch (--allow-reassociation); attribute_boolean: EC2's AttributeBooleanValue, given as
    // '{"Value":true}', 'Value=true', a bare --option (true) or --no-option (false), sent as {"Value": bool};
    // boolean: a --option / --no-option pair sent as true/false; structures: one or more structures, each in
    // the aws CLI's shorthand (Key=Name,Value=web) or as JSON, sent as a list of objects.
    enum class Kind { string, list, filters, flag, attribute_boolean, boolean, structures };
    const char* option;  // aws CLI option, e.g. "--route-table-id"
    const char* name;    // EC2 API parameter, e.g. "RouteTableId"
    Kind kind;
    bool required;
    // Where the API has no such member (botocore's model does not), why: the aws CLI's own option, which it
    // turns into API members before sending (--count into MinCount/MaxCount), or a member newer than the
    // embedded model. Over the wire such a parameter never comes; tests/unit/aws_endpoint_test.cpp checks
    // that every other parameter is a member of the model.
    const char* not_in_model = nullptr;
};

// Serves one action on the router: `params` passed the spec's checks; changes go through state.commit().
using Ec2Handler = nlohmann::ordered_json (*)(const nlohmann::json& params, RouterState& state);

struct ActionSpec {
    const char* command;  // aws CLI command, e.g. "create-route"
    const char* action;   // EC2 API action, e.g. "CreateRoute"
    const char* summary;
    std::vector<ParamSpec> params;
    Ec2Handler handler = nullptr;
    // Describe calls: the filter names taken (the EC2 API reference's list, as far as vpclab's resources
    // carry the field; tag:<key> is always accepted).
    std::vector<std::string_view> filters = {};
    // The aws CLI service the command belongs to: "ec2" (`vpclab ec2 …`), "elbv2", "logs", or "cloudformation"
    // (over the wire only: `vpclab aws cloudformation …`).
    const char* service = "ec2";
};

const std::vector<ActionSpec>& ec2_actions();
const ActionSpec* find_action_by_command(std::string_view command, std::string_view service = "ec2");
const ActionSpec* find_action(std::string_view action);

// Each family's entries (router/control/ec2/<family>.cpp), in the order `vpclab ec2 help` lists them.
std::vector<ActionSpec> vpc_actions();
std::vector<ActionSpec> subnet_actions();
std::vector<ActionSpec> route_table_actions();
std::vector<ActionSpec> internet_gateway_actions();
std::vector<ActionSpec> nat_gateway_actions();
std::vector<ActionSpec> vpc_peering_actions();
std::vector<ActionSpec> transit_gateway_actions();
std::vector<ActionSpec> key_pair_actions();
std::vector<ActionSpec> address_actions();
std::vector<ActionSpec> security_group_actions();
std::vector<ActionSpec> network_acl_actions();
std::vector<ActionSpec> instance_actions();
std::vector<ActionSpec> network_interface_actions();
std::vector<ActionSpec> prefix_list_actions();
std::vector<ActionSpec> vpc_endpoint_actions();
std::vector<ActionSpec> endpoint_service_actions();
std::vector<ActionSpec> tag_actions();
std::vector<ActionSpec> network_insights_actions();
std::vector<ActionSpec> flow_log_actions();
std::vector<ActionSpec> traffic_mirroring_actions();
std::vector<ActionSpec> log_actions();  // router/control/logs/log_groups.cpp (service logs)
std::vector<ActionSpec> load_balancer_actions();  // router/control/elbv2/load_balancers.cpp (service elbv2)
std::vector<ActionSpec> cloudformation_actions();  // router/control/cloudformation/stacks.cpp (service cloudformation)
std::vector<ActionSpec> cloudformation_change_actions();  // router/control/cloudformation/stack_changes.cpp

}  // namespace vpclab::router
