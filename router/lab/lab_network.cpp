// Creating the instance namespaces and their TAPs for a VPC model.
#include "router/lab/lab_network.hpp"

#include <set>

#include "tap/link_config.hpp"
#include "tap/network_namespace.hpp"

namespace vpclab::router {

std::string namespace_name_for(const std::string& stack, const std::string& instance_name) {
    std::string n = stack + "-";
    for (char c : instance_name) n += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.') ? c : '-';
    return n;
}

std::string tap_name_for(const std::string& stack, const std::string& eni_id) {
    static constexpr char hex[] = "0123456789abcdef";
    const std::uint64_t h = routing::stable_hash(stack + "/" + eni_id);
    std::string name = "vl";  // 2 + 12 hex = 14 characters: within IFNAMSIZ
    for (int i = 0; i < 12; ++i) name += hex[(h >> (4 * i)) & 0xf];
    return name;
}

std::string hostname_for(std::uint32_t ip) {
    std::string a = routing::format_ipv4(ip);
    for (char& c : a)
        if (c == '.') c = '-';
    return "ip-" + a;
}

LabPlan LabPlan::of(const routing::VpcModel& model) {
    LabPlan plan;
    std::set<std::string> names;
    for (const auto& inst : model.instances()) {
        std::string ns = namespace_name_for(model.stack_name(), inst.display_name());
        // Two instances with the same Name tag: fall back to the logical ID, then the instance ID.
        if (names.count(ns)) ns = namespace_name_for(model.stack_name(), inst.logical_id.empty() ? inst.id : inst.logical_id);
        if (names.count(ns)) ns = namespace_name_for(model.stack_name(), inst.id);
        names.insert(ns);
        const auto& primary = model.network_interface(inst.network_interface_ids.front());
        plan.instances.push_back({inst.id, inst.display_name(), ns, hostname_for(primary.private_ip)});
    }
    return plan;
}

const InstanceNamespace* LabPlan::find(const std::string& instance_id) const {
    for (const auto& i : instances)
        if (i.instance_id == instance_id) return &i;
    return nullptr;
}

LabNetwork LabNetwork::create(const routing::VpcModel& model, const LabPlan& plan, Ledger& ledger) {
    for (const auto& inst : plan.instances) {
        ledger.record_namespace(inst.netns);
        tap::create_named_netns(inst.netns);
        const auto& eni = model.network_interface(model.instance(inst.instance_id).network_interface_ids.front());
        const std::string domain = model.region() == "us-east-1" ? "ec2.internal" : model.region() + ".compute.internal";
        // The VPC resolver at base+2 of the VPC CIDR (VPC User Guide, "Amazon DNS server").
        const std::uint32_t resolver = model.vpc(eni.vpc_id).cidr.network + 2;
        tap::write_netns_etc_file(inst.netns, "resolv.conf",
                                  "# written by vpclab: the VPC's Amazon-provided DNS server\nsearch " + domain +
                                      "\nnameserver " + routing::format_ipv4(resolver) + "\noptions timeout:2 attempts:2\n");
        tap::write_netns_etc_file(inst.netns, "hostname", inst.hostname + "\n");
        tap::write_netns_etc_file(inst.netns, "hosts",
                                  "127.0.0.1   localhost localhost.localdomain\n" + routing::format_ipv4(eni.private_ip) +
                                      "   " + inst.hostname + "." + domain + " " + inst.hostname + "\n");
    }
    LabNetwork net;
    for (const auto& eni : model.network_interfaces()) {
        const InstanceNamespace* inst = plan.find(eni.instance_id);
        const auto& subnet = model.subnet(eni.subnet_id);
        tap::TapDevice dev = tap::TapDevice::create(tap_name_for(model.stack_name(), eni.id));
        tap::InstanceInterface spec;
        spec.tap_name = dev.name();
        spec.name = "eth" + std::to_string(eni.device_index);
        spec.mac = eni.mac;
        spec.address = eni.private_ip;
        spec.prefix_length = subnet.cidr.prefix_length;
        // Secondary ENIs get an address only; the default route stays on eth0, as on an EC2 instance.
        spec.gateway = eni.device_index == 0 ? subnet.router_address() : 0;
        tap::UniqueFd netns = tap::open_named_netns(inst->netns);
        tap::configure_instance_interface(netns.get(), spec);
        net.taps_.push_back(std::move(dev));
    }
    return net;
}

}  // namespace vpclab::router
