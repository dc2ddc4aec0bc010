// Everything the running router owns besides file descriptors: the model, the region's catalog, the
// compiled snapshot and DNS zones, the namespaces it made, and the counters. The control API changes the
// model through commit(); the data path reads `snapshot`, the resolver reads `dns_zones`.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "endpoints/dns_zone.hpp"
#include "endpoints/region_catalog.hpp"
#include "router/control/cloudformation/cloudformation_stack.hpp"
#include "instance/key_pair.hpp"
#include "router/data_path/counters.hpp"
#include "router/data_path/packet_capture.hpp"
#include "router/data_path/flow_state.hpp"
#include "router/flow_logs/log_store.hpp"
#include "router/trace/live_trace.hpp"
#include "router/gateway_endpoint_table.hpp"
#include "router/lab/lab_network.hpp"
#include "routing/forwarding_snapshot.hpp"
#include "routing/vpc_model.hpp"

namespace vpclab::router {

// The slow system work behind runtime instance actions, done after their commit: by the event loop's
// launcher thread in the router (so frames never wait for netlink), recorded by a fake in unit tests.
class LabRuntime {
public:
    // Builds a pending instance's namespace and TAPs; the instance turns running when they are in place
    // (or terminated, with Server.InternalError, if that fails: EC2 User Guide, "Instance terminates immediately").
    virtual void launch(const InstanceSetup& setup) = 0;
    // An ENI's TAP into a running instance's namespace (AttachNetworkInterface).
    virtual void attach(const std::string& instance_id, const std::string& attachment_id, const std::string& netns,
                        const InterfaceSetup& interface) = 0;
    // Takes the ports' TAPs off the data path and deletes them, then the namespace if one is named; an
    // instance named turns terminated once that is done.
    virtual void release(const std::string& instance_id, const std::string& netns, const std::vector<routing::PortId>& ports) = 0;
    // Takes the ports' TAPs off the data path with their carrier down (the instance sees NO-CARRIER), or
    // puts them back with carrier up: StopInstances / StartInstances. Quick: done on the loop.
    virtual void set_forwarding(const std::vector<routing::PortId>& ports, bool on) = 0;
    // Whether a network namespace of that name already exists on the host (a launch must not take it).
    virtual bool namespace_exists(const std::string& netns) const = 0;
    // A new key (CreateKeyPair), "rsa" or "ed25519", from keys made ahead on the launcher thread: making one
    // (ssh-keygen, up to half a second for RSA) never holds up forwarding. None ready: ApiError
    // RequestLimitExceeded (the CLI retries, as the aws CLI retries throttling).
    virtual instance::KeyMaterial key_material(const std::string& key_type) = 0;

protected:
    ~LabRuntime() = default;
};

struct RouterState {
    std::unique_ptr<routing::VpcModel> model;
    std::unique_ptr<endpoints::RegionCatalog> catalog;
    routing::ServicePorts service_ports;
    std::shared_ptr<const routing::ForwardingSnapshot> snapshot;
    std::vector<endpoints::DnsZone> dns_zones;  // per VPC, in model order
    LabPlan plan;
    Counters counters;  // indexed by port (routing::PortId)
    std::uint64_t dns_queries_answered = 0;
    bool shutdown_requested = false;
    LabRuntime* runtime = nullptr;  // the event loop's; none: instances launched at runtime stay pending
    // The data path's connection tables (the event loop's), which a trace's dry run copies; none: no data path.
    const FlowState* flows = nullptr;
    // `vpclab capture`: its sessions and their rings (the forwarding workers fill them while one runs).
    PacketCaptures captures;
    LiveTrace live_trace;  // `vpclab trace --live`: started and polled by control requests, fed by the event loop
    // The lab's CloudWatch Logs (flow logs publish here; `vpclab logs` reads it), and where S3 flow logs
    // write their objects (the stack's directory; empty: not written, as in unit tests).
    LogStore logs;
    std::filesystem::path s3_root;
    int flow_log_speedup = 1;  // vpclab up --flow-log-speedup: aggregation windows this many times shorter
    int nat_idle_timeout = 350;  // vpclab up --nat-idle-timeout: NAT gateways' idle timeout (AWS: 350 s)

