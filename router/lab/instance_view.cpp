// An instance's files on the host, and its init: the process that holds its mount and UTS namespaces and
// runs its SSH and web servers.
#include "router/lab/instance_view.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "instance/password_hash.hpp"
#include "router/lab/stack_state.hpp"
#include "tap/network_namespace.hpp"

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

ino_t inode_of(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

// What the child of fork() runs: only async-signal-safe calls (the router has threads).
[[noreturn]] void exec_child(const char* program, const std::vector<char*>& argv, int stdout_fd, int stderr_fd) {
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);  // the launcher thread blocks every signal; a server must not
    const int null_fd = ::open("/dev/null", O_RDWR);
    ::dup2(null_fd, 0);
    ::dup2(stdout_fd >= 0 ? stdout_fd : null_fd, 1);
    ::dup2(stderr_fd >= 0 ? stderr_fd : null_fd, 2);
    ::execv(program, argv.data());
    ::_exit(127);
}

std::vector<char*> c_argv(std::vector<std::string>& args) {
    std::vector<char*> out;
    for (auto& a : args) out.push_back(a.data());
    out.push_back(nullptr);
    return out;
}

// Whether something in this network namespace listens on TCP `port` (/proc/self/net/tcp{,6}: state 0A).
bool listening_on(int port) {
    char hex_port[8];
    std::snprintf(hex_port, sizeof hex_port, ":%04X", port);
    for (const char* file : {"/proc/self/net/tcp", "/proc/self/net/tcp6"}) {
        std::ifstream in(file);
        std::string line;
        std::getline(in, line);  // header
        while (std::getline(in, line)) {
            std::istringstream fields(line);
            std::string slot, local, remote, state;
            fields >> slot >> local >> remote >> state;
            if (state == "0A" && local.size() > 5 && local.compare(local.size() - 5, 5, hex_port) == 0) return true;
        }
    }
    return false;
}

// `args[0]` is the name the server runs under (what ps shows); its stderr goes to `log` in the instance.
pid_t start_server(const std::string& program, std::vector<std::string> args, const std::string& log) {
    const int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    auto argv = c_argv(args);
    const pid_t pid = ::fork();
    if (pid == 0) exec_child(program.c_str(), argv, -1, log_fd);
    if (log_fd >= 0) ::close(log_fd);
    if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    return pid;
}

void wait_listening(int port, pid_t server, const std::string& what) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!listening_on(port)) {
        int status = 0;
        if (::waitpid(server, &status, WNOHANG) == server)
            throw std::runtime_error(what + " exited at start (status " + std::to_string(status) + "); see its log in the instance");
        if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error(what + " is not listening on port " + std::to_string(port) + " after 5 s");
        ::usleep(10'000);
    }
}

void must(bool ok, const std::string& what) {
    if (!ok) throw std::runtime_error(what + ": " + std::strerror(errno));
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
    std::vector<std::string> args{keygen, "-t", "ed25519", "-f", key.string()};
    auto argv = c_argv(args);
    const pid_t pid = ::fork();
    if (pid == 0) exec_child(keygen.c_str(), argv, -1, -1);
    if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !fs::exists(key))
        throw std::runtime_error("dropbearkey could not make the stack's SSH host key " + key.string());
    return key.string();
}

