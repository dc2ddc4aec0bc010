// `vpclab endpoint`, `vpclab aws-env` and `vpclab aws`: the real aws CLI and the SDKs pointed at a lab's
// AWS endpoint (127.0.0.1) with the stack's own credentials files.
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <iostream>

#include "router/aws_api/stack_credentials.hpp"
#include "router/cli/commands.hpp"
#include "router/cli/options.hpp"
#include "router/lab/stack_state.hpp"

namespace vpclab::router {

namespace {

struct StackEndpoint {
    std::string stack, url, region;
    aws_api::CredentialFiles files;
};

StackEndpoint endpoint_of(const std::optional<std::string>& stack_name) {
    StackEndpoint out;
    out.stack = resolve_stack(stack_name);
    const auto listing = ok_result(call_stack(out.stack, "Vpclab.ListLab"));
    out.url = listing.value("AwsEndpoint", std::string());
    out.region = listing.value("Region", std::string());
    if (out.url.empty()) throw UsageError("stack " + out.stack + " has no AWS endpoint (its router predates it: `vpclab down` and `up` again)");
    out.files = aws_api::credential_files(StackPaths::of(out.stack).dir);
    return out;
}

// The installed aws CLI: Debian's (/usr/bin/aws) first, since a PATH may hold an older one first.
std::string aws_program() {
    if (::access("/usr/bin/aws", X_OK) == 0) return "/usr/bin/aws";
    return "aws";
}

// Options before the aws CLI's own arguments: --stack-name only (`--` ends them).
std::optional<std::string> take_stack_name(Args& args) {
    std::optional<std::string> stack;
    while (!args.empty()) {
        if (args.front() == "--") {
            args.erase(args.begin());
            break;
        }
        if (args.front() == "--stack-name" && args.size() >= 2) {
            stack = checked_stack_name(args[1]);
            args.erase(args.begin(), args.begin() + 2);
        } else if (args.front().rfind("--stack-name=", 0) == 0) {
            stack = checked_stack_name(args.front().substr(13));
            args.erase(args.begin());
        } else {
            break;
        }
    }
    return stack;
}

}  // namespace

int command_endpoint(const Args& args) {
    po::options_description options("vpclab endpoint options");
    options.add_options()("stack-name", po::value<std::string>(), "stack");
    const auto vm = parse_options(args, options, {}, "vpclab endpoint [--stack-name N]");
    std::cout << endpoint_of(optional_string(vm, "stack-name")).url << '\n';
    return 0;
}

int command_aws_env(const Args& args) {
    po::options_description options("vpclab aws-env options");
    options.add_options()("stack-name", po::value<std::string>(), "stack");
    const auto vm = parse_options(args, options, {}, "vpclab aws-env [--stack-name N]");
    const StackEndpoint e = endpoint_of(optional_string(vm, "stack-name"));
    std::cout << "# the aws CLI and boto3 with stack " << e.stack << "'s credentials; then: aws --endpoint-url " << e.url << " ec2 describe-vpcs\n"
              << "export AWS_SHARED_CREDENTIALS_FILE=" << e.files.credentials.string() << '\n'
              << "export AWS_CONFIG_FILE=" << e.files.config.string() << '\n'
              << "export AWS_PROFILE=" << aws_api::credentials_profile << '\n'
              << "export AWS_DEFAULT_REGION=" << e.region << '\n'
              << "export AWS_EC2_METADATA_DISABLED=true\n"
              << "export AWS_ENDPOINT_URL=" << e.url << "  # read by newer aws CLIs and SDKs; Debian's 2.9 needs --endpoint-url\n";
    return 0;
}

int command_aws(const Args& args) {
    Args rest = args;
    const auto stack = take_stack_name(rest);
    if (rest.empty()) throw UsageError("usage: vpclab aws [--stack-name N] SERVICE COMMAND [options]  (the aws CLI, with the lab's endpoint and credentials)");
    const StackEndpoint e = endpoint_of(stack);
    ::setenv("AWS_SHARED_CREDENTIALS_FILE", e.files.credentials.c_str(), 1);
    ::setenv("AWS_CONFIG_FILE", e.files.config.c_str(), 1);
    ::setenv("AWS_PROFILE", aws_api::credentials_profile, 1);
    ::setenv("AWS_DEFAULT_REGION", e.region.c_str(), 1);
    ::setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    ::unsetenv("AWS_ACCESS_KEY_ID");  // the environment's keys would win over the profile's
    ::unsetenv("AWS_SECRET_ACCESS_KEY");
    ::unsetenv("AWS_SESSION_TOKEN");
    const std::string program = aws_program();
    std::vector<std::string> argv_text{program, "--endpoint-url", e.url};
    argv_text.insert(argv_text.end(), rest.begin(), rest.end());
    std::vector<char*> argv;
    for (auto& a : argv_text) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execvp(program.c_str(), argv.data());
    throw std::runtime_error("cannot run " + program + ": " + std::strerror(errno) + " (install the aws CLI: apt-get install awscli)");
}

}  // namespace vpclab::router
