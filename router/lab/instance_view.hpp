// An instance's own files on the host, under /run/vpclab/<stack>/<instance-id>/: the upper layers of its
// /etc and /var and its /root, /home and /tmp (instance_init.hpp mounts them), made from Amazon Linux's
// defaults and its UserData, and removed with it.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "instance/instance_files.hpp"

namespace vpclab::router {

struct InstanceViewPaths {
    std::filesystem::path dir;  // /run/vpclab/<stack>/<instance-id>: /etc's upper layer is dir/etc, /var's dir/var, …
    std::filesystem::path work() const { return dir / ".overlay-work"; }
    std::filesystem::path init_pid() const { return dir / "init.pid"; }
    // Where a path of the instance is kept on the host: /var/www/html/index.html → dir/var/www/html/index.html.
    std::filesystem::path host_path(const std::string& instance_path) const { return dir / instance_path.substr(1); }
    // Throws InvalidStackName for a stack name that is not valid.
    static InstanceViewPaths of(const std::string& stack, const std::string& instance_id);
};

// The directories the instance keeps as its own: overlays (upper layers over the host's) and plain binds.
inline constexpr const char* overlaid_directories[] = {"/etc", "/var"};
inline constexpr const char* own_directories[] = {"/root", "/home", "/tmp"};

// The stack's SSH host key (Dropbear's format), made once with dropbearkey; "" when Dropbear is not
// installed. Every instance of a stack presents it (on EC2 each instance makes its own at first boot): one
// key per lab keeps the instances' known_hosts short and says which lab answered.
std::string ensure_stack_host_key(const std::filesystem::path& stack_dir);

// The programs the instance's servers are; empty when not installed.
std::string dropbear_path();
std::string busybox_path();

// The instance's own files live on a tmpfs of their own, of this size, mounted at paths.dir: what an instance
// writes (its /tmp, logs, copies of /etc) can fill that, never the host's /run.
inline constexpr const char* instance_storage_size = "256m";
void mount_instance_storage(const InstanceViewPaths& paths);

// Writes the files under paths.dir with their modes and owners; opaque directories and whiteouts (overlayfs's
// own markers) hide the host's entries they name. Throws std::runtime_error naming the path.
void write_instance_files(const InstanceViewPaths& paths, const instance::InstanceFiles& files);

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

// Unmounts and removes the instance's directory (its processes must be gone: delete_named_netns kills
// them). Never throws.
void remove_instance_view(const InstanceViewPaths& paths) noexcept;

}  // namespace vpclab::router
