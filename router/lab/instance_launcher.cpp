// The launcher thread: builds and removes instance namespaces and TAPs off the event loop.
#include "router/lab/instance_launcher.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdlib>

#include <spdlog/spdlog.h>

#include "router/lab/signal_free_thread.hpp"
#include "tap/network_namespace.hpp"
#include "tap/system_error.hpp"

namespace vpclab::router {

InstanceLauncher::InstanceLauncher(std::string stack, std::filesystem::path ledger)
    : stack_(std::move(stack)), ledger_(std::move(ledger)), notify_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    if (!notify_) tap::throw_errno("eventfd");
    if (const char* name = std::getenv("VPCLAB_TEST_FAIL_LAUNCH"); name && *name) failing_netns_ = stack_ + "-" + name;
    worker_ = start_signal_free_thread([this] { run(); });
}

InstanceLauncher::~InstanceLauncher() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        jobs_.clear();
    }
    wake_.notify_all();
    worker_.join();
}

void InstanceLauncher::submit(LauncherJob job) {
    {
        std::lock_guard lock(mutex_);
        // A key made ahead is what CreateKeyPair waits for, on the loop: it goes before queued launches.
        if (job.kind == LauncherJob::Kind::make_key) jobs_.push_front(std::move(job));
        else jobs_.push_back(std::move(job));
    }
    wake_.notify_one();
}

std::vector<LauncherResult> InstanceLauncher::take_results() {
    std::uint64_t ignored;
    [[maybe_unused]] const ssize_t n = ::read(notify_.get(), &ignored, sizeof ignored);
    std::lock_guard lock(mutex_);
    std::vector<LauncherResult> out;
    out.swap(results_);
    return out;
}

void InstanceLauncher::run() {
    while (true) {
        LauncherJob job;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
            if (stopping_) return;
            job = std::move(jobs_.front());
            jobs_.pop_front();
        }
        LauncherResult result = perform(job);
        {
            std::lock_guard lock(mutex_);
            results_.push_back(std::move(result));
        }
        const std::uint64_t one = 1;
        [[maybe_unused]] const ssize_t n = ::write(notify_.get(), &one, sizeof one);
    }
}

LauncherResult InstanceLauncher::perform(LauncherJob& job) {
    LauncherResult r;
    r.kind = job.kind;
    r.instance_id = job.instance_id;
    try {
        switch (job.kind) {
            case LauncherJob::Kind::launch:
                r.taps = build_instance(stack_, job.setup, ledger_, !failing_netns_.empty() && job.setup.view.netns == failing_netns_);
                break;
            case LauncherJob::Kind::attach:
                r.eni_id = job.interface.eni_id;
                r.attachment_id = job.attachment_id;
                r.taps.emplace_back(job.interface.port, build_interface(stack_, job.netns, job.interface));
                break;
            case LauncherJob::Kind::carrier:
                for (const auto& fd : job.carrier_fds) tap::set_tap_carrier(fd.get(), job.carrier_on);
                break;
            case LauncherJob::Kind::make_key:
                r.key_type = job.key_type;
                // In the stack's own directory: a router killed meanwhile leaves nothing `down` does not remove.
                r.key = instance::make_key_material(job.key_type, StackPaths::of(stack_).dir.string());
                break;
            case LauncherJob::Kind::teardown:
                // Kills what runs inside, unmounts, removes /run/netns/<ns> and /etc/netns/<ns>/.
                if (!job.netns.empty()) {
                    tap::delete_named_netns(job.netns);
                    // Terminated: its files go too, as an EC2 instance's root volume does (DeleteOnTermination).
                    remove_instance_view(InstanceViewPaths::of(stack_, job.instance_id));
                    ledger_.forget_namespace(job.netns);
                    // The TAPs go with their namespace, so closing them after costs nothing.
                    tap::close_after_namespaces(job.to_close, std::chrono::milliseconds(500));
                }
                job.to_close.clear();  // a detached interface (namespace kept): closing deletes it
                break;
        }
    } catch (const std::exception& e) {
        r.error = e.what();
        r.taps.clear();
        static constexpr const char* kinds[] = {"launch", "attach", "teardown", "carrier change", "key making"};
        spdlog::warn("launcher: {} of {} failed: {}", kinds[static_cast<int>(job.kind)], job.instance_id, e.what());
    }
    return r;
}

}  // namespace vpclab::router
