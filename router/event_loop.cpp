// epoll over the TAP fds, the control socket and a signalfd.
#include "router/event_loop.hpp"

#include <signal.h>
#include <sys/epoll.h>
#include <ctime>
#include <fcntl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <chrono>
#include <mutex>

#include "router/aws_api/aws_endpoint.hpp"
#include "router/aws_api/http_message.hpp"
#include "router/console/console_http.hpp"
#include "router/control/control_request.hpp"
#include "router/data_path/drop_log.hpp"
#include "router/data_path/pipeline.hpp"
#include "tap/network_namespace.hpp"
#include "tap/system_error.hpp"
#include "wire/vnet_header.hpp"

namespace vpclab::router {

namespace {
constexpr std::uint64_t control_tag = 1ULL << 40;  // the listener; + 1 + slot for its clients
constexpr std::uint64_t signal_tag = 2ULL << 40;
constexpr std::uint64_t dns_udp_tag = 3ULL << 40;
constexpr std::uint64_t dns_listen_tag = 4ULL << 40;
constexpr std::uint64_t dns_client_tag = 5ULL << 40;  // + slot
constexpr std::uint64_t launcher_tag = 6ULL << 40;
constexpr std::uint64_t metadata_listen_tag = 7ULL << 40;
constexpr std::uint64_t metadata_client_tag = 8ULL << 40;  // + slot
constexpr std::uint64_t aws_endpoint_tag = 10ULL << 40;    // the listener; + 1 + slot for its clients (9 << 40: ForwardingThread's)
constexpr std::uint64_t aws_relay_tag = 11ULL << 40;       // the same for the Unix socket
constexpr std::uint64_t console_tag = 12ULL << 40;         // the web console's listener on 127.0.0.1, and its clients
constexpr std::uint64_t interactive_queue_tag = ForwardingThread::interactive_queue_tag;  // + port; a port's bulk queue is the port itself
bool is_interactive_queue(std::uint64_t tag) { return tag >= interactive_queue_tag && tag < interactive_queue_tag + (1ULL << 32); }

// Where an HTTP request ends in what a client sent so far (aws_api::http_request_extent); one refused
// (too large, not HTTP) is answered by `refuse`.
ControlServer::RequestCutter http_cutter(std::size_t max_body_bytes, std::string (*refuse)(int, std::string_view)) {
    return [max_body_bytes, refuse](std::string_view buffered, bool) {
        const aws_api::HttpExtent extent = aws_api::http_request_extent(buffered, max_body_bytes);
        using Cut = ControlServer::Cut;
        if (extent.state == aws_api::HttpExtent::State::complete) return Cut{Cut::Kind::request, extent.length, {}};
        if (extent.state == aws_api::HttpExtent::State::refused) return Cut{Cut::Kind::refused, 0, refuse(extent.status, extent.reason)};
        return Cut{Cut::Kind::incomplete, extent.length, {}};
    };
}

}  // namespace

EventLoop::EventLoop(RouterState& state, LabNetwork& network, tap::UniqueFd control_listener, const std::filesystem::path& ledger,
                     tap::UniqueFd aws_listener, tap::UniqueFd aws_relay_listener, tap::UniqueFd console_listener)
    : state_(state),
      network_(network),
      epoll_(::epoll_create1(EPOLL_CLOEXEC)),
      control_(std::move(control_listener), epoll_.get(), control_tag,
               [&state](std::string_view line) { return serve_control_line(line, state); }),
      dns_(network.dns_udp_fd(), network.dns_tcp_fd(), state.service_ports, state.dns_zones, state.dns_queries_answered),
      flows_(EndpointFlows::default_max_flows, state.max_tracked_connections),
      health_(state.health_check_speedup),
      launcher_(state.model->stack_name(), ledger),
      metadata_(network.metadata_fd(), state),
      shared_{state, network, flows_, flow_log_publisher_, flow_log_recorder_, live_steps_, drop_log_budget_, {}, state.forwarding_workers > 1},
      main_worker_(shared_, batch_limit, batch_bytes) {
    if (!epoll_) tap::throw_errno("epoll_create1");
    flows_.nat_gateways.idle_timeout = static_cast<std::uint32_t>(state.nat_idle_timeout);
    // The second worker's thread starts in run(), with everything set up (its ports watched, the tables
    // shared out, the flow logs' coverage known, the process's logger in place).
    if (state.forwarding_workers > 1) second_ = std::make_unique<ForwardingThread>(shared_, batch_limit, batch_bytes);
    tap::UniqueFd aws_listeners[2] = {std::move(aws_listener), std::move(aws_relay_listener)};
    const std::uint64_t aws_tags[2] = {aws_endpoint_tag, aws_relay_tag};
    for (int n = 0; n < 2; ++n) {
        if (!aws_listeners[n]) continue;
        // HTTP requests, each answered and the connection closed; the same client cap and deadline as the
        // control socket, so no client can hold the loop or more than its slot.
        // The second worker is paused only while a whole request is served (it may commit), not while
        // clients connect and send: a flood of connections does not hold up forwarding.
        aws_[n].emplace(std::move(aws_listeners[n]), epoll_.get(), aws_tags[n],
                     [this, &state](std::string_view request) {
                         PausedWorker paused(second_gate());
                         std::string reply = aws_api::serve_aws_http_request(request, state, std::time(nullptr));
                         forget_replaced_ports();
                         return reply;
                     },
                     ControlServer::Limits{}, http_cutter(aws_api::max_api_body_bytes, aws_api::refuse_aws_http_request));
    }
    if (console_listener) {
        // The console's page polls; a browser opens a few connections at once. Each request is answered
        // whole and the connection closed, as the AWS endpoint's, within the same client cap and deadline.
        console_.emplace(std::move(console_listener), epoll_.get(), console_tag,
                         [this, &state, map = std::make_shared<console::MapCache>()](std::string_view request) {
                             std::optional<PausedWorker> paused;  // only for calls that read what the workers write
                             return console::serve_console_request(request, state, {state.console_token, state.console_port, map.get()},
                                                                   [&] { paused.emplace(second_gate()); });
                         },
                         ControlServer::Limits{}, http_cutter(console::max_console_body_bytes, console::refuse_console_request));
    }
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGHUP);
    if (::sigprocmask(SIG_BLOCK, &mask, nullptr) != 0) tap::throw_errno("sigprocmask");
    signals_ = tap::UniqueFd(::signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!signals_) tap::throw_errno("signalfd");
    for (const routing::PortId port : network_.ports()) watch_port(port);
    if (state_.counters.size() < network_.port_limit()) state_.counters.resize(network_.port_limit());
    watch(signals_.get(), signal_tag);
    watch(launcher_.notify_fd(), launcher_tag);
    state_.runtime = this;
    state_.flows = &flows_;
    seen_snapshot_ = state_.snapshot;  // the first commit is compared with what the data path started on
    flows_.share_among(*state_.snapshot);
    flow_log_publisher_.refresh(*state_.model, *state_.snapshot);  // a template's flow logs log from the first frame
    for (const auto& f : state_.model->flow_logs())
        if (!f.log_group_name.empty()) state_.logs.ensure_group(f.log_group_name, static_cast<std::int64_t>(::time(nullptr)) * 1000);
    for (const char* type : {"rsa", "rsa", "ed25519", "ed25519"}) make_key_ahead(type);  // two of each ahead
    watch(network_.dns_udp_fd(), dns_udp_tag);
    watch(network_.dns_tcp_fd(), dns_listen_tag);
    watch(network_.metadata_fd(), metadata_listen_tag);
}

