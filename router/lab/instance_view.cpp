// An instance's files on the host: written from Amazon Linux's defaults and its UserData, removed with it.
#include "router/lab/instance_view.hpp"

#include <spdlog/spdlog.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "instance/password_hash.hpp"
#include "router/lab/instance_init.hpp"
#include "router/lab/process_spawn.hpp"
#include "router/lab/stack_state.hpp"

namespace fs = std::filesystem;

namespace vpclab::router {

namespace {

std::string first_executable(std::initializer_list<const char*> candidates) {
    for (const char* c : candidates)
        if (::access(c, X_OK) == 0) return c;
    return "";
}

void set_owner_and_mode(const fs::path& p, unsigned mode, unsigned uid, unsigned gid) {
    if (::chown(p.c_str(), uid, gid) != 0 || ::chmod(p.c_str(), mode) != 0)
        throw std::runtime_error("cannot set owner and mode of " + p.string() + ": " + std::strerror(errno));
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

bool under_overlay(const std::string& path) {
    for (const char* d : overlaid_directories)
        if (path.rfind(std::string(d) + "/", 0) == 0) return true;
    return false;
}

}  // namespace

InstanceViewPaths InstanceViewPaths::of(const std::string& stack, const std::string& instance_id) {
    return {StackPaths::of(stack).dir / instance_id};
}

std::string dropbear_path() { return first_executable({"/usr/sbin/dropbear", "/sbin/dropbear"}); }
std::string busybox_path() { return first_executable({"/usr/bin/busybox", "/bin/busybox"}); }

std::string ensure_stack_host_key(const fs::path& stack_dir) {
    const fs::path key = stack_dir / "ssh_host_ed25519_key";
    if (fs::exists(key)) return key.string();
    const std::string keygen = first_executable({"/usr/bin/dropbearkey", "/bin/dropbearkey"});
    if (keygen.empty() || dropbear_path().empty()) return "";
    // Made under another name and renamed: a key half-written by a killed dropbearkey is never taken.
    const fs::path partial = stack_dir / "ssh_host_ed25519_key.partial";
    fs::remove(partial);
    if (run_process(keygen, {"dropbearkey", "-t", "ed25519", "-f", partial.string()}) != 0 || !fs::exists(partial))
        throw std::runtime_error("dropbearkey could not make the stack's SSH host key " + key.string());
    fs::rename(partial, key);
    return key.string();
}

void mount_instance_storage(const InstanceViewPaths& paths) {
    std::error_code ec;
    fs::create_directories(paths.dir, ec);
    if (ec) throw std::runtime_error("cannot create " + paths.dir.string() + ": " + ec.message());
    const std::string options = std::string("mode=0755,size=") + instance_storage_size;
    if (::mount("vpclab-instance", paths.dir.c_str(), "tmpfs", MS_NOSUID, options.c_str()) != 0)
        throw std::runtime_error("cannot mount the instance's storage on " + paths.dir.string() + ": " + std::strerror(errno));
}

void write_instance_files(const InstanceViewPaths& paths, const instance::InstanceFiles& files) {
    // A path is used as the bytes it is: one with a NUL would be cut short by the kernel (carry_out fails the
    // UserData lines that name one, so none should come here).
    auto whole = [](const std::string& path) {
        if (path.find('\0') != std::string::npos) throw std::runtime_error("refusing a file name with a NUL byte: " + instance::printable(path));
    };
    for (const auto& [path, dir] : files.directories) whole(path);
    for (const auto& path : files.hidden) whole(path);
    for (const auto& [path, file] : files.files) whole(path);
    std::error_code ec;
    fs::create_directories(paths.dir, ec);
    if (ec) throw std::runtime_error("cannot create " + paths.dir.string() + ": " + ec.message());
    ::chmod(paths.dir.c_str(), 0755);
    // The upper layers take the place of /etc and /var at their top: same modes as the host's.
    for (const char* d : overlaid_directories) {
        struct stat st {};
        const fs::path upper = paths.host_path(d);
        fs::create_directories(upper);
        fs::create_directories(paths.work() / (d + 1));
        if (::stat(d, &st) == 0) set_owner_and_mode(upper, st.st_mode & 07777, st.st_uid, st.st_gid);
    }
    for (const auto& [path, dir] : files.directories) {
        const fs::path p = paths.host_path(path);
        fs::create_directories(p, ec);
        if (ec) throw std::runtime_error("cannot create " + p.string() + ": " + ec.message());
    }
    for (const auto& [path, dir] : files.directories) {
        const fs::path p = paths.host_path(path);
        set_owner_and_mode(p, dir.mode, dir.uid, dir.gid);
        // overlayfs(5) "whiteouts and opaque directories": the host's directory of that name is not merged in.
        if (dir.opaque && under_overlay(path) && ::setxattr(p.c_str(), "trusted.overlay.opaque", "y", 1, 0) != 0)
            throw std::runtime_error("cannot mark " + p.string() + " opaque: " + std::strerror(errno));
    }
    for (const auto& path : files.hidden) {
        // A whiteout: a character device 0/0 in the upper layer hides the lower entry.
        const fs::path p = paths.host_path(path);
        fs::create_directories(p.parent_path(), ec);
        if (!under_overlay(path) || (::mknod(p.c_str(), S_IFCHR | 0000, makedev(0, 0)) != 0 && errno != EEXIST))
            throw std::runtime_error("cannot hide " + path + " from the instance: " + std::strerror(errno));
    }
    for (const auto& [path, file] : files.files) {
        const fs::path p = paths.host_path(path);
        fs::create_directories(p.parent_path(), ec);
        std::ofstream out(p, std::ios::binary | std::ios::trunc);
        out << file.content;
        out.close();
        if (!out) throw std::runtime_error("cannot write " + p.string());
        set_owner_and_mode(p, file.mode, file.uid, file.gid);
    }
}

void make_instance_view(const InstanceViewSpec& spec) {
    const InstanceViewPaths paths = InstanceViewPaths::of(spec.stack, spec.instance_id);
    instance::InstanceIdentity identity;
    for (const auto& [name, content] : spec.etc_files) identity.etc_files[name] = content;
    identity.authorized_key = spec.authorized_key;
    instance::InstanceFiles files =
        instance::amazon_linux_files(identity, instance::accounts_with_ec2_user(read_file("/etc/passwd"), read_file("/etc/group")));
    const auto script = instance::parse_user_data(spec.user_data);
    instance::carry_out(files, script, static_cast<long>(std::time(nullptr) / 86400), instance::hash_password);
    std::string log;
    for (const auto& line : instance::what_became_of(files, script)) log += "vpclab: UserData " + line + "\n";
    if (spec.user_data.empty()) log = "vpclab: this instance has no UserData\n";
    files.files["/var/log/cloud-init-output.log"].content = log;

    const std::string host_key = ensure_stack_host_key(StackPaths::of(spec.stack).dir);
    if (host_key.empty()) spdlog::warn("{}: no SSH server (Dropbear is not installed; scripts/setup.sh installs dropbear-bin)", spec.instance_id);
    else files.files["/etc/ssh/ssh_host_ed25519_key"] = {read_file(host_key), 0600, 0, 0};
    mount_instance_storage(paths);
    write_instance_files(paths, files);

    InstanceInit init;
    init.stack = spec.stack;
    init.instance_id = spec.instance_id;
    init.netns = spec.netns;
    init.hostname = spec.hostname;
    init.sshd = !host_key.empty();
    init.sshd_options = instance::dropbear_options(instance::read_sshd_config(files.files.at("/etc/ssh/sshd_config").content));
    if (files.web.running) {
        if (busybox_path().empty()) spdlog::warn("{}: no web server (busybox is not installed; scripts/setup.sh installs it)", spec.instance_id);
        else init.web_access_log = files.web.access_log;
    }
    start_instance_init(init);
}

void remove_instance_view(const InstanceViewPaths& paths) noexcept {
    ::umount2(paths.dir.c_str(), MNT_DETACH);  // not mounted (a launch that failed early): EINVAL, nothing to do
    std::error_code ec;
    fs::remove_all(paths.dir, ec);
}

}  // namespace vpclab::router
