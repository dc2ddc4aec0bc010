// rtnetlink via libnl-route-3: link moves and changes, addresses, routes.
#include "tap/link_config.hpp"

#include <arpa/inet.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/route.h>
#include <netlink/route/rule.h>

#include <fstream>
#include <memory>
#include <stdexcept>

#include "tap/network_namespace.hpp"

namespace vpclab::tap {

namespace {

struct NlSockDeleter {
    void operator()(nl_sock* s) const { nl_socket_free(s); }
};
struct LinkDeleter {
    void operator()(rtnl_link* l) const { rtnl_link_put(l); }
};
struct AddrDeleter {
    void operator()(nl_addr* a) const { nl_addr_put(a); }
};
using NlSock = std::unique_ptr<nl_sock, NlSockDeleter>;
using Link = std::unique_ptr<rtnl_link, LinkDeleter>;
using Addr = std::unique_ptr<nl_addr, AddrDeleter>;

void check(int err, const std::string& what) {
    if (err < 0) throw std::runtime_error(what + ": " + nl_geterror(err));
}

// A netlink socket talks to the namespace that was current when it was created.
NlSock connect_route_socket() {
    NlSock sk(nl_socket_alloc());
    if (!sk) throw std::runtime_error("nl_socket_alloc failed");
    check(nl_connect(sk.get(), NETLINK_ROUTE), "connect rtnetlink");
    return sk;
}

Addr ipv4_addr(std::uint32_t host_order, unsigned prefix_length) {
    const std::uint32_t be = htonl(host_order);
    Addr a(nl_addr_build(AF_INET, &be, sizeof be));
    if (!a) throw std::runtime_error("nl_addr_build failed");
    nl_addr_set_prefixlen(a.get(), static_cast<int>(prefix_length));
    return a;
}

int ifindex_of(const std::string& name) {
    const unsigned idx = if_nametoindex(name.c_str());
    if (idx == 0) throw std::runtime_error("no interface named " + name);
    return static_cast<int>(idx);
}

template <class Fill>
void change_link(nl_sock* sk, int ifindex, const std::string& what, Fill fill) {
    rtnl_link* raw = nullptr;
    check(rtnl_link_get_kernel(sk, ifindex, nullptr, &raw), "read link for " + what);
    Link original(raw);
    Link change(rtnl_link_alloc());
    fill(change.get());
    check(rtnl_link_change(sk, original.get(), change.get(), 0), what);
}

void write_sysctl(const std::string& path, const char* value) {
    std::ofstream f(path);
    f << value;  // best effort: a kernel without IPv6 has no such file, which is fine
}

void add_route(nl_sock* sk, int ifindex, const RouteSpec& r, const std::string& where) {
    rtnl_route* route = rtnl_route_alloc();
    rtnl_route_set_family(route, AF_INET);
    Addr destination = ipv4_addr(r.destination, r.prefix_length);
    rtnl_route_set_dst(route, destination.get());
    if (r.blackhole) {
        rtnl_route_set_type(route, RTN_BLACKHOLE);
    } else {
        rtnl_nexthop* hop = rtnl_route_nh_alloc();
        rtnl_route_nh_set_ifindex(hop, ifindex);
        Addr gateway = ipv4_addr(r.gateway, 32);
        rtnl_route_nh_set_gateway(hop, gateway.get());
        rtnl_route_add_nexthop(route, hop);  // the route owns the next hop from here
    }
    const int err = rtnl_route_add(sk, route, NLM_F_CREATE | NLM_F_EXCL);
    rtnl_route_put(route);
    check(err, "add route " + std::to_string(r.prefix_length) + "-bit route in " + where);
}

void add_source_route(nl_sock* sk, int ifindex, const SourceRoutedPrefix& p, const std::string& where) {
    rtnl_route* route = rtnl_route_alloc();
    rtnl_route_set_family(route, AF_INET);
    rtnl_route_set_table(route, p.table);
    Addr any = ipv4_addr(0, 0);
    rtnl_route_set_dst(route, any.get());
    rtnl_nexthop* hop = rtnl_route_nh_alloc();
    rtnl_route_nh_set_ifindex(hop, ifindex);
    Addr gateway = ipv4_addr(p.gateway, 32);
    rtnl_route_nh_set_gateway(hop, gateway.get());
    rtnl_route_add_nexthop(route, hop);
    int err = rtnl_route_add(sk, route, NLM_F_CREATE | NLM_F_EXCL);
    rtnl_route_put(route);
    check(err, "add default route in table " + std::to_string(p.table) + " in " + where);

    rtnl_rule* rule = rtnl_rule_alloc();
    rtnl_rule_set_family(rule, AF_INET);
    Addr source = ipv4_addr(p.prefix, p.prefix_length);
    rtnl_rule_set_src(rule, source.get());
    rtnl_rule_set_table(rule, p.table);
    rtnl_rule_set_action(rule, FR_ACT_TO_TBL);
    rtnl_rule_set_prio(rule, 100);
    err = rtnl_rule_add(sk, rule, NLM_F_CREATE | NLM_F_EXCL);
    rtnl_rule_put(rule);
    check(err, "add rule from " + std::to_string(p.prefix_length) + "-bit prefix in " + where);
}

void add_address(nl_sock* sk, int ifindex, std::uint32_t address, std::uint8_t prefix_length, const std::string& where) {
    rtnl_addr* a = rtnl_addr_alloc();
    rtnl_addr_set_ifindex(a, ifindex);
    Addr local = ipv4_addr(address, prefix_length);
    rtnl_addr_set_local(a, local.get());
    const int err = rtnl_addr_add(sk, a, 0);
    rtnl_addr_put(a);
    check(err, "add address to " + where);
}

// The root qdisc `noqueue`, set while the interface is down, before it first comes up: otherwise a
// multiqueue TAP gets `mq` with a pfifo_fast for each of the 256 queues tun allocates (mq_init), 6 MiB
// and ~16 ms per interface. A TAP never queues in a qdisc anyway: tun takes every frame into its own
// ring or drops it (drivers/net/tun.c, tun_net_xmit), so noqueue changes nothing the instance sees.
void set_root_noqueue(nl_sock* sk, int ifindex, const std::string& where) {
    rtnl_qdisc* q = rtnl_qdisc_alloc();
    if (!q) throw std::bad_alloc();
    rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
    rtnl_tc_set_parent(TC_CAST(q), TC_H_ROOT);
    rtnl_tc_set_kind(TC_CAST(q), "noqueue");
    const int err = rtnl_qdisc_add(sk, q, NLM_F_CREATE | NLM_F_REPLACE);
    rtnl_qdisc_put(q);
    check(err, "set the root qdisc of " + where + " to noqueue");
}

}  // namespace

void configure_namespace_interface(int netns_fd, const NamespaceInterface& spec) {
    {
        NlSock sk = connect_route_socket();
        change_link(sk.get(), ifindex_of(spec.tap_name), "move " + spec.tap_name + " into its namespace",
                    [&](rtnl_link* c) { rtnl_link_set_ns_fd(c, netns_fd); });
    }
    NetnsGuard inside(netns_fd);
    write_sysctl("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
    write_sysctl("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
    if (spec.ip_forward) write_sysctl("/proc/sys/net/ipv4/ip_forward", "1");
    NlSock sk = connect_route_socket();
    const int ifindex = ifindex_of(spec.tap_name);
    change_link(sk.get(), ifindex, "rename " + spec.tap_name + " to " + spec.name + " and set MAC/MTU", [&](rtnl_link* c) {
        rtnl_link_set_name(c, spec.name.c_str());
        Addr mac(nl_addr_build(AF_LLC, spec.mac.octets.data(), 6));
        rtnl_link_set_addr(c, mac.get());
        rtnl_link_set_mtu(c, static_cast<unsigned>(spec.mtu));
    });
    set_root_noqueue(sk.get(), ifindex, spec.name);
    change_link(sk.get(), ifindex, "bring " + spec.name + " up", [](rtnl_link* c) { rtnl_link_set_flags(c, IFF_UP); });
    const int lo = ifindex_of("lo");
    change_link(sk.get(), lo, "bring lo up", [](rtnl_link* c) { rtnl_link_set_flags(c, IFF_UP); });
    add_address(sk.get(), ifindex, spec.address, spec.prefix_length, spec.name);
    for (std::uint32_t a : spec.loopback_addresses) add_address(sk.get(), lo, a, 32, "lo");
    for (const auto& r : spec.routes)
        if (r.blackhole || r.gateway != 0) add_route(sk.get(), ifindex, r, spec.name);
    for (const auto& p : spec.source_routed) {
        add_address(sk.get(), lo, p.prefix, p.prefix_length, "lo");
        add_source_route(sk.get(), ifindex, p, spec.name);
    }
}

}  // namespace vpclab::tap