void write_instance_files(const InstanceViewPaths& paths, const instance::InstanceFiles& files) {
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
    for (const auto& [path, dir] : files.directories) set_owner_and_mode(paths.host_path(path), dir.mode, dir.uid, dir.gid);
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

pid_t live_instance_init(const InstanceViewPaths& paths, const std::string& netns) {
    std::ifstream in(paths.init_pid());
    long pid = 0;
    if (!(in >> pid) || pid <= 1) return 0;
    std::ifstream comm("/proc/" + std::to_string(pid) + "/comm");
    std::string name;
    std::getline(comm, name);
    if (name != instance_init_process_name) return 0;
    const ino_t ns = inode_of(std::string(tap::netns_run_dir) + "/" + netns);
    if (ns == 0 || inode_of("/proc/" + std::to_string(pid) + "/ns/net") != ns) return 0;
    return static_cast<pid_t>(pid);
}

pid_t start_instance_init(const InstanceInit& init) {
    int report[2];
    if (::pipe2(report, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    std::vector<std::string> args{"vpclab", "__instance-init", init.netns, init.hostname, init.paths.dir.string(),
                                  init.host_key.empty() ? "-" : init.host_key, init.web_access_log.empty() ? "-" : init.web_access_log};
    for (const auto& o : init.sshd_options) args.push_back(o);
    auto argv = c_argv(args);
    const pid_t pid = ::fork();
    if (pid == 0) exec_child("/proc/self/exe", argv, report[1], -1);
    ::close(report[1]);
    if (pid < 0) {
        ::close(report[0]);
        throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    }
    // The first process forks the init and exits (so init is not the router's child); then the init reports.
    ::waitpid(pid, nullptr, 0);
    std::string said;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
        pollfd p{report[0], POLLIN, 0};
        if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) break;
        char buf[512];
        const ssize_t n = ::read(report[0], buf, sizeof buf);
        if (n <= 0) break;
        said.append(buf, static_cast<std::size_t>(n));
        if (said.find('\n') != std::string::npos) break;
    }
    ::close(report[0]);
    if (said.rfind("ready", 0) != 0) {
        const pid_t left_behind = live_instance_init(init.paths, init.netns);
        if (left_behind) ::kill(left_behind, SIGKILL);
        throw std::runtime_error("the instance's init failed: " + (said.empty() ? std::string("no answer within 10 s") : said.substr(0, said.find('\n'))));
    }
    return live_instance_init(init.paths, init.netns);
}

int run_instance_init(const InstanceInit& init) {
    auto say = [](const std::string& text) {
        const std::string line = text + "\n";
        (void)!::write(1, line.data(), line.size());
    };
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    const pid_t child = ::fork();
    if (child < 0) {
        say(std::string("error: fork: ") + std::strerror(errno));
        return 1;
    }
    if (child > 0) return 0;  // the starter: the init carries on, reparented away from the router
    try {
        ::setsid();
        ::prctl(PR_SET_NAME, instance_init_process_name, 0, 0, 0);
        ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);  // what the instance leaves behind is reaped here
        tap::UniqueFd netns = tap::open_named_netns(init.netns);
        must(::setns(netns.get(), CLONE_NEWNET) == 0, "setns into " + init.netns);
        must(::unshare(CLONE_NEWNS | CLONE_NEWUTS) == 0, "unshare mount and UTS namespaces");
        // Nothing mounted here reaches the host; the host's mounts and unmounts still reach here.
        must(::mount("", "/", nullptr, MS_SLAVE | MS_REC, nullptr) == 0, "make / a slave mount");
        ::umount2("/sys", MNT_DETACH);
        must(::mount(init.netns.c_str(), "/sys", "sysfs", 0, nullptr) == 0, "mount /sys");
        for (const char* d : overlaid_directories) {
            const std::string options = std::string("lowerdir=") + d + ",upperdir=" + init.paths.host_path(d).string() +
                                        ",workdir=" + (init.paths.work() / (d + 1)).string();
            must(::mount("overlay", d, "overlay", 0, options.c_str()) == 0, std::string("mount an overlay on ") + d);
        }
        for (const char* d : own_directories)
            must(::mount(init.paths.host_path(d).c_str(), d, nullptr, MS_BIND, nullptr) == 0, std::string("bind the instance's own ") + d);
        must(::sethostname(init.hostname.data(), init.hostname.size()) == 0, "sethostname");
        std::ofstream(init.paths.init_pid()) << ::getpid() << '\n';

        if (!init.host_key.empty()) {
            // Amazon Linux's sshd logs to /var/log/secure; Dropbear with -E logs to stderr, sent there.
            std::vector<std::string> args{"dropbear", "-F", "-E", "-p", "22", "-r", init.host_key, "-P", init.paths.sshd_pid().string()};
            args.insert(args.end(), init.sshd_options.begin(), init.sshd_options.end());
            wait_listening(22, start_server(dropbear_path(), args, "/var/log/secure"), "the SSH server (dropbear)");
        }
        if (!init.web_access_log.empty()) {
            // busybox's httpd, named httpd as on the instance; -vv logs each request with the client's address.
            // IPv4 only (the lab has no IPv6): the log then shows 20.20.0.5:43046, not [::ffff:20.20.0.5]:43046.
            const std::vector<std::string> args{"httpd", "-f", "-vv", "-p", "0.0.0.0:80", "-h", "/var/www/html"};
            wait_listening(80, start_server(busybox_path(), args, init.web_access_log), "the web server (busybox httpd)");
        }
    } catch (const std::exception& e) {
        say(std::string("error: ") + e.what());
        return 1;
    }
    say("ready");
    const int null_fd = ::open("/dev/null", O_RDWR);
    ::dup2(null_fd, 0);
    ::dup2(null_fd, 1);
    ::dup2(null_fd, 2);
    ::chdir("/");
    // Hold the namespaces and reap: the servers, and what the instance's sessions leave behind.
    for (;;)
        if (::waitpid(-1, nullptr, 0) < 0 && errno == ECHILD) ::pause();
}

namespace {
std::string read_file(const char* path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}
}  // namespace

void make_instance_view(const InstanceViewSpec& spec) {
    const InstanceViewPaths paths = InstanceViewPaths::of(spec.stack, spec.instance_id);
    instance::InstanceIdentity identity;
    identity.hostname = spec.hostname;
    for (const auto& [name, content] : spec.etc_files) identity.etc_files[name] = content;
    identity.authorized_key = spec.authorized_key;
    const long today = static_cast<long>(std::time(nullptr) / 86400);
    instance::InstanceFiles files =
        instance::amazon_linux_files(identity, instance::accounts_with_ec2_user(read_file("/etc/passwd"), read_file("/etc/group")));
    const auto script = instance::parse_user_data(spec.user_data);
    instance::carry_out(files, script, today, instance::hash_password, [](const std::string& dir) {
        struct stat st {};
        return ::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
    });
    std::string log;
    for (const auto& line : instance::what_became_of(files, script)) log += "vpclab: UserData " + line + "\n";
    if (!spec.user_data.empty()) files.files["/var/log/cloud-init-output.log"] = {log, 0644, 0, 0};
    write_instance_files(paths, files);

    InstanceInit init;
    init.netns = spec.netns;
    init.hostname = spec.hostname;
    init.paths = paths;
    init.host_key = ensure_stack_host_key(StackPaths::of(spec.stack).dir);
    if (init.host_key.empty()) spdlog::warn("{}: no SSH server (Dropbear is not installed; scripts/setup.sh installs dropbear-bin)", spec.instance_id);
    init.sshd_options = instance::dropbear_options(instance::read_sshd_config(files.files.at("/etc/ssh/sshd_config").content));
    if (files.web.running) {
        if (busybox_path().empty()) spdlog::warn("{}: no web server (busybox is not installed; scripts/setup.sh installs it)", spec.instance_id);
        else init.web_access_log = files.web.access_log;
    }
    start_instance_init(init);
}

void remove_instance_view(const InstanceViewPaths& paths) noexcept {
    std::error_code ec;
    fs::remove_all(paths.dir, ec);
}

}  // namespace vpclab::router