EventLoop::~EventLoop() {
    second_.reset();  // stopped and joined before anything it reads goes
    state_.runtime = nullptr;
    state_.flows = nullptr;
}

std::array<std::pair<int, std::uint64_t>, 2> EventLoop::queues_of(routing::PortId port) const {
    return {{{network_.fd_of(port), port}, {network_.interactive_fd_of(port), interactive_queue_tag + port}}};
}

void EventLoop::watch_port(routing::PortId port) {
    for (const auto& [fd, tag] : queues_of(port)) {
        if (fd < 0) continue;
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = tag;
        if (::epoll_ctl(epoll_of(port), EPOLL_CTL_ADD, fd, &ev) != 0) tap::throw_errno("epoll_ctl");
    }
}

void EventLoop::unwatch_port(routing::PortId port) noexcept {
    for (const auto& [fd, tag] : queues_of(port))
        if (fd >= 0) ::epoll_ctl(epoll_of(port), EPOLL_CTL_DEL, fd, nullptr);
}

void EventLoop::watch(int fd, std::uint64_t tag) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = tag;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) != 0) tap::throw_errno("epoll_ctl");
}

void EventLoop::run() {
    if (second_) second_->start();
    epoll_event events[64];
    while (!state_.shutdown_requested) {
        // Sleep no longer than the next control client's deadline, so a silent client is dropped on time.
        int timeout_ms = -1;
        for (const ControlServer* server : {&control_, aws_[0] ? &*aws_[0] : nullptr, aws_[1] ? &*aws_[1] : nullptr, console_ ? &*console_ : nullptr}) {
            const auto deadline = server ? server->next_deadline() : std::nullopt;
            if (!deadline) continue;
            const auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - ControlServer::Clock::now()).count();
            const int ms = static_cast<int>(std::clamp<std::int64_t>(left, 0, 60'000));
            timeout_ms = timeout_ms < 0 ? ms : std::min(timeout_ms, ms);
        }
        // While flows are tracked, wake at least once a second to expire idle ones when no frames come.
        std::size_t tracked = 0;
        {
            std::lock_guard held(shared_.lock);  // a second worker may be changing the tables meanwhile
            tracked = flows_.connections.table.size() + flows_.endpoint.table.size();
        }
        if (tracked > 0)
            timeout_ms = timeout_ms < 0 ? idle_sweep_ms : std::min(timeout_ms, idle_sweep_ms);
        // While flow logs exist, wake once a second to close their aggregation windows on time (and while a
        // capture runs, to stop it once nobody polls it).
        if (flow_log_publisher_.active() || state_.captures.any()) timeout_ms = timeout_ms < 0 ? idle_sweep_ms : std::min(timeout_ms, idle_sweep_ms);
        // While targets are registered, wake for their health checks.
        if (HealthChecker::has_work(*state_.model)) timeout_ms = timeout_ms < 0 ? health_check_ms : std::min(timeout_ms, health_check_ms);
        if (const int due = ms_until_ready_instances_due(); due >= 0) timeout_ms = timeout_ms < 0 ? due : std::min(timeout_ms, due);
        const int n = ::epoll_wait(epoll_.get(), events, 64, timeout_ms);
        if (n < 0) {
            if (errno == EINTR) continue;
            tap::throw_errno("epoll_wait");
        }
        // What changes what workers read (commits, TAPs, flow-table upkeep) happens with the second worker
        // parked between its batches (PausedWorker); this loop's own frames are not in flight meanwhile.
        if (upkeep_due()) {
            PausedWorker paused(second_gate());
            sweep_idle_flows();
            check_health();
        }
        control_.expire(ControlServer::Clock::now());
        for (auto& server : aws_)
            if (server) server->expire(ControlServer::Clock::now());
        if (console_) console_->expire(ControlServer::Clock::now());
        // Interactive queues first: a ping or a keystroke does not wait for the bulk read in this wakeup.
        for (int i = 0; i < n; ++i)
            if (is_interactive_queue(events[i].data.u64)) {
                const auto port = static_cast<std::uint32_t>(events[i].data.u64 - interactive_queue_tag);
                main_worker_.drain(port, network_.interactive_fd_of(port));
            }
        for (int i = 0; i < n; ++i) {
            const std::uint64_t tag = events[i].data.u64;
            if (is_interactive_queue(tag)) continue;
            // Commits happen on control requests and launcher results: after each, the flows of ports
            // whose ENI changed go (a stop and a start in one wakeup are two commits, two comparisons).
            if (control_.owns_tag(tag)) {
                PausedWorker paused(second_gate());
                control_.on_event(tag, events[i].events, ControlServer::Clock::now());
                forget_replaced_ports();
            } else if (aws_[0] && aws_[0]->owns_tag(tag)) {
                aws_[0]->on_event(tag, events[i].events, ControlServer::Clock::now());  // pauses the worker to serve
            } else if (aws_[1] && aws_[1]->owns_tag(tag)) {
                aws_[1]->on_event(tag, events[i].events, ControlServer::Clock::now());
            } else if (console_ && console_->owns_tag(tag)) {
                console_->on_event(tag, events[i].events, ControlServer::Clock::now());
            } else if (tag == dns_udp_tag) dns_.on_udp_readable();
            else if (tag == dns_listen_tag) {
                for (const auto& [fd, slot] : dns_.on_tcp_acceptable()) watch(fd, dns_client_tag + slot);
            } else if (tag == metadata_listen_tag) {
                for (const auto& [fd, slot] : metadata_.on_acceptable()) watch(fd, metadata_client_tag + slot);
            } else if (tag >= metadata_client_tag && tag < metadata_client_tag + MetadataServer::max_clients) {
                metadata_.on_readable(static_cast<std::size_t>(tag - metadata_client_tag));
            } else if (tag >= dns_client_tag && tag < dns_client_tag + DnsServer::max_tcp_clients) {
                dns_.on_tcp_readable(static_cast<std::size_t>(tag - dns_client_tag));
            } else if (tag == launcher_tag) {
                PausedWorker paused(second_gate());
                on_launcher_results();
                forget_replaced_ports();
            } else if (tag == signal_tag) {
                signalfd_siginfo info{};
                if (::read(signals_.get(), &info, sizeof info) == sizeof info)
                    spdlog::info("signal {} received: shutting down", info.ssi_signo);
                state_.shutdown_requested = true;
            } else {
                main_worker_.drain(static_cast<std::uint32_t>(tag), network_.fd_of(static_cast<std::uint32_t>(tag)));
            }
        }
        if (ms_until_ready_instances_due() == 0) {
            PausedWorker paused(second_gate());
            mark_ready_instances_when_due();
        }
    }
}

bool EventLoop::upkeep_due() const noexcept {
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    if (static_cast<std::uint32_t>(now.tv_sec) != last_sweep_second_) return true;
    const std::uint64_t now_ms = static_cast<std::uint64_t>(now.tv_sec) * 1000 + static_cast<std::uint64_t>(now.tv_nsec) / 1'000'000;
    return now_ms - last_health_ms_ >= health_check_ms && HealthChecker::has_work(*state_.model);
}

int EventLoop::ms_until_ready_instances_due() const noexcept {
    if (ready_instances_.empty()) return -1;
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(last_running_commit_ + std::chrono::milliseconds(running_commit_ms) -
                                                                   std::chrono::steady_clock::now()).count();
    return static_cast<int>(std::clamp<std::int64_t>(left, 0, running_commit_ms));
}

void EventLoop::mark_ready_instances_when_due() noexcept {
    if (ms_until_ready_instances_due() != 0) return;
    mark_running(state_, ready_instances_);
    last_running_commit_ = std::chrono::steady_clock::now();
    forget_replaced_ports();
}

void EventLoop::forget_replaced_ports() noexcept {
    const routing::ForwardingSnapshot* now = state_.snapshot.get();
    if (now == seen_snapshot_.get()) return;
    // A port whose ENI went away, or now belongs to another ENI (an endpoint ENI deleted and its port
    // reused, say): its tracked flows and endpoint connections are the old ENI's, gone with it.
    if (const routing::ForwardingSnapshot* before = seen_snapshot_.get()) {
        std::vector<bool> doomed(before->port_limit());
        bool any = false;
        for (routing::PortIndex p = 0; p < doomed.size(); ++p) {
            // …or an endpoint's ENI now carried to another load balancer node, or to none (rejected).
            doomed[p] = before->is_eni(p) && (!now->is_eni(p) || before->port(p).mac != now->port(p).mac ||
                                              before->port(p).privatelink_node != now->port(p).privatelink_node);
            any = any || doomed[p];
        }
        if (any) flows_.forget_ports([&](routing::PortIndex p) { return p < doomed.size() && doomed[p]; });
    }
    seen_snapshot_ = state_.snapshot;
    flows_.share_among(*now);
    try {
        flow_log_publisher_.refresh(*state_.model, *now);
    } catch (const std::exception& e) {  // out of memory: the coverage stays as it was
        spdlog::warn("flow logs: {}", e.what());
    }
    publish_flow_stats(state_, flows_);
}

void EventLoop::sweep_idle_flows() noexcept {
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    const auto second = static_cast<std::uint32_t>(now.tv_sec);
    if (second == last_sweep_second_) return;  // once a second, busy or quiet
    last_sweep_second_ = second;
    state_.live_trace.expire(LiveTrace::Clock::now());  // a live trace nobody polls any more
    // A capture nobody polls any more (its CLI was killed), or of a port that is gone.
    state_.captures.expire(PacketCaptures::Clock::now(), [this](routing::PortIndex port) {
        return port == state_.service_ports.region || (state_.snapshot && state_.snapshot->is_eni(port));
    });
    publish_flow_logs();
    flows_.advance_clock(second);
    flows_.expire_some(idle_sweep_slots);
    publish_flow_stats(state_, flows_);
    // Each ENI's tracked connections and allowance, for `vpclab stats` (once a second: a walk of the ports).
    const auto& table = flows_.connections.table;
    for (std::size_t p = 0; p < state_.counters.size() && p < (std::size_t{1} << 16); ++p) {
        state_.counters[p].tracked = table.held_by(static_cast<std::uint16_t>(p));
        state_.counters[p].tracked_allowance = table.allowance_of(static_cast<std::uint16_t>(p));
    }
}

void EventLoop::publish_flow_logs() noexcept {
    if (!flow_log_publisher_.active() && flow_log_publisher_.minute.size() + flow_log_publisher_.ten_minutes.size() == 0) return;
    timespec wall{};
    ::clock_gettime(CLOCK_REALTIME, &wall);
    const std::int64_t now_ms = std::int64_t{wall.tv_sec} * 1000 + wall.tv_nsec / 1'000'000;
    try {
        flow_log_publisher_.tick(*state_.model, *state_.snapshot, state_.logs, state_.s3_root, state_.flow_log_speedup, now_ms);
    } catch (const std::exception& e) {  // rendering allocates: out of memory loses this window's records, never the loop
        spdlog::warn("flow logs: {}", e.what());
    }
}

void EventLoop::check_health() noexcept {
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    const std::uint64_t now_ms = static_cast<std::uint64_t>(now.tv_sec) * 1000 + static_cast<std::uint64_t>(now.tv_nsec) / 1'000'000;
    if (now_ms - last_health_ms_ < health_check_ms) return;
    last_health_ms_ = now_ms;
    flows_.advance_clock(static_cast<std::uint32_t>(now.tv_sec));
    // Load balancers' probes to a target that `vpclab capture` watches are captured as delivered to it.
    CapturingSink capturing(main_worker_, state_.captures, routing::no_port);
    FrameSink& sink = state_.captures.any() ? static_cast<FrameSink&>(capturing) : main_worker_;
    try {
        health_.tick(state_, flows_, main_worker_.scratch(), sink, now_ms, static_cast<std::int64_t>(::time(nullptr)));
    } catch (const std::exception& e) {
        spdlog::warn("health checks: {}", e.what());
    }
    forget_replaced_ports();
}

// --- the lab runtime: instances and interfaces made and removed while the lab runs ---

void EventLoop::install(routing::PortId port, tap::TapDevice tap) {
    network_.install(port, std::move(tap));
    if (state_.counters.size() <= port) state_.counters.resize(port + 1);
    state_.counters[port] = PortCounters{};  // a reused port starts from zero (its old flows went with its old ENI)
    watch_port(port);
}

void EventLoop::launch(const InstanceSetup& setup) {
    LauncherJob job;
    job.kind = LauncherJob::Kind::launch;
    job.instance_id = setup.view.instance_id;
    job.setup = setup;
    launcher_.submit(std::move(job));
}

void EventLoop::attach(const std::string& instance_id, const std::string& attachment_id, const std::string& netns,
                       const InterfaceSetup& interface) {
    LauncherJob job;
    job.attachment_id = attachment_id;
    job.kind = LauncherJob::Kind::attach;
    job.instance_id = instance_id;
    job.netns = netns;
    job.interface = interface;
    launcher_.submit(std::move(job));
}

void EventLoop::release(const std::string& instance_id, const std::string& netns, const std::vector<routing::PortId>& ports) {
    LauncherJob job;
    job.kind = LauncherJob::Kind::teardown;
    job.instance_id = instance_id;
    job.netns = netns;
    for (const routing::PortId port : ports) {
        const int fd = network_.fd_of(port);
        if (fd < 0) continue;  // never installed (its launch is still under way)
        unwatch_port(port);
        job.to_close.push_back(network_.release(port));
    }
    launcher_.submit(std::move(job));
}

bool EventLoop::namespace_exists(const std::string& netns) const { return tap::named_netns_exists(netns); }

void EventLoop::make_key_ahead(const std::string& key_type) {
    ++keys_in_flight_[key_type];
    LauncherJob job;
    job.kind = LauncherJob::Kind::make_key;
    job.key_type = key_type;
    launcher_.submit(std::move(job));
}

instance::KeyMaterial EventLoop::key_material(const std::string& key_type) {
    auto& ready = keys_ahead_[key_type];
    if (!ready.empty()) {
        instance::KeyMaterial key = std::move(ready.back());
        ready.pop_back();
        make_key_ahead(key_type);
        return key;
    }
    // Never made on the loop (an RSA key takes ssh-keygen up to half a second): the caller is throttled,
    // as EC2 throttles, and the CLI retries once the launcher has made one.
    if (!key_error_.empty()) {
        const std::string why = std::move(key_error_);
        key_error_.clear();
        if (keys_in_flight_[key_type] == 0) make_key_ahead(key_type);
        throw routing::ApiError("InternalError", "vpclab could not make a " + key_type + " key: " + why);
    }
    if (keys_in_flight_[key_type] == 0) make_key_ahead(key_type);
    throw routing::ApiError("RequestLimitExceeded", "Request limit exceeded: the next " + key_type + " key is still being made (the CLI retries)");
}

void EventLoop::set_forwarding(const std::vector<routing::PortId>& ports, bool on) {
    // The carrier changes on the launcher thread (TUNSETCARRIER waits for the kernel's RTNL lock, which
    // namespace work holds), through dups of the fds; the loop only changes what it watches.
    LauncherJob job;
    job.kind = LauncherJob::Kind::carrier;
    job.carrier_on = on;
    for (const routing::PortId port : ports) {
        const int fd = network_.fd_of(port);
        if (fd < 0) continue;
        if (on) {
            for (const auto& [queue_fd, tag] : queues_of(port)) {
                if (queue_fd < 0) continue;
                epoll_event ev{};
                ev.events = EPOLLIN;
                ev.data.u64 = tag;
                if (::epoll_ctl(epoll_of(port), EPOLL_CTL_ADD, queue_fd, &ev) != 0 && errno != EEXIST)
                    spdlog::warn("port {}: epoll_ctl: {}", port, std::strerror(errno));
            }
        } else {
            unwatch_port(port);
        }
        tap::UniqueFd copy(::fcntl(fd, F_DUPFD_CLOEXEC, 0));
        if (copy) job.carrier_fds.push_back(std::move(copy));
    }
    launcher_.submit(std::move(job));
}

void EventLoop::on_launcher_results() {
    struct LoopTaps final : TapSink {
        EventLoop& loop;
        explicit LoopTaps(EventLoop& l) : loop(l) {}
        void install(routing::PortId port, tap::TapDevice tap) override { loop.install(port, std::move(tap)); }
        void discard(std::vector<PortTap> taps) override {
            if (taps.empty()) return;
            // Closing deletes the interface, which takes the kernel a while: off the loop too.
            LauncherJob job;
            job.kind = LauncherJob::Kind::teardown;
            for (auto& [port, tap] : taps) job.to_close.push_back(std::move(tap));
            loop.launcher_.submit(std::move(job));
        }
    } taps(*this);
    for (LauncherResult& r : launcher_.take_results()) {
        if (r.kind == LauncherJob::Kind::make_key) {
            // A failure (ssh-keygen missing) is reported to the next CreateKeyPair, which tries again.
            --keys_in_flight_[r.key_type];
            if (r.error.empty()) keys_ahead_[r.key_type].push_back(std::move(r.key));
            else key_error_ = r.error;
            continue;
        }
        apply_launcher_result(state_, r, taps, ready_instances_);
    }
    // A CloudFormation stack being deleted may have waited for an instance that has now gone.
    try {
        advance_stack_deletions(state_);
    } catch (const std::exception& e) {
        spdlog::error("resuming a stack's deletion: {}", e.what());
    }
}

}  // namespace vpclab::router
