// The lab's network plumbing: one namespace per instance, one TAP per ENI, configured like the instance.
#pragma once

#include <string>
#include <vector>

#include "router/lab/stack_state.hpp"
#include "routing/vpc_model.hpp"
#include "tap/tap_device.hpp"

namespace vpclab::router {

struct InstanceNamespace {
    std::string instance_id, instance_name, netns, hostname;
};

// What `vpclab up` will create for a model, computed without touching the system (so names can be checked first).
struct LabPlan {
    std::vector<InstanceNamespace> instances;
    static LabPlan of(const routing::VpcModel& model);
    const InstanceNamespace* find(const std::string& instance_id) const;
};

class LabNetwork {
public:
    // Creates every namespace and TAP, recording each namespace in the ledger first. On failure throws;
    // the caller removes what the ledger lists.
    static LabNetwork create(const routing::VpcModel& model, const LabPlan& plan, Ledger& ledger);

    // The TAP fd of each port (ENI), indexed like VpcModel::network_interfaces().
    int fd_of(std::size_t port) const { return taps_[port].fd(); }
    std::size_t port_count() const { return taps_.size(); }

private:
    std::vector<tap::TapDevice> taps_;
};

// Names derived from the model: stable, and legal as namespace / interface names.
std::string namespace_name_for(const std::string& stack, const std::string& instance_name);
std::string tap_name_for(const std::string& stack, const std::string& eni_id);
std::string hostname_for(std::uint32_t private_ip);  // ip-10-10-1-4, as EC2 names instances

}  // namespace vpclab::router
