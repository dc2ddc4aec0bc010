// The router process lifecycle: checks, fork with a readiness pipe, setup recorded in the ledger, teardown.
#include "router/router_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <optional>
#include <regex>
#include <thread>

#include "instance/key_pair.hpp"
#include "router/aws_api/endpoint_listener.hpp"
#include "router/aws_api/lab_ca.hpp"
#include "router/aws_api/service_model.hpp"
#include "router/aws_api/stack_credentials.hpp"
#include "routing/ovn/northbound.hpp"
#include "router/console/console_http.hpp"
#include "router/control/control_socket.hpp"
#include "router/control/ec2/family.hpp"
#include "router/template/template_error.hpp"
#include "router/template/template_loader.hpp"
#include "router/event_loop.hpp"
#include "router/lab/lab_network.hpp"
#include "router/lab/ovn_backend.hpp"
#include "router/lab/process_spawn.hpp"
#include "router/lab/stack_state.hpp"
#include "tap/network_namespace.hpp"

namespace vpclab::router {

namespace fs = std::filesystem;

namespace {

void report(int fd, const std::string& line) {
    if (fd < 0) return;
    const std::string msg = line + "\n";
    [[maybe_unused]] const ssize_t n = ::write(fd, msg.data(), msg.size());
}

// Everything that can be checked before creating anything, so a refusal changes nothing.
void preflight(const routing::VpcModel& model, const LabPlan& plan) {
    const std::string& stack = model.stack_name();
    const StackPaths paths = StackPaths::of(stack);
    if (fs::exists(paths.dir)) {
        if (live_router_pid(stack))
            throw std::runtime_error("stack '" + stack + "' is already running; use another --stack-name or `vpclab down --stack-name " + stack + "`");
        throw std::runtime_error("stack '" + stack + "' has leftovers from a router that died; remove them with `vpclab down --stack-name " + stack + "`");
    }
    for (const auto& netns : plan.all_namespaces())
        if (tap::named_netns_exists(netns))
            throw std::runtime_error("network namespace '" + netns + "' already exists and was not made by this stack; remove it or choose another --stack-name");
}

// The OVN backend's checks, before anything is made: its programs, its namespaces' names, and the model
// compiled once (what it does not compile is refused by name).
void preflight_ovn(const routing::VpcModel& model, const LabPlan& plan, int chassis) {
    check_ovn_programs();
    for (const auto& netns : ovn_namespaces(model.stack_name(), chassis))
        for (const auto& i : plan.instances)
            if (i.netns == netns)
                throw std::runtime_error("an instance's namespace would be " + netns + ", which the OVN backend needs: rename the instance or choose another --stack-name");
    routing::ovn::compile_northbound(model, {});
}

// The region's web server: this binary again, in its serving mode, so that it holds none of the router's
// TAP fds (a TAP must vanish with the router) and dies with it (PR_SET_PDEATHSIG, set by the server).
pid_t start_region_http_server(const std::string& netns, const endpoints::RegionCatalog& catalog, const fs::path& log,
                               const fs::path& endpoints_table) {
    // Never hold the caller's terminal or pipes: `out=$(vpclab up)` must see EOF when up returns.
    const int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    const pid_t pid = spawn_process("/proc/self/exe", {"vpclab", "__region-http", netns, catalog.region(), catalog.plan().range.to_string(), endpoints_table.string()}, -1, log_fd);
    if (log_fd >= 0) ::close(log_fd);
    return pid;
}

// The region's HTTPS relay for the AWS APIs: this binary again, like the web server, holding no TAP.
pid_t start_region_https_server(const std::string& netns, const aws_api::LabCaPaths& ca, const fs::path& api_socket, const fs::path& log) {
    const int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    const pid_t pid = spawn_process("/proc/self/exe", {"vpclab", "__region-https", netns, ca.server_certificate().string(), ca.server_key().string(), api_socket.string()},
                                    -1, log_fd);
    if (log_fd >= 0) ::close(log_fd);
    return pid;
}

// A private key the stack hands out: a template's KeyName pair, made at `vpclab up`.
struct PrivateKeyFile {
    std::string key_name, file_name, pem;
};

// The key pairs a template's KeyName asked for are made before the router starts (ssh-keygen, once each):
// their public halves go into the model, their private keys to the stack's directory (serve writes them).
std::vector<PrivateKeyFile> make_template_keys(routing::VpcModel& model) {
    static const std::regex safe_file_name("[A-Za-z0-9_][A-Za-z0-9._-]{0,200}");
    std::vector<PrivateKeyFile> out;
    for (const auto& k : model.key_pairs()) {
        if (!k.public_key.empty()) continue;
        const instance::KeyMaterial material = instance::make_key_material(k.key_type);
        model.complete_key_pair(k.id, material.fingerprint, material.public_key + " " + k.key_name, router::ec2::now_iso8601());
        out.push_back({k.key_name, (std::regex_match(k.key_name, safe_file_name) ? k.key_name : k.id) + ".pem", material.private_key});
    }
    return out;
}

void write_private_keys(const StackPaths& paths, const std::vector<PrivateKeyFile>& keys) {
    for (const auto& k : keys) {
        const fs::path file = paths.dir / k.file_name;
        const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);  // ssh -i refuses keys others can read
        const std::string text = k.pem + "\n";  // as `--query KeyMaterial --output text > k.pem` writes it
        const bool written = fd >= 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
        const int error = errno;
        if (fd >= 0) ::close(fd);
        if (!written) throw std::runtime_error("cannot write the private key " + file.string() + ": " + std::strerror(error));
    }
}

void print_key_notes(const std::string& stack, const std::vector<PrivateKeyFile>& keys) {
    for (const auto& k : keys) {
        const fs::path file = StackPaths::of(stack).dir / k.file_name;
        std::cerr << "vpclab: key pair " << k.key_name << " (the template's KeyName) was made for this lab; its private key is " << file.string()
                  << "\n    from the internet, as from your laptop: vpclab exec region --stack-name " << stack << " -- ssh -i " << file.string()
                  << " ec2-user@<public IP>\n";
    }
}

// Runs in the router process. `ready_fd` (or -1 in the foreground) hears "ready" or "error: …".
int serve(cfn::LoadedLab lab, const LabPlan& plan, const UpOptions& options, const std::vector<PrivateKeyFile>& keys,
          int ready_fd, bool foreground) {
    ::prctl(PR_SET_NAME, router_process_name, 0, 0, 0);
    const std::string stack = lab.model->stack_name();
    const StackPaths paths = StackPaths::of(stack);
    RouterState state;
    state.max_tracked_connections = options.max_tracked_connections;
    state.health_check_speedup = options.health_check_speedup;
    state.flow_log_speedup = options.flow_log_speedup;
    state.nat_idle_timeout = options.nat_idle_timeout;
    state.forwarding_workers = options.workers;
    state.batched_tap_writes = options.batched_tap_writes;
    state.s3_root = paths.dir / "s3";  // S3 flow logs' objects: <stack dir>/s3/<bucket>/<prefix>/AWSLogs/…, gone with the stack
    const endpoints::PublicAddressPlan& addresses = options.public_addresses;
    pid_t region_server = 0, region_https_server = 0;
    std::unique_ptr<OvnBackend> ovn;
    bool owns_state_dir = false;  // never clean up a directory another `vpclab up` of the same stack won
    try {
        fs::create_directories(state_root);
        if (::mkdir(paths.dir.c_str(), 0700) != 0) throw std::runtime_error("cannot create " + paths.dir.string() + ": " + std::strerror(errno));
        owns_state_dir = true;
        std::ofstream(paths.pid_file) << ::getpid() << '\n';
        write_private_keys(paths, keys);
        fs::create_directories(paths.dir / "region-root");  // the region's own /root (its ~/.ssh/known_hosts)
        Ledger ledger(paths.ledger);
        // The AWS API over HTTPS inside the lab: the lab's CA, which instances trust in their own /etc (so made
        // before the first instance starts), and a Unix socket the region's relay hands requests to (below).
        const aws_api::LabCaPaths ca = aws_api::LabCaPaths::of_stack_dir(paths.dir);
        aws_api::write_lab_certificates(ca, aws_api::make_lab_certificates(stack, lab.model->region()), aws_api::host_trust_bundle);
        state.catalog = std::make_unique<endpoints::RegionCatalog>(lab.model->region(), addresses);
        if (options.ovn_chassis > 0) {
            // The OVN backend: its daemons first, so that every interface is plugged into a chassis, and every
            // commit from here on applied to OVN (docs/ovn-backend.md).
            ovn = OvnBackend::start(stack, options.ovn_chassis, paths.dir / "ovn", ledger, plan.region_netns, plan.resolver_netns, addresses);
            set_port_plugger(ovn.get());
            state.prepare_backend = [backend = ovn.get()](const routing::VpcModel& m) { return backend->prepare(m); };
            state.backend_error = [backend = ovn.get()] { return backend->last_error(); };
            state.backend_trace = [backend = ovn.get(), &state](const RouterState::BackendTraceQuestion& q) {
                return backend->trace(*state.model, q.eni_id, q.destination, q.protocol, q.source_port, q.destination_port);
            };
        }
        LabNetwork network = LabNetwork::create(*lab.model, plan, *state.catalog, ledger);
        tap::UniqueFd control = listen_control_socket(paths.control_socket);
        // The lab's AWS API: its key pair in the stack's directory, its endpoint on 127.0.0.1, the service
        // models compiled now so that no request pays for it.
        const aws_api::StackCredentials credentials = aws_api::make_stack_credentials();
        aws_api::write_credential_files(paths.dir, credentials, lab.model->region());
        state.aws_access_key_id = credentials.access_key_id;
        state.aws_secret_access_key = credentials.secret_access_key;
        tap::UniqueFd aws_listener = aws_api::listen_on_loopback(state.aws_endpoint_port);
        aws_api::compile_all_models();
        tap::UniqueFd aws_relay_listener = listen_control_socket(paths.aws_api_socket);
        tap::UniqueFd console_listener = aws_api::listen_on_loopback(state.console_port);
        state.console_token = console::make_console_token();
        // CloudFormation: the template this lab was made from is its first stack; ValidateTemplate checks a
        // template with the loader, as `up` would load it (nothing is created).
        if (!lab.template_body.empty())
            state.cloudformation_stacks.push_back(stack_made_at_up(stack, lab.model->stack_id(), lab.description, lab.template_body,
                                                                   lab.parameters, lab.resources, ec2::now_iso8601()));
        routing::PublicIpPool public_ips;
        public_ips.pool = addresses.instance_pool();
        state.validate_template = [region = lab.model->region(), pool = public_ips, services = state.catalog->service_offers()](
                                      const std::string& body) {
            cfn::LoadOptions options;
            options.region = region;
            options.public_ips = pool;
            options.services = services;
            return cfn::validate_template(body, options);
        };
        // CreateStack and change sets: a template loaded into a copy of the running lab's model.
        cfn::LoadOptions stack_options;
        stack_options.region = lab.model->region();
        stack_options.public_ips = public_ips;
        stack_options.services = state.catalog->service_offers();
        state.load_stack_template = cfn::stack_template_loader(stack_options);
        state.model = std::move(lab.model);
        state.plan = plan;
        state.service_ports = network.service_ports();
        state.gateway_endpoints_file = paths.gateway_endpoints;
        state.recompile();
        if (ovn) {
            // The first rows must be in, and every chassis must have them, before the lab says it is up.
            if (const std::string error = ovn->last_error(); !error.empty()) throw std::runtime_error(error);
            ovn->wait_applied();
        }
        std::optional<EventLoop> loop;
        loop.emplace(state, network, std::move(control), paths.ledger, std::move(aws_listener), std::move(aws_relay_listener), std::move(console_listener));
        region_server = start_region_http_server(plan.region_netns, *state.catalog, paths.log, paths.gateway_endpoints);
        region_https_server = start_region_https_server(plan.region_netns, ca, paths.aws_api_socket, paths.log);
        if (!foreground) {
            // From here on the router is a daemon: its log goes to the stack's directory.
            auto logger = spdlog::basic_logger_mt("router", paths.log.string());
            logger->set_level(spdlog::default_logger()->level());
            logger->flush_on(spdlog::level::trace);  // every line at once, -v and -vv included
            spdlog::set_default_logger(logger);
            const int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
            ::dup2(null_fd, 0);
            ::dup2(null_fd, 1);
            ::dup2(null_fd, 2);
            ::close(null_fd);
        }
        spdlog::info("stack {} up: {} instances, {} ENIs, region and resolver ports", stack, plan.instances.size(),
                     state.model->network_interfaces().size());
        report(ready_fd, "ready");
        if (ready_fd >= 0) ::close(ready_fd);
        ready_fd = -1;  // closed: a later error must not write into whatever reuses the number
        loop->run();
        spdlog::info("stack {} shutting down", stack);
        for (const pid_t server : {region_server, region_https_server}) {
            ::kill(server, SIGKILL);
            ::waitpid(server, nullptr, 0);
        }
        loop.reset();  // joins the launcher: nothing makes a namespace any more
        // Namespaces first, then the TAPs: the kernel deletes a dismantled namespace's interfaces in one
        // batch, where closing a TAP's fd first unregisters it alone (~20 ms each: 4.3 s of a 200-instance
        // lab's 7.6 s `down`).
        remove_stack_namespaces(stack);  // the OVN daemons with theirs
        set_port_plugger(nullptr);
        state.prepare_backend = nullptr;
        state.backend_error = nullptr;
        state.backend_trace = nullptr;
        ovn.reset();
        network.close_taps(std::chrono::seconds(3));
    } catch (const std::exception& e) {
        set_port_plugger(nullptr);
        state.prepare_backend = nullptr;
        state.backend_error = nullptr;
        state.backend_trace = nullptr;
        ovn.reset();
        for (const pid_t server : {region_server, region_https_server})
            if (server > 0) {
                ::kill(server, SIGKILL);
                ::waitpid(server, nullptr, 0);
            }
        report(ready_fd, std::string("error: ") + e.what());
        if (foreground) std::cerr << "vpclab: " << e.what() << '\n';
        spdlog::error("{}", e.what());
        if (owns_state_dir) remove_stack_leftovers(stack);
        return 1;
    }
    // TAPs closed with `network` above (non-persistent: the kernel deletes them); now the namespaces.
    remove_stack_leftovers(stack);
    return 0;
}

}  // namespace

