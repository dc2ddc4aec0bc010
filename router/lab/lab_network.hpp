// The lab's network plumbing: one namespace per instance (one TAP per ENI), the region namespace (the
// simulated internet and AWS public services) and the VPC resolver's namespace, each on its own TAP.
#pragma once

#include <string>
#include <vector>

#include "endpoints/region_catalog.hpp"
#include "router/lab/instance_view.hpp"
#include "router/lab/stack_state.hpp"
#include "routing/forwarding_snapshot.hpp"
#include "routing/vpc_model.hpp"
#include "tap/link_config.hpp"
#include "tap/tap_device.hpp"

namespace vpclab::router {

struct InstanceNamespace {
    std::string instance_id, netns, hostname;
};

// What `vpclab up` will create for a model, computed without touching the system (so names can be checked
// first); instances launched later are added with add_instance, terminated ones removed.
struct LabPlan {
    std::vector<InstanceNamespace> instances;
    std::string region_netns, resolver_netns;
    std::vector<std::string> reserved;  // the backend's own (the OVN backend's databases and chassis)
    static LabPlan of(const routing::VpcModel& model);
    const InstanceNamespace* find(const std::string& instance_id) const;
    std::vector<std::string> all_namespaces() const;
    // The namespace an instance gets: <stack>-<Name tag>, else the logical ID, else the instance ID; never
    // one the plan already uses (the region's and resolver's included).
    const InstanceNamespace& add_instance(const routing::VpcModel& model, const routing::Instance& instance);
    void remove_instance(const std::string& instance_id);
};

// One ENI's TAP: where it goes and how it is configured inside the instance (what the VPC's DHCP would give).
struct InterfaceSetup {
    routing::PortId port = 0;
    std::string eni_id;
    tap::NamespaceInterface spec;
};

// Everything one instance's namespace needs: computed on the event loop from the model (cheap, pure), carried
// out by build_instance wherever it is slow enough to matter (the launcher thread at runtime).
struct InstanceSetup {
    InstanceViewSpec view;  // names, /etc/netns/<netns>/<file>s, UserData: the instance's own view of files
    std::vector<InterfaceSetup> interfaces;
};
InterfaceSetup interface_setup(const routing::VpcModel& model, const routing::NetworkInterface& eni);
InstanceSetup instance_setup(const routing::VpcModel& model, const InstanceNamespace& planned);

// Where an ENI's (or the region's) interface goes when the router's data path does not carry it: the OVN
// backend plugs a veth into a chassis's integration bridge (router/lab/ovn_backend.hpp). Called from the
// event loop at start-up and from the launcher thread at runtime.
class PortPlugger {
public:
    virtual ~PortPlugger() = default;
    // Makes `spec.name` inside `netns`, configured as `spec` says, the far end plugged as logical port `port`.
    virtual void plug(const std::string& netns, const std::string& port, const tap::NamespaceInterface& spec) = 0;
};
// The lab's plugger, set once before any namespace is made (none: every interface is a TAP of the router).
void set_port_plugger(PortPlugger* plugger);
PortPlugger* port_plugger();

using PortTap = std::pair<routing::PortId, tap::TapDevice>;
// Makes a named namespace, recorded in the ledger first (and forgotten again if the name was taken: what
// another stack or tool made is never this stack's to remove).
void make_namespace(Ledger& ledger, const std::string& netns);
// Creates the namespace (recorded in the ledger first), writes its /etc files, creates and configures its
// TAPs, makes its view and starts its init (instance_view.hpp). On failure removes what it made, namespace
// and view included, and throws. `fail_when_built` (a test
// failpoint) fails it once everything is made, as a netlink error at the last step would.
std::vector<PortTap> build_instance(const std::string& stack, const InstanceSetup& setup, Ledger& ledger, bool fail_when_built = false);
// One more ENI's TAP into an existing instance namespace (AttachNetworkInterface).
tap::TapDevice build_interface(const std::string& stack, const std::string& netns, const InterfaceSetup& setup);

// The addresses of the resolver's namespace (link-local: no VPC may use 169.254.0.0/16).
constexpr std::uint32_t resolver_link_network = 0xa9fefe00;  // 169.254.254.0/24: router .1, resolver .2
constexpr std::uint32_t resolver_vpc_base = 0xa9fe0000;      // VPC k answers at 169.254.k.2 and 169.254.k.253

// Where the region and resolver ports sit and their addresses and MACs, for a model: a pure function of
// the model and catalog, so a test or benchmark can compile the same snapshot the router does.
routing::ServicePorts plan_service_ports(const routing::VpcModel& model, const endpoints::RegionCatalog& catalog);

class LabNetwork {
public:
    // Creates every namespace and TAP, recording each namespace in the ledger first. On failure throws;
    // the caller removes what the ledger lists. Ports: region_port, resolver_port, and each ENI's own.
    static LabNetwork create(const routing::VpcModel& model, const LabPlan& plan, const endpoints::RegionCatalog& catalog,
                             Ledger& ledger);

    // The TAP's fd on a port, or -1 if no TAP is there (yet, or any more).
    int fd_of(routing::PortId port) const { return port < taps_.size() ? taps_[port].fd() : -1; }
    // Its interactive queue's fd (small frames, served first), or -1 (no TAP, or a single-queue one).
    int interactive_fd_of(routing::PortId port) const { return port < taps_.size() ? taps_[port].interactive_fd() : -1; }
    // One past the highest port with a TAP.
    std::size_t port_limit() const { return taps_.size(); }
    std::vector<routing::PortId> ports() const;
    void install(routing::PortId port, tap::TapDevice tap);
    // Takes a TAP out (to be closed elsewhere: closing deletes the interface, which takes the kernel a while).
    tap::TapDevice release(routing::PortId port);
    // At shutdown, after the namespaces were deleted: closes the resolver's sockets and every TAP
    // (tap::close_after_namespaces).
    void close_taps(std::chrono::milliseconds patience);
    const routing::ServicePorts& service_ports() const { return service_ports_; }
    // The resolver's UDP and TCP sockets on port 53, living in the resolver namespace.
    int dns_udp_fd() const { return dns_udp_.get(); }
    int dns_tcp_fd() const { return dns_tcp_.get(); }
    // The instance metadata service's TCP listener on port 80, in the resolver namespace.
    int metadata_fd() const { return metadata_tcp_.get(); }

private:
    std::vector<tap::TapDevice> taps_;  // indexed by port
    routing::ServicePorts service_ports_;
    tap::UniqueFd dns_udp_, dns_tcp_, metadata_tcp_;
};

// Names derived from the model: stable, and legal as namespace / interface names.
std::string namespace_name_for(const std::string& stack, const std::string& instance_name);
std::string tap_name_for(const std::string& stack, const std::string& eni_id);

}  // namespace vpclab::router
