// Where a running stack keeps its files (/run/vpclab/<stack>/), and the ledger of what it created.
//
// The ledger is written *before* each namespace is made, so that `vpclab down` can remove everything even
// when the router died mid-setup or was killed with SIGKILL (DESIGN.md §6, "Everything created is removed").
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace vpclab::router {

constexpr const char* state_root = "/run/vpclab";

struct StackPaths {
    std::filesystem::path dir, control_socket, pid_file, ledger, log;
    static StackPaths of(const std::string& stack_name);
};

// Stack names become paths and namespace names: letters, digits and '-', starting with a letter, at most
// 64 characters (CloudFormation allows 128; the shorter bound keeps namespace names readable).
bool valid_stack_name(const std::string& name, std::string* why = nullptr);

class Ledger {
public:
    explicit Ledger(std::filesystem::path file) : file_(std::move(file)) {}
    void record_namespace(const std::string& netns);
    std::vector<std::string> namespaces() const;

private:
    std::filesystem::path file_;
};

// Stacks with a state directory, running or not.
std::vector<std::string> known_stacks();
// The router's PID if the pid file names a live vpclab router process, else 0.
int live_router_pid(const std::string& stack_name);
// Removes everything the ledger lists, then the state directory. Idempotent; never throws.
// Returns the namespaces it removed.
std::vector<std::string> remove_stack_leftovers(const std::string& stack_name);

// The name the router process gives itself (prctl PR_SET_NAME), checked before signalling a PID.
constexpr const char* router_process_name = "vpclab-router";

}  // namespace vpclab::router
