// The EC2 actions vpclab serves, with the aws CLI's command and option names, shared by client and router.
#pragma once

#include <string_view>
#include <vector>

namespace vpclab::router {

struct ParamSpec {
    // flag: a switch (--allow-reassociation); attribute_boolean: EC2's AttributeBooleanValue, given as
    // '{"Value":true}', 'Value=true', a bare --option (true) or --no-option (false), sent as {"Value": bool}.
    enum class Kind { string, list, filters, flag, attribute_boolean };
    const char* option;  // aws CLI option, e.g. "--route-table-id"
    const char* name;    // EC2 API parameter, e.g. "RouteTableId"
    Kind kind;
    bool required;
};

struct ActionSpec {
    const char* command;  // aws CLI command, e.g. "create-route"
    const char* action;   // EC2 API action, e.g. "CreateRoute"
    const char* summary;
    std::vector<ParamSpec> params;
};

const std::vector<ActionSpec>& ec2_actions();
const ActionSpec* find_action_by_command(std::string_view command);
const ActionSpec* find_action(std::string_view action);

}  // namespace vpclab::router
