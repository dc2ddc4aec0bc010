// An instance's own view of the filesystem: its files under /run/vpclab/<stack>/<instance-id>/, and the
// instance's init (`vpclab __instance-init`), which holds its mount and UTS namespaces (/etc and /var as
// overlays of the host's, /root, /home and /tmp its own, its hostname) and runs its SSH and web servers.
// `vpclab exec`, `shell` and everything the instance runs enter those namespaces.
#pragma once

#include <filesystem>
#include <string>
#include <sys/types.h>
#include <vector>

#include "instance/instance_files.hpp"

namespace vpclab::router {

struct InstanceViewPaths {
    std::filesystem::path dir;  // /run/vpclab/<stack>/<instance-id>: /etc's upper layer is dir/etc, /var's dir/var, …
    std::filesystem::path work() const { return dir / ".overlay-work"; }
    std::filesystem::path init_pid() const { return dir / "init.pid"; }
    std::filesystem::path sshd_pid() const { return dir / "sshd.pid"; }
    // Where a path of the instance is kept on the host: /var/www/html/index.html → dir/var/www/html/index.html.
    std::filesystem::path host_path(const std::string& instance_path) const { return dir / instance_path.substr(1); }
    static InstanceViewPaths of(const std::string& stack, const std::string& instance_id);
};

// The directories the instance keeps as its own: overlays (upper layers over the host's) and plain binds.
inline constexpr const char* overlaid_directories[] = {"/etc", "/var"};
inline constexpr const char* own_directories[] = {"/root", "/home", "/tmp"};

// The stack's SSH host key, made once with dropbearkey; "" when Dropbear is not installed. Every instance
// of a stack presents it (on EC2 each instance makes its own at first boot): a key per lab keeps the
// instances' known_hosts short and says which lab answered.
std::string ensure_stack_host_key(const std::filesystem::path& stack_dir);

// The programs the instance's servers are; empty when not installed (the instance then has no such server,
// and `vpclab up` says so).
std::string dropbear_path();
std::string busybox_path();

// Writes the files under paths.dir, with their modes and owners. Throws std::runtime_error naming the path.
void write_instance_files(const InstanceViewPaths& paths, const instance::InstanceFiles& files);

struct InstanceInit {
    std::string netns, hostname;
    InstanceViewPaths paths;
    std::string host_key;                     // "" : no SSH server
    std::vector<std::string> sshd_options;    // dropbear_options of the instance's sshd_config
    std::string web_access_log;               // "" : no web server; else the log's path in the instance
};

// Starts the instance's init and waits (at most 10 s) until its namespaces are made and its servers
// started; returns its PID (also in paths.init_pid()). Throws with what the init reported.
pid_t start_instance_init(const InstanceInit& init);

// The PID of the instance's live init, or 0: paths.init_pid() names a process called vpclab-instance
// whose network namespace is `netns`'s.
pid_t live_instance_init(const InstanceViewPaths& paths, const std::string& netns);

// Runs in `vpclab __instance-init`: makes the namespaces and servers, reports "ready" (or "error: …") on
// fd 1, then stays as the namespaces' holder until killed. Returns the process's exit status.
int run_instance_init(const InstanceInit& init);
inline constexpr const char* instance_init_process_name = "vpclab-instance";

// Everything an instance's view is made from: names, the /etc files it shares with /etc/netns/<ns>/, and
// its UserData (decoded) and key.
struct InstanceViewSpec {
    std::string stack, instance_id, netns, hostname;
    std::vector<std::pair<std::string, std::string>> etc_files;
    std::string user_data;       // the script, decoded; empty: none
    std::string authorized_key;  // OpenSSH public key line; empty: none
};

// Makes the instance's files (Amazon Linux's, then its UserData carried out on them; what became of each
// line in its /var/log/cloud-init-output.log, as cloud-init keeps it) and starts its init. Throws, leaving
// the directory for remove_instance_view.
void make_instance_view(const InstanceViewSpec& spec);

// Removes the instance's directory (its processes must be gone: delete_named_netns kills them). Never throws.
void remove_instance_view(const InstanceViewPaths& paths) noexcept;

}  // namespace vpclab::router
