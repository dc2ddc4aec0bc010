// Where a running stack keeps its files (/run/vpclab/<stack>/), and the ledger of what it created.
//
// The ledger is written *before* each namespace is made, so that `vpclab down` can remove everything even
// when the router died mid-setup or was killed with SIGKILL (DESIGN.md §6, "Everything created is removed").
//
// A stack name becomes a path under /run/vpclab and a prefix of namespace names, and `down` removes what
// those name as root: every path here is built from a name that passed valid_stack_name, and every ledger
// entry is checked to be one of the stack's own namespaces before anything is done with it.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace vpclab::router {

constexpr const char* state_root = "/run/vpclab";

// Stack names become paths and namespace names: letters, digits and '-', starting with a letter, at most
// 64 characters (CloudFormation allows 128; the shorter bound keeps namespace names readable). So no
// name is empty, ".", "..", or contains '/'.
bool valid_stack_name(const std::string& name, std::string* why = nullptr);

// Thrown where a path would be built from a name that is not a valid stack name.
struct InvalidStackName : std::invalid_argument {
    using std::invalid_argument::invalid_argument;
};

struct StackPaths {
    std::filesystem::path dir, control_socket, pid_file, ledger, log;
    std::filesystem::path gateway_endpoints;  // the table the region's web server reads (gateway_endpoint_table.hpp)
    std::filesystem::path aws_api_socket;     // the AWS API on a Unix socket, for the region's HTTPS relay
    // Throws InvalidStackName (saying why) unless valid_stack_name(stack_name).
    static StackPaths of(const std::string& stack_name);
};

// Whether `netns` can be a namespace of `stack`: "<stack>-…", a legal file name (at most 255 bytes) of the
// characters namespace names are made of. Ledger entries that are not are never acted on.
bool is_stack_namespace(const std::string& stack, const std::string& netns);

class Ledger {
public:
    explicit Ledger(std::filesystem::path file) : file_(std::move(file)) {}
    void record_namespace(const std::string& netns);
    // Removes an entry again: the namespace it named could not be made because it already existed, so it is
    // not this stack's to remove.
    void forget_namespace(const std::string& netns);
    // Every "netns" entry, as written (callers check them with is_stack_namespace).
    std::vector<std::string> namespaces() const;

private:
    std::filesystem::path file_;
};

// Stacks with a state directory, running or not: directories (not symlinks) under /run/vpclab whose name
// is a valid stack name.
std::vector<std::string> known_stacks();
// Whether the stack has a state directory.
bool stack_exists(const std::string& stack_name) noexcept;
// The router's PID if the pid file names a live vpclab router process, else 0.
int live_router_pid(const std::string& stack_name);
// Removes every namespace the ledger lists that is the stack's own, then the state directory. Idempotent;
// never throws (a half-made stack, unreadable entries and over-long names included). Returns the
// namespaces it removed.
std::vector<std::string> remove_stack_leftovers(const std::string& stack_name) noexcept;
// Only the first half: the namespaces (all at once) and the instances' storage mounts; the state
// directory stays. The router calls it before closing its TAPs, so that the kernel deletes them with
// their namespaces in one batch.
std::vector<std::string> remove_stack_namespaces(const std::string& stack_name) noexcept;

// The name the router process gives itself (prctl PR_SET_NAME), checked before signalling a PID.
constexpr const char* router_process_name = "vpclab-router";

}  // namespace vpclab::router