    // Security group connection tracking: the table's size (vpclab up --max-tracked-connections), and how
    // full it is as of the event loop's last batch (for `vpclab stats`).
    std::size_t max_tracked_connections = 131072;
    int health_check_speedup = 1;  // vpclab up --health-check-speedup
    int forwarding_workers = 1;    // vpclab up --workers: forwarding threads (the event loop's and, with 2, one more)
    // vpclab up --tap-writes: a batch's sends in one io_uring submit, or one write() each; false too once
    // any worker writes one by one for want of io_uring (what `vpclab stats` reports).
    bool batched_tap_writes = true;
    // The lab's AWS API endpoint (router/aws_api/): the one key pair it accepts (SigV4), and its port on
    // 127.0.0.1 (0: none, as in unit tests).
    std::string aws_access_key_id, aws_secret_access_key;
    std::uint16_t aws_endpoint_port = 0;
    // The lab's web console (router/console/): its address on 127.0.0.1 and its token (port 0: none).
    std::uint16_t console_port = 0;
    std::string console_token;
    // Grows by one at every commit (and recompile): the console redraws its map when it changes.
    std::uint64_t generation = 0;
    // CloudFormation: the lab's stacks (the template `up` ran is the first), and the template loader's check
    // for ValidateTemplate (none: the call is refused, as in unit tests of the control layer alone).
    std::vector<CloudFormationStack> cloudformation_stacks;
    TemplateValidator validate_template;
    // Loads a template into a model copy as a new stack (CreateStack, change sets); none: those are refused.
    StackTemplateLoader load_stack_template;
    struct ConnectionTrackingStats {
        std::size_t flows = 0, max_flows = 0, memory_bytes = 0;
        std::uint64_t refused = 0;
        // Interface endpoints' connections (their port-translation table).
        std::size_t endpoint_connections = 0, max_endpoint_connections = 0;
        std::uint64_t endpoint_refused = 0;
        // Network load balancers' connections.
        std::size_t load_balancer_connections = 0, max_load_balancer_connections = 0;
        std::uint64_t load_balancer_refused = 0;
        // NAT gateways' translations: refused for want of a port (ErrorPortAllocation), or of room.
        std::size_t nat_translations = 0, max_nat_translations = 0, nat_memory_bytes = 0, nat_per_destination = 0;
        std::uint64_t nat_port_allocation_errors = 0, nat_refused = 0;
        std::uint32_t nat_idle_timeout = 0;
    } connection_tracking;

    // Where the region's web server reads the gateway endpoints (empty: not published, as in unit tests).
    std::filesystem::path gateway_endpoints_file;

    // The OVN backend (router/lab/ovn_backend.hpp), when the lab runs on it. `prepare_backend` sees each
    // commit's model before the swap (its ApiError refuses the change, which then changes nothing) and
    // returns what applies it once swapped (never throws: a failure is kept, `backend_error` says it to
    // `vpclab stats`, and it is retried at the next commit). `backend_trace` explains a packet from an ENI with
    // ovn-trace. Empty: the userspace data path alone.
    std::function<std::function<void()>(const routing::VpcModel&)> prepare_backend;
    std::function<std::string()> backend_error;
    struct BackendTraceQuestion {
        std::string eni_id;
        std::uint32_t destination = 0;
        int protocol = 1;
        std::uint16_t source_port = 0, destination_port = 0;
    };
    std::function<std::string(const BackendTraceQuestion&)> backend_trace;

    // Test hook: called after a commit's compile, just before the swap; a throw here must change nothing.
    std::function<void()> fault_before_swap;

    // The one commit point of the control plane (DESIGN.md §3): `change` runs on a copy of the model, the
    // copy is compiled, and only then are model, snapshot and DNS zones swapped together. If `change`
    // refuses (ApiError) or anything after it throws, all three stay as they were. Returns what `change`
    // returns (it may refer into the new model, which lives on).
    template <class Change>
    auto commit(Change&& change) {
        auto next = std::make_unique<routing::VpcModel>(*model);
        auto result = change(*next);
        auto next_snapshot = routing::ForwardingSnapshot::compile(*next, service_ports, snapshot.get());
        auto next_zones = zones_of(*next);
        std::function<void()> apply_backend = prepare_backend ? prepare_backend(*next) : nullptr;
        if (fault_before_swap) fault_before_swap();
        if (counters.size() < next_snapshot->port_limit()) counters.resize(next_snapshot->port_limit());
        model = std::move(next);  // nothing below throws
        snapshot = std::move(next_snapshot);
        dns_zones.swap(next_zones);
        ++generation;
        publish();
        if (apply_backend) apply_backend();
        return result;
    }

    // Compiles the model as it is (at start-up, before the data path runs).
    void recompile() {
        snapshot = routing::ForwardingSnapshot::compile(*model, service_ports, snapshot.get());
        dns_zones = zones_of(*model);
        if (counters.size() < snapshot->port_limit()) counters.resize(snapshot->port_limit());
        ++generation;
        publish();
        if (prepare_backend) prepare_backend(*model)();
    }

private:
    std::string published_gateway_endpoints;  // what publish() last wrote to gateway_endpoints_file
    void publish() noexcept {
        if (!gateway_endpoints_file.empty()) publish_gateway_endpoints(gateway_endpoints_file, *model, published_gateway_endpoints);
    }
    std::vector<endpoints::DnsZone> zones_of(const routing::VpcModel& m) const {
        std::vector<endpoints::DnsZone> zones(m.vpcs().size());
        for (std::size_t i = 0; i < zones.size(); ++i) zones[i] = endpoints::build_zone(m, *catalog, i);
        return zones;
    }
};

}  // namespace vpclab::router
