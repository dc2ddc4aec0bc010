// The lab's network plumbing: one namespace per instance (one TAP per ENI), the region namespace (the
// simulated internet and AWS public services) and the VPC resolver's namespace, each on its own TAP.
#pragma once

#include <string>
#include <vector>

#include "endpoints/region_catalog.hpp"
#include "router/lab/stack_state.hpp"
#include "routing/forwarding_snapshot.hpp"
#include "routing/vpc_model.hpp"
#include "tap/tap_device.hpp"

namespace vpclab::router {

struct InstanceNamespace {
    std::string instance_id, instance_name, netns, hostname;
};

// What `vpclab up` will create for a model, computed without touching the system (so names can be checked first).
struct LabPlan {
    std::vector<InstanceNamespace> instances;
    std::string region_netns, resolver_netns;
    static LabPlan of(const routing::VpcModel& model);
    const InstanceNamespace* find(const std::string& instance_id) const;
    std::vector<std::string> all_namespaces() const;
};

// The addresses of the resolver's namespace (link-local: no VPC may use 169.254.0.0/16).
constexpr std::uint32_t resolver_link_network = 0xa9fefe00;  // 169.254.254.0/24: router .1, resolver .2
constexpr std::uint32_t resolver_vpc_base = 0xa9fe0000;      // VPC k answers at 169.254.k.2 and 169.254.k.253

// Where the region and resolver ports sit and their addresses and MACs, for a model: a pure function of
// the model and catalog, so a test or benchmark can compile the same snapshot the router does.
routing::ServicePorts plan_service_ports(const routing::VpcModel& model, const endpoints::RegionCatalog& catalog);

class LabNetwork {
public:
    // Creates every namespace and TAP, recording each namespace in the ledger first. On failure throws;
    // the caller removes what the ledger lists. Ports: the ENIs in model order, then region, then resolver.
    static LabNetwork create(const routing::VpcModel& model, const LabPlan& plan, const endpoints::RegionCatalog& catalog,
                             Ledger& ledger);

    int fd_of(std::size_t port) const { return taps_[port].fd(); }
    std::size_t port_count() const { return taps_.size(); }
    const routing::ServicePorts& service_ports() const { return service_ports_; }
    // The resolver's UDP and TCP sockets on port 53, living in the resolver namespace.
    int dns_udp_fd() const { return dns_udp_.get(); }
    int dns_tcp_fd() const { return dns_tcp_.get(); }

private:
    std::vector<tap::TapDevice> taps_;
    routing::ServicePorts service_ports_;
    tap::UniqueFd dns_udp_, dns_tcp_;
};

// Names derived from the model: stable, and legal as namespace / interface names.
std::string namespace_name_for(const std::string& stack, const std::string& instance_name);
std::string tap_name_for(const std::string& stack, const std::string& eni_id);

}  // namespace vpclab::router
