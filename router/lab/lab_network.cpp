// Creating the instance, region and resolver namespaces and their TAPs.
#include "router/lab/lab_network.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <set>

#include "endpoints/dns_zone.hpp"
#include "instance/base64.hpp"
#include "tap/link_config.hpp"
#include "tap/network_namespace.hpp"
#include "tap/system_error.hpp"

namespace vpclab::router {

using routing::format_ipv4;

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

LabPlan LabPlan::of(const routing::VpcModel& model) {
    LabPlan plan;
    // An instance named "region" would collide with the region: the suffix keeps lab plumbing apart.
    std::set<std::string> names;
    for (const auto& inst : model.instances()) names.insert(namespace_name_for(model.stack_name(), inst.display_name()));
    plan.region_netns = model.stack_name() + (names.count(model.stack_name() + "-region") ? "-region-ns" : "-region");
    plan.resolver_netns = model.stack_name() + (names.count(model.stack_name() + "-vpc-dns") ? "-vpc-dns-ns" : "-vpc-dns");
    for (const auto& inst : model.instances()) plan.add_instance(model, inst);
    return plan;
}

const InstanceNamespace& LabPlan::add_instance(const routing::VpcModel& model, const routing::Instance& inst) {
    const auto used = all_namespaces();
    auto taken = [&](const std::string& ns) { return std::find(used.begin(), used.end(), ns) != used.end(); };
    std::string ns = namespace_name_for(model.stack_name(), inst.display_name());
    // Two instances with the same Name tag: fall back to the logical ID, then the instance ID.
    if (taken(ns)) ns = namespace_name_for(model.stack_name(), inst.logical_id.empty() ? inst.id : inst.logical_id);
    if (taken(ns)) ns = namespace_name_for(model.stack_name(), inst.id);
    const auto& primary = model.network_interface(inst.network_interface_ids.front());
    instances.push_back({inst.id, ns, endpoints::instance_hostname(primary.private_ip)});
    return instances.back();
}

void LabPlan::remove_instance(const std::string& instance_id) {
    std::erase_if(instances, [&](const InstanceNamespace& i) { return i.instance_id == instance_id; });
}

const InstanceNamespace* LabPlan::find(const std::string& instance_id) const {
    for (const auto& i : instances)
        if (i.instance_id == instance_id) return &i;
    return nullptr;
}

std::vector<std::string> LabPlan::all_namespaces() const {
    std::vector<std::string> out;
    for (const auto& i : instances) out.push_back(i.netns);
    if (!region_netns.empty()) out.push_back(region_netns);
    if (!resolver_netns.empty()) out.push_back(resolver_netns);
    out.insert(out.end(), reserved.begin(), reserved.end());
    return out;
}

namespace {

wire::MacAddress mac_for(const std::string& stack, const std::string& what) {
    return wire::MacAddress::locally_administered(routing::stable_hash(stack + "/" + what));
}

tap::TapDevice tap_into(const std::string& stack, const std::string& key, const std::string& netns, tap::NamespaceInterface spec) {
    tap::TapDevice dev = tap::TapDevice::create(tap_name_for(stack, key));
    spec.tap_name = dev.name();
    tap::UniqueFd ns = tap::open_named_netns(netns);
    tap::configure_namespace_interface(ns.get(), spec);
    dev.set_carrier(true);  // the interface inside reads UP
    return dev;
}

}  // namespace

// Recorded before it is made (so a crash leaves it listed), and forgotten again if the name was taken
// meanwhile: what another stack or tool made must never be removed by this stack's cleanup.
void make_namespace(Ledger& ledger, const std::string& netns) {
    ledger.record_namespace(netns);
    try {
        tap::create_named_netns(netns);
    } catch (const tap::SystemError& e) {
        if (e.error_number() == EEXIST) ledger.forget_namespace(netns);
        throw;
    }
}

namespace {

// The resolver's sockets are created inside its namespace and stay there (a socket keeps the namespace it
// was made in), while the router process itself stays in the root namespace.
void open_resolver_sockets(const std::string& netns, tap::UniqueFd& udp, tap::UniqueFd& tcp, tap::UniqueFd& metadata) {
    tap::UniqueFd ns = tap::open_named_netns(netns);
    tap::NetnsGuard inside(ns.get());
    sockaddr_in any{};
    any.sin_family = AF_INET;
    any.sin_port = htons(53);
    const int on = 1;
    udp = tap::UniqueFd(::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!udp) tap::throw_errno("resolver UDP socket");
    // IP_PKTINFO tells which local address a query was sent to, i.e. which VPC asked.
    ::setsockopt(udp.get(), IPPROTO_IP, IP_PKTINFO, &on, sizeof on);
    if (::bind(udp.get(), reinterpret_cast<sockaddr*>(&any), sizeof any) != 0) tap::throw_errno("bind resolver UDP 53");
    tcp = tap::UniqueFd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!tcp) tap::throw_errno("resolver TCP socket");
    ::setsockopt(tcp.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (::bind(tcp.get(), reinterpret_cast<sockaddr*>(&any), sizeof any) != 0) tap::throw_errno("bind resolver TCP 53");
    if (::listen(tcp.get(), 64) != 0) tap::throw_errno("listen resolver TCP 53");
    // The instance metadata service: HTTP on port 80 of every VPC's 169.254.k.254.
    sockaddr_in http = any;
    http.sin_port = htons(80);
    metadata = tap::UniqueFd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!metadata) tap::throw_errno("metadata TCP socket");
    ::setsockopt(metadata.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (::bind(metadata.get(), reinterpret_cast<sockaddr*>(&http), sizeof http) != 0) tap::throw_errno("bind metadata TCP 80");
    if (::listen(metadata.get(), 64) != 0) tap::throw_errno("listen metadata TCP 80");
}

}  // namespace

InterfaceSetup interface_setup(const routing::VpcModel& model, const routing::NetworkInterface& eni) {
    const auto& subnet = model.subnet(eni.subnet_id);
    InterfaceSetup out;
    out.port = eni.port;
    out.eni_id = eni.id;
    out.spec.name = "eth" + std::to_string(eni.device_index);
    out.spec.mac = eni.mac;
    out.spec.address = eni.private_ip;
    out.spec.prefix_length = subnet.cidr.prefix_length;
    // Secondary ENIs get an address and so the route to their own subnet; the default route stays on eth0,
    // as on an EC2 instance.
    if (eni.device_index == 0) out.spec.routes.push_back({0, 0, subnet.router_address(), false});
    return out;
}

InstanceSetup instance_setup(const routing::VpcModel& model, const InstanceNamespace& planned) {
    const auto& inst = model.instance(planned.instance_id);
    const auto& eni = model.network_interface(inst.network_interface_ids.front());
    const std::string domain = endpoints::private_dns_domain(model.region());
    InstanceSetup out;
    out.view.stack = model.stack_name();
    out.view.instance_id = inst.id;
    out.view.netns = planned.netns;
    out.view.hostname = planned.hostname;
    // Kept base64 as EC2 keeps it; undecodable UserData was reported by whoever accepted it and is not read.
    if (auto script = instance::base64_decode(inst.user_data)) out.view.user_data = std::move(*script);
    out.view.authorized_key = inst.public_key;
    // The VPC resolver at base+2 of the VPC CIDR (VPC User Guide, "Amazon DNS server").
    const std::uint32_t resolver = model.vpc(eni.vpc_id).cidr.network + 2;
    out.view.etc_files = {
        {"resolv.conf", "# written by vpclab: the VPC's Amazon-provided DNS server\nsearch " + domain + "\nnameserver " +
                            format_ipv4(resolver) + "\noptions timeout:2 attempts:2\n"},
        {"hostname", planned.hostname + "\n"},
        {"hosts", "127.0.0.1   localhost localhost.localdomain\n" + format_ipv4(eni.private_ip) + "   " + planned.hostname + "." +
                      domain + " " + planned.hostname + "\n"},
    };
    for (const auto& id : inst.network_interface_ids) out.interfaces.push_back(interface_setup(model, model.network_interface(id)));
    return out;
}

namespace {
std::atomic<PortPlugger*> lab_plugger{nullptr};
}  // namespace

void set_port_plugger(PortPlugger* plugger) { lab_plugger.store(plugger); }
PortPlugger* port_plugger() { return lab_plugger.load(); }

tap::TapDevice build_interface(const std::string& stack, const std::string& netns, const InterfaceSetup& setup) {
    if (PortPlugger* plugger = port_plugger()) {
        plugger->plug(netns, setup.eni_id, setup.spec);
        return {};  // no TAP: the router's data path does not carry this ENI
    }
    return tap_into(stack, setup.eni_id, netns, setup.spec);
}

std::vector<PortTap> build_instance(const std::string& stack, const InstanceSetup& setup, Ledger& ledger, bool fail_when_built) {
    const auto& netns = setup.view.netns;
    make_namespace(ledger, netns);
    try {
        for (const auto& [file, content] : setup.view.etc_files) tap::write_netns_etc_file(netns, file, content);
        std::vector<PortTap> taps;
        for (const auto& i : setup.interfaces) taps.emplace_back(i.port, build_interface(stack, netns, i));
        make_instance_view(setup.view);
        if (fail_when_built) throw std::runtime_error("injected failure after the namespace, TAPs and init were made (VPCLAB_TEST_FAIL_LAUNCH)");
        return taps;
    } catch (...) {
        // The TAPs made so far closed with `taps` above (which deletes them); now the namespace and what
        // runs in it (the init included), then the view's files.
        tap::delete_named_netns(netns);
        ledger.forget_namespace(netns);
        remove_instance_view(InstanceViewPaths::of(stack, setup.view.instance_id));
        throw;
    }
}

routing::ServicePorts plan_service_ports(const routing::VpcModel& model, const endpoints::RegionCatalog& catalog) {
    const std::string& stack = model.stack_name();
    const auto& plan_addresses = catalog.plan();
    routing::ServicePorts sp;
    sp.region = routing::region_port;
    sp.region_mac = mac_for(stack, "region");
    sp.region_router_mac = mac_for(stack, "region-router");
    sp.region_link = plan_addresses.router_link();
    sp.region_router_ip = plan_addresses.router_link_address();
    sp.public_pool = plan_addresses.instance_pool();
    sp.region_hosts = catalog.all_addresses();
    sp.endpoint_block = plan_addresses.endpoint_block();
    sp.resolver = routing::resolver_port;
    sp.resolver_mac = mac_for(stack, "resolver");
    sp.resolver_router_mac = mac_for(stack, "resolver-router");
    sp.resolver_link = {resolver_link_network, 24};
    sp.resolver_router_ip = resolver_link_network + 1;
    sp.resolver_base = resolver_vpc_base;
    return sp;
}

LabNetwork LabNetwork::create(const routing::VpcModel& model, const LabPlan& plan, const endpoints::RegionCatalog& catalog,
                              Ledger& ledger) {
    const std::string& stack = model.stack_name();
    LabNetwork net;
    for (const auto& inst : plan.instances)
        for (auto& [port, tap] : build_instance(stack, instance_setup(model, inst), ledger)) net.install(port, std::move(tap));
    make_namespace(ledger, plan.region_netns);
    make_namespace(ledger, plan.resolver_netns);

    // The region: eth0 on the router link; the services' and hosts' addresses on lo; the lab's public IPs
    // reached back through the router (and between each other through the region's own forwarding, one
    // internet hop); anything else is blackholed: "there is no real internet" (DESIGN.md §4).
    const auto& plan_addresses = catalog.plan();
    net.service_ports_ = plan_service_ports(model, catalog);
    const routing::ServicePorts& sp = net.service_ports_;
    {
        tap::NamespaceInterface spec;
        spec.mac = sp.region_mac;
        spec.address = plan_addresses.region_link_address();
        spec.prefix_length = sp.region_link.prefix_length;
        spec.loopback_addresses = catalog.all_addresses();
        PortPlugger* plugger = port_plugger();
        // On the OVN backend the routes back into the VPCs go through each VPC's edge port, kept by its
        // reconciler (routing/ovn/northbound.hpp, RegionRoute).
        if (!plugger) spec.routes.push_back({sp.public_pool.network, sp.public_pool.prefix_length, sp.region_router_ip, false});
        spec.routes.push_back({0, 0, 0, true});
        // Gateway endpoints' addresses: local to the region, their replies back through the router to the
        // private addresses that asked (the router lets through only replies to flows it saw leave).
        if (!plugger) spec.source_routed.push_back({sp.endpoint_block.network, sp.endpoint_block.prefix_length, sp.region_router_ip, 100});
        spec.ip_forward = true;
        std::string hosts = "127.0.0.1   localhost\n";
        for (const auto& s : catalog.services()) hosts += format_ipv4(s.addresses.front()) + "   " + s.dns_name + "\n";
        for (const auto& h : catalog.internet_hosts())
            for (const auto& n : h.names) hosts += format_ipv4(h.address) + "   " + n + "\n";
        tap::write_netns_etc_file(plan.region_netns, "hosts", hosts);
        tap::write_netns_etc_file(plan.region_netns, "resolv.conf", "# the simulated region has no DNS server: names are in /etc/hosts\n");
        tap::write_netns_etc_file(plan.region_netns, "hostname", "region\n");
        if (plugger) plugger->plug(plan.region_netns, "region", spec);
        else net.install(sp.region, tap_into(stack, "region", plan.region_netns, spec));
    }

    // The resolver: one pair of link-local addresses per VPC on lo; replies go back through the router.
    {
        tap::NamespaceInterface spec;
        spec.mac = sp.resolver_mac;
        spec.address = sp.resolver_link.network + 2;
        spec.prefix_length = sp.resolver_link.prefix_length;
        // Every VPC number the lab may ever use, so VPCs created at runtime are served without touching
        // this namespace again.
        for (std::uint32_t k = 0; k < routing::ServicePorts::max_vpcs; ++k) {
            spec.loopback_addresses.push_back(sp.resolver_address(k, false));
            spec.loopback_addresses.push_back(sp.resolver_address(k, true));
            spec.loopback_addresses.push_back(sp.metadata_address(k));
        }
        spec.routes.push_back({0, 0, sp.resolver_router_ip, false});
        net.install(sp.resolver, tap_into(stack, "resolver", plan.resolver_netns, spec));
    }
    open_resolver_sockets(plan.resolver_netns, net.dns_udp_, net.dns_tcp_, net.metadata_tcp_);
    return net;
}

void LabNetwork::install(routing::PortId port, tap::TapDevice tap) {
    if (taps_.size() <= port) taps_.resize(port + 1);
    taps_[port] = std::move(tap);
}

tap::TapDevice LabNetwork::release(routing::PortId port) {
    if (port >= taps_.size()) return {};
    tap::TapDevice out = std::move(taps_[port]);
    taps_[port] = tap::TapDevice{};
    return out;
}

void LabNetwork::close_taps(std::chrono::milliseconds patience) {
    // The resolver's sockets hold its namespace alive (a socket keeps the namespace it was made in).
    dns_udp_.reset();
    dns_tcp_.reset();
    metadata_tcp_.reset();
    tap::close_after_namespaces(taps_, patience);
}

std::vector<routing::PortId> LabNetwork::ports() const {
    std::vector<routing::PortId> out;
    for (std::size_t p = 0; p < taps_.size(); ++p)
        if (taps_[p].fd() >= 0) out.push_back(static_cast<routing::PortId>(p));
    return out;
}

}  // namespace vpclab::router
