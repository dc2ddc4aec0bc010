// The instance's init: its namespaces, its read-only view of the host's tree, its servers, and reaping.
#include "router/lab/instance_init.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>

#include "instance/instance_files.hpp"
#include "router/aws_api/lab_ca.hpp"
#include "router/lab/process_spawn.hpp"
#include "router/lab/stack_state.hpp"
#include "tap/network_namespace.hpp"

namespace vpclab::router {

namespace {

void must(bool ok, const std::string& what) {
    if (!ok) throw std::runtime_error(what + ": " + std::strerror(errno));
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

// A server of the instance, its stderr appended to `log` (a path in the instance); waits until it listens.
void start_server(const std::string& program, const std::vector<std::string>& args, const std::string& log, int port, const std::string& what) {
    if (program.empty()) throw std::runtime_error(what + " is not installed (scripts/setup.sh installs it)");
    const int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    const pid_t pid = spawn_process(program, args, -1, log_fd);
    if (log_fd >= 0) ::close(log_fd);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!listening_on(port)) {
        int status = 0;
        if (::waitpid(pid, &status, WNOHANG) == pid)
            throw std::runtime_error(what + " exited at start (status " + std::to_string(status) + "); its log in the instance is " + log);
        if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error(what + " is not listening on port " + std::to_string(port) + " after 5 s");
        ::usleep(10'000);
    }
}

// mount_setattr(2) (Linux 5.12): read-only on or off for a mount and every mount below it.
bool set_read_only(const char* path, bool read_only) {
    mount_attr attr{};
    (read_only ? attr.attr_set : attr.attr_clr) = MOUNT_ATTR_RDONLY;
    return ::syscall(SYS_mount_setattr, AT_FDCWD, path, AT_RECURSIVE, &attr, sizeof attr) == 0;
}

// The directories that stay writable in the instance: its own, and the kernel's interfaces it needs.
// Where an instance's tools look for the CAs they trust: Debian's bundle (the host's programs run in the
// instance) and Amazon Linux's.
constexpr const char* trusted_bundle_paths[] = {"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt"};
constexpr const char* writable_in_instance[] = {"/etc", "/var", "/root", "/home", "/tmp", "/run", "/dev", "/proc"};

// The instance's own /dev (not the host's: a file one instance left in /dev/shm was another's to read, lay
// outside its 256 MiB and outlived the lab): a directory on the instance's storage, so what is written there
// counts in its bound and goes with it, holding the devices programs open (null, zero, full, random,
// urandom, tty), the /proc/self/fd links, a /dev/shm (POSIX shared memory, semaphores) and a devpts of its
// own at /dev/pts with /dev/ptmx, so that ssh sessions, script and tmux get terminals (devpts.rst:
// "newinstance"; ptmx as a link to pts/ptmx).
void make_own_dev(const InstanceViewPaths& paths) {
    const std::string dev = paths.host_path("/dev").string();
    must(::mkdir(dev.c_str(), 0755) == 0 || errno == EEXIST, "make the instance's /dev");
    struct Device {
        const char* name;
        unsigned major, minor;
    };
    // Documentation/admin-guide/devices.txt: the memory devices (major 1) and the controlling terminal (5, 0).
    for (const Device d : {Device{"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}}) {
        const std::string path = dev + "/" + d.name;
        must(::mknod(path.c_str(), S_IFCHR | 0666, makedev(d.major, d.minor)) == 0 || errno == EEXIST, "make " + path);
        must(::chmod(path.c_str(), 0666) == 0, "chmod " + path);  // mknod's mode is cut by the umask
    }
    for (const auto& [name, target] : {std::pair{"fd", "/proc/self/fd"}, {"stdin", "/proc/self/fd/0"}, {"stdout", "/proc/self/fd/1"},
                                       {"stderr", "/proc/self/fd/2"}, {"ptmx", "pts/ptmx"}}) {
        const std::string path = dev + "/" + name;
        must(::symlink(target, path.c_str()) == 0 || errno == EEXIST, "link " + path);
    }
    for (const auto& [name, mode] : {std::pair{"pts", 0755u}, {"shm", 01777u}}) {
        const std::string path = dev + "/" + name;
        must((::mkdir(path.c_str(), mode) == 0 || errno == EEXIST) && ::chmod(path.c_str(), mode) == 0, "make " + path);
    }
    must(::mount(dev.c_str(), "/dev", nullptr, MS_BIND, nullptr) == 0, "bind the instance's own /dev");
    // The tty group (5) owns the terminals, as on Amazon Linux and Debian.
    must(::mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620,gid=5") == 0,
         "mount the instance's own /dev/pts");
}

void make_namespaces(const InstanceInit& init) {
    const InstanceViewPaths paths = init.paths();
    tap::UniqueFd netns = tap::open_named_netns(init.netns);
    must(::setns(netns.get(), CLONE_NEWNET) == 0, "setns into " + init.netns);
    must(::unshare(CLONE_NEWNS | CLONE_NEWUTS) == 0, "unshare mount and UTS namespaces");
    // Nothing mounted here reaches the host; the host's mounts and unmounts still reach here.
    must(::mount("", "/", nullptr, MS_SLAVE | MS_REC, nullptr) == 0, "make / a slave mount");
    ::umount2("/sys", MNT_DETACH);
    must(::mount(init.netns.c_str(), "/sys", "sysfs", 0, nullptr) == 0, "mount /sys");
    for (const char* d : overlaid_directories) {
        const std::string options = std::string("lowerdir=") + d + ",upperdir=" + paths.host_path(d).string() +
                                    ",workdir=" + (paths.work() / (d + 1)).string();
        must(::mount("overlay", d, "overlay", 0, options.c_str()) == 0, std::string("mount an overlay on ") + d);
    }
    for (const char* d : own_directories)
        must(::mount(paths.host_path(d).c_str(), d, nullptr, MS_BIND, nullptr) == 0, std::string("bind the instance's own ") + d);
    make_own_dev(paths);
    // The lab's CA, trusted here and nowhere else: the stack's bundle (the host's with the CA appended) bound
    // over the instance's own trust bundles (Debian's path, which curl, Python and the aws CLI read, and
    // Amazon Linux's), read-only below (it is every instance's). Before the /run below hides the stack's
    // directory. No lab CA (a router that made none): the host's bundle, as it is.
    const std::string bundle = aws_api::LabCaPaths::of_stack_dir(paths.dir.parent_path()).trusted_bundle().string();
    std::vector<const char*> trust_bound;
    if (::access(bundle.c_str(), R_OK) == 0)
        for (const char* trusted : trusted_bundle_paths)
            if (::access(trusted, F_OK) == 0) {
                must(::mount(bundle.c_str(), trusted, nullptr, MS_BIND, nullptr) == 0, std::string("bind the lab's trust bundle over ") + trusted);
                trust_bound.push_back(trusted);
            }
    must(::sethostname(init.hostname.data(), init.hostname.size()) == 0, "sethostname");
    {
        std::ofstream pid_file(paths.init_pid());
        pid_file << ::getpid() << '\n';
        must(static_cast<bool>(pid_file), "write " + paths.init_pid().string());
    }
    // A /run of its own: no host daemon's socket (systemd's, dbus's) is reachable from the instance.
    must(::mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=16m") == 0, "mount /run");
    must((::mkdir("/run/lock", 01777) == 0 || errno == EEXIST) && ::chmod("/run/lock", 01777) == 0, "make /run/lock");
    must(set_read_only("/", true), "make the host's tree read-only in the instance");
    for (const char* d : writable_in_instance) must(set_read_only(d, false), std::string("keep ") + d + " writable");
    for (const char* trusted : trust_bound) must(set_read_only(trusted, true), std::string("make ") + trusted + " read-only");
    // The kernel's settings are the machine's, but for the network namespace's own (net.*: ip_forward for a
    // NAT instance): /proc/sys read-only, /proc/sys/net bound over itself writable.
    must(::mount("/proc/sys", "/proc/sys", nullptr, MS_BIND, nullptr) == 0, "bind /proc/sys");
    must(set_read_only("/proc/sys", true), "make /proc/sys read-only");
    must(::mount("/proc/sys/net", "/proc/sys/net", nullptr, MS_BIND, nullptr) == 0, "bind /proc/sys/net");
    must(set_read_only("/proc/sys/net", false), "keep /proc/sys/net writable");
}

[[noreturn]] void reap_forever() {
    // SIGCHLD is ignored by default, so pause() would never return for it: wait for it explicitly.
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    ::sigprocmask(SIG_BLOCK, &chld, nullptr);
    for (;;) {
        while (::waitpid(-1, nullptr, WNOHANG) > 0) {
        }
        siginfo_t info;
        ::sigwaitinfo(&chld, &info);
    }
}

bool known_access_log(const std::string& path) {
    for (const char* package : {"httpd", "apache2", "nginx"})
        if (path == instance::web_access_log_of(package)) return true;
    return false;
}

}  // namespace

std::vector<std::string> instance_init_arguments(const InstanceInit& init) {
    std::vector<std::string> args{init.stack, init.instance_id, init.netns, init.hostname, init.sshd ? "sshd" : "-",
                                  init.web_access_log.empty() ? "-" : init.web_access_log};
    args.insert(args.end(), init.sshd_options.begin(), init.sshd_options.end());
    return args;
}

InstanceInit parse_instance_init_arguments(const std::vector<std::string>& args) {
    if (args.size() < 6) throw std::invalid_argument("expected STACK INSTANCE_ID NETNS HOSTNAME sshd|- ACCESS_LOG|- [-s] [-g] [-w]");
    InstanceInit init;
    init.stack = args[0];
    init.instance_id = args[1];
    init.netns = args[2];
    init.hostname = args[3];
    init.sshd = args[4] == "sshd";
    init.web_access_log = args[5] == "-" ? "" : args[5];
    if (!valid_stack_name(init.stack)) throw std::invalid_argument("not a stack name: " + init.stack);
    if (!std::regex_match(init.instance_id, std::regex("i-[0-9a-f]{17}"))) throw std::invalid_argument("not an instance ID: " + init.instance_id);
    if (!is_stack_namespace(init.stack, init.netns)) throw std::invalid_argument("not a namespace of stack " + init.stack + ": " + init.netns);
    if (!std::regex_match(init.hostname, std::regex("[a-z0-9-]{1,63}"))) throw std::invalid_argument("not a hostname: " + init.hostname);
    if (args[4] != "sshd" && args[4] != "-") throw std::invalid_argument("sshd or -, not " + args[4]);
    if (!init.web_access_log.empty() && !known_access_log(init.web_access_log))
        throw std::invalid_argument("not a web server's access log: " + init.web_access_log);
    for (std::size_t i = 6; i < args.size(); ++i) {
        if (args[i] != "-s" && args[i] != "-g" && args[i] != "-w") throw std::invalid_argument("not a Dropbear option vpclab gives: " + args[i]);
        init.sshd_options.push_back(args[i]);
    }
    return init;
}

bool is_instance_init(pid_t pid, const std::string& netns) {
    std::ifstream comm("/proc/" + std::to_string(pid) + "/comm");
    std::string name;
    std::getline(comm, name);
    return name == instance_init_process_name && tap::process_in_netns(pid, netns);
}

pid_t live_instance_init(const InstanceViewPaths& paths, const std::string& netns) {
    std::ifstream in(paths.init_pid());
    long pid = 0;
    if (!(in >> pid) || pid <= 1 || pid > 1L << 30) return 0;
    return is_instance_init(static_cast<pid_t>(pid), netns) ? static_cast<pid_t>(pid) : 0;
}

pid_t start_instance_init(const InstanceInit& init) {
    int report[2];
    if (::pipe2(report, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    std::vector<std::string> args{"vpclab", "__instance-init"};
    for (auto& a : instance_init_arguments(init)) args.push_back(std::move(a));
    pid_t starter = 0;
    try {
        starter = spawn_process("/proc/self/exe", args, report[1], -1);
    } catch (...) {
        ::close(report[0]);
        ::close(report[1]);
        throw;
    }
    ::close(report[1]);
    // The starter forks the init and exits (so the init is not the router's child); then the init reports.
    ::waitpid(starter, nullptr, 0);
    std::string said;
    bool ended = false;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (said.find('\n') == std::string::npos) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
        pollfd p{report[0], POLLIN, 0};
        if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) break;
        char buf[512];
        const ssize_t n = ::read(report[0], buf, sizeof buf);
        if (n <= 0) {
            ended = true;
            break;
        }
        said.append(buf, static_cast<std::size_t>(n));
    }
    ::close(report[0]);
    if (said.rfind("ready", 0) != 0) {
        if (const pid_t left_behind = live_instance_init(init.paths(), init.netns)) ::kill(left_behind, SIGKILL);
        const std::string why = !said.empty() ? said.substr(0, said.find('\n'))
                                : ended       ? std::string("it exited without a word (see the router's log)")
                                              : std::string("no answer within 15 s");
        throw std::runtime_error("the instance's init failed: " + why);
    }
    return live_instance_init(init.paths(), init.netns);
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
        ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);  // what the instance's sessions leave behind is reaped here
        make_namespaces(init);
        if (init.sshd) {
            // Amazon Linux's sshd logs to /var/log/secure; Dropbear with -E logs to stderr, sent there.
            std::vector<std::string> args{"dropbear", "-F", "-E", "-p", "22", "-r", "/etc/ssh/ssh_host_ed25519_key", "-P", "/run/sshd.pid"};
            args.insert(args.end(), init.sshd_options.begin(), init.sshd_options.end());
            start_server(dropbear_path(), args, "/var/log/secure", 22, "the SSH server (Dropbear)");
        }
        if (!init.web_access_log.empty()) {
            // busybox's httpd, named httpd as on the instance; -vv logs each request with the client's address.
            // IPv4 only (the lab has no IPv6): the log then shows 20.20.0.5:43046, not [::ffff:20.20.0.5]:43046.
            start_server(busybox_path(), {"httpd", "-f", "-vv", "-p", "0.0.0.0:80", "-h", "/var/www/html"}, init.web_access_log, 80,
                         "the web server (busybox httpd)");
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
    if (null_fd > 2) ::close(null_fd);
    if (::chdir("/") != 0) return 1;
    reap_forever();
}

}  // namespace vpclab::router