int bring_up(cfn::LoadedLab lab, const UpOptions& options) {
    const std::string stack = lab.model->stack_name();
    LabPlan plan = LabPlan::of(*lab.model);
    if (options.ovn_chassis > 0) {
        preflight_ovn(*lab.model, plan, options.ovn_chassis);
        plan.reserved = ovn_namespaces(stack, options.ovn_chassis);  // instances launched later keep off them
    }
    preflight(*lab.model, plan);
    const std::vector<PrivateKeyFile> keys = make_template_keys(*lab.model);
    if (options.foreground) {
        print_key_notes(stack, keys);
        return serve(std::move(lab), plan, options, keys, -1, true);
    }

    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe: " + std::string(std::strerror(errno)));
    const pid_t child = ::fork();
    if (child < 0) throw std::runtime_error("fork: " + std::string(std::strerror(errno)));
    if (child == 0) {
        ::close(pipe_fds[0]);
        ::setsid();
        // Daemonise fully: a second fork so the router is not a session leader and is reparented to init.
        const pid_t grandchild = ::fork();
        if (grandchild != 0) ::_exit(grandchild < 0 ? 1 : 0);
        if (::chdir("/") != 0) ::_exit(1);
        ::_exit(serve(std::move(lab), plan, options, keys, pipe_fds[1], false));
    }
    ::close(pipe_fds[1]);
    ::waitpid(child, nullptr, 0);
    std::string message;
    char buf[512];
    ssize_t n;
    while ((n = ::read(pipe_fds[0], buf, sizeof buf)) > 0) {
        message.append(buf, static_cast<std::size_t>(n));
        if (message.find('\n') != std::string::npos) break;
    }
    ::close(pipe_fds[0]);
    message = message.substr(0, message.find('\n'));
    if (message != "ready") {
        std::cerr << "vpclab: " << (message.empty() ? "the router exited during setup" : message.substr(message.rfind("error: ", 0) == 0 ? 7 : 0)) << '\n';
        return 1;
    }
    // The router says it is ready; confirm its event loop answers before telling the user so.
    const auto reply = call_router(StackPaths::of(stack).control_socket, {{"Action", "Vpclab.Ping"}});
    if (!reply.value("ok", false)) {
        std::cerr << "vpclab: the router started but does not answer: " << reply.dump() << '\n';
        return 1;
    }
    print_key_notes(stack, keys);
    return 0;
}

}  // namespace vpclab::router
