// The launcher: a worker thread that does the slow system work of runtime instances (namespaces, TAPs,
// netlink; tearing them down again), so the event loop never waits for it and frames keep flowing
// (DESIGN.md §3). The loop submits jobs and collects results when notify_fd() is readable; only the loop
// touches the model.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "instance/key_pair.hpp"
#include "router/lab/lab_network.hpp"
#include "router/lab/stack_state.hpp"
#include "tap/unique_fd.hpp"

namespace vpclab::router {

struct LauncherJob {
    enum class Kind { launch, attach, teardown, carrier, make_key };
    Kind kind = Kind::launch;
    std::string instance_id;
    InstanceSetup setup;                  // launch
    std::string netns;                    // attach: into this namespace; teardown: remove it ("" keeps it)
    InterfaceSetup interface;             // attach
    std::string attachment_id;            // attach: the attachment this TAP is for
    std::vector<tap::TapDevice> to_close;  // teardown: TAPs taken off the loop (closing deletes them)
    std::vector<tap::UniqueFd> carrier_fds;  // carrier: dups of TAP fds the loop keeps
    bool carrier_on = false;
    std::string key_type;                 // make_key: "rsa" or "ed25519"
};

struct LauncherResult {
    LauncherJob::Kind kind = LauncherJob::Kind::launch;
    std::string instance_id;
    std::string eni_id;                // attach
    std::string attachment_id;         // attach
    std::string error;                 // empty: done
    std::vector<PortTap> taps;         // launch, attach: to install
    std::string key_type;              // make_key
    instance::KeyMaterial key;         // make_key: a key made ahead for CreateKeyPair
};

class InstanceLauncher {
public:
    InstanceLauncher(std::string stack, std::filesystem::path ledger);
    // Finishes the job in hand, drops the queue (down removes what the ledger lists), joins.
    ~InstanceLauncher();
    InstanceLauncher(const InstanceLauncher&) = delete;
    InstanceLauncher& operator=(const InstanceLauncher&) = delete;

    void submit(LauncherJob job);
    // Readable (an eventfd) while results wait to be taken.
    int notify_fd() const { return notify_.get(); }
    std::vector<LauncherResult> take_results();

private:
    void run();
    LauncherResult perform(LauncherJob& job);

    std::string stack_;
    // Failpoint for tests (environment VPCLAB_TEST_FAIL_LAUNCH=NAME, read at start): the launch of the
    // instance whose namespace is <stack>-NAME fails after its namespace and TAPs were made, as a netlink
    // error halfway through would.
    std::string failing_netns_;
    Ledger ledger_;
    tap::UniqueFd notify_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<LauncherJob> jobs_;
    std::vector<LauncherResult> results_;
    bool stopping_ = false;
    std::thread worker_;
};

}  // namespace vpclab::router
