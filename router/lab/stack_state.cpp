// Stack state files: paths, ledger, liveness of the router, and removal of leftovers.
#include "router/lab/stack_state.hpp"

#include <signal.h>
#include <sys/mount.h>

#include <algorithm>
#include <fstream>

#include "tap/network_namespace.hpp"

namespace vpclab::router {

namespace fs = std::filesystem;

bool valid_stack_name(const std::string& name, std::string* why) {
    auto fail = [&](const char* w) {
        if (why) *why = "stack name '" + name + "' " + w;
        return false;
    };
    if (name.empty() || name.size() > 64) return fail("must be 1 to 64 characters");
    if (!std::isalpha(static_cast<unsigned char>(name[0]))) return fail("must start with a letter");
    for (char c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return fail("may only contain letters, digits and '-'");
    return true;
}

StackPaths StackPaths::of(const std::string& stack) {
    std::string why;
    if (!valid_stack_name(stack, &why)) throw InvalidStackName(why);
    StackPaths p;
    p.dir = fs::path(state_root) / stack;
    p.control_socket = p.dir / "control.sock";
    p.pid_file = p.dir / "router.pid";
    p.ledger = p.dir / "created";
    p.log = p.dir / "router.log";
    p.gateway_endpoints = p.dir / "gateway-endpoints";
    p.aws_api_socket = p.dir / "aws-api.sock";
    return p;
}

bool is_stack_namespace(const std::string& stack, const std::string& netns) {
    if (!valid_stack_name(stack) || netns.size() <= stack.size() + 1 || netns.compare(0, stack.size() + 1, stack + "-") != 0)
        return false;
    return tap::valid_netns_name(netns);
}

void Ledger::record_namespace(const std::string& netns) {
    std::ofstream out(file_, std::ios::app);
    out << "netns " << netns << '\n';
    out.flush();
    if (!out) throw std::runtime_error("cannot write " + file_.string());
}

void Ledger::forget_namespace(const std::string& netns) {
    std::ifstream in(file_);
    std::string kept, line;
    while (std::getline(in, line))
        if (line != "netns " + netns) kept += line + '\n';
    in.close();
    std::ofstream out(file_, std::ios::trunc);
    out << kept;
    if (!out) throw std::runtime_error("cannot write " + file_.string());
}

std::vector<std::string> Ledger::namespaces() const {
    std::vector<std::string> out;
    std::ifstream in(file_);
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("netns ", 0) == 0) out.push_back(line.substr(6));
    return out;
}

std::vector<std::string> known_stacks() {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(state_root, ec)) {
        const std::string name = entry.path().filename().string();
        std::error_code status_ec;
        if (valid_stack_name(name) && entry.symlink_status(status_ec).type() == fs::file_type::directory) out.push_back(name);
    }
    std::sort(out.begin(), out.end());
    return out;
}

bool stack_exists(const std::string& stack) noexcept {
    if (!valid_stack_name(stack)) return false;
    std::error_code ec;
    return fs::symlink_status(fs::path(state_root) / stack, ec).type() == fs::file_type::directory;
}

int live_router_pid(const std::string& stack) {
    if (!valid_stack_name(stack)) return 0;
    std::ifstream in(StackPaths::of(stack).pid_file);
    int pid = 0;
    if (!(in >> pid) || pid <= 0) return 0;
    // After a kill -9 the PID may be reused by an unrelated process: check its name before trusting it,
    // and a killed router may linger as a zombie until its parent reaps it: that is not alive either.
    // /proc/<pid>/stat is "pid (comm) state …"; comm is at most 15 characters and ours has no ')'.
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(stat, line);
    const auto open = line.find('('), close = line.rfind(')');
    if (open == std::string::npos || close == std::string::npos || close + 2 >= line.size()) return 0;
    const std::string name = line.substr(open + 1, close - open - 1);
    const char state = line[close + 2];
    return name == router_process_name && state != 'Z' && state != 'X' ? pid : 0;
}

std::vector<std::string> remove_stack_namespaces(const std::string& stack) noexcept {
    std::vector<std::string> removed;
    try {
        if (!valid_stack_name(stack)) return removed;
        const StackPaths paths = StackPaths::of(stack);
        std::vector<std::string> ours;
        for (const auto& netns : Ledger(paths.ledger).namespaces()) {
            if (!is_stack_namespace(stack, netns)) continue;  // not ours: never act on it
            std::error_code ec;
            if (tap::named_netns_exists(netns) || fs::exists(fs::path(tap::netns_etc_dir) / netns, ec)) removed.push_back(netns);
            ours.push_back(netns);
        }
        tap::delete_named_netns_all(ours);
        // The instances' storage (a tmpfs each, at i-…/ in the stack's own directory, a real directory and
        // not a symlink) is unmounted: their processes died with their namespaces.
        std::error_code ec;
        if (fs::symlink_status(paths.dir, ec).type() == fs::file_type::directory)
            for (const auto& entry : fs::directory_iterator(paths.dir, ec))
                if (entry.path().filename().string().rfind("i-", 0) == 0) ::umount2(entry.path().c_str(), MNT_DETACH);
    } catch (...) {
        // Removal is best effort and idempotent: whatever is left, a second `down` tries again.
    }
    return removed;
}

std::vector<std::string> remove_stack_leftovers(const std::string& stack) noexcept {
    std::vector<std::string> removed = remove_stack_namespaces(stack);
    try {
        if (!valid_stack_name(stack)) return removed;
        // Only the stack's own directory: /run/vpclab/<valid name>, a real directory and not a symlink.
        const StackPaths paths = StackPaths::of(stack);
        std::error_code ec;
        if (fs::symlink_status(paths.dir, ec).type() == fs::file_type::directory) fs::remove_all(paths.dir, ec);
    } catch (...) {
        // Removal is best effort and idempotent: whatever is left, a second `down` tries again.
    }
    return removed;
}

}  // namespace vpclab::router
