// The vpclab subcommands; each takes the arguments after its name and returns the process exit status.
#pragma once

#include <string>
#include <vector>

namespace vpclab::router {

using Args = std::vector<std::string>;

int command_up(const Args& args);
int command_down(const Args& args);
int command_ls(const Args& args);
int command_stats(const Args& args);
int command_trace(const Args& args);
// router/cli/console_commands.cpp
int command_console(const Args& args);
int command_diagram(const Args& args);
int command_capture(const Args& args);  // router/cli/capture_command.cpp
int command_logs_tail(const Args& args);
int command_exec(const Args& args);
int command_shell(const Args& args);
int command_ec2(const Args& args);
// router/cli/aws_commands.cpp: the real aws CLI and SDKs on a lab's AWS endpoint
int command_endpoint(const Args& args);
int command_aws_env(const Args& args);
int command_aws(const Args& args);
// `vpclab SERVICE COMMAND …` for an API service of the action registry: "ec2" or "elbv2".
int command_api(const std::string& service, const Args& args);
// Internal: the region's web server, started by the router inside the region namespace.
int command_region_http(const Args& args);
int command_region_https(const Args& args);  // the region's HTTPS relay for the AWS APIs (router/region_https_server.hpp)
int command_instance_init(const Args& args);

// Exit statuses, as the aws CLI uses them: 252 bad usage, 254 the service refused the request.
constexpr int exit_usage = 252;
constexpr int exit_api_error = 254;

}  // namespace vpclab::router
