// Configures interfaces through rtnetlink (libnl): moves a TAP into a lab namespace and gives it its name,
// MAC, MTU, addresses and routes, as the VPC's DHCP (or, for the region, its builder) would.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "wire/mac_address.hpp"

namespace vpclab::tap {

struct RouteSpec {
    std::uint32_t destination = 0;
    std::uint8_t prefix_length = 0;
    std::uint32_t gateway = 0;  // 0 with blackhole=false: no route is added
    bool blackhole = false;     // silently discard (RTN_BLACKHOLE): "no route" without ICMP errors
};

// A prefix local to the namespace as a whole (an address with its prefix on `lo` makes every address in
// it local, as 127.0.0.0/8 is), whose replies leave by `gateway` whatever the destination: a policy rule
// "from <prefix> lookup <table>" and a default route in that table (ip-rule(8)).
struct SourceRoutedPrefix {
    std::uint32_t prefix = 0;
    std::uint8_t prefix_length = 0;
    std::uint32_t gateway = 0;
    std::uint32_t table = 0;
};

struct NamespaceInterface {
    std::string tap_name;        // the TAP's name in the root namespace before the move
    std::string name = "eth0";   // its name inside the namespace
    wire::MacAddress mac;
    int mtu = 9001;              // AWS in-VPC jumbo frames (EC2 User Guide, "Network MTU")
    std::uint32_t address = 0;
    std::uint8_t prefix_length = 0;
    std::vector<RouteSpec> routes;                 // e.g. default via the subnet router (base+1)
    std::vector<std::uint32_t> loopback_addresses;  // /32s on lo (the region's services, resolver addresses)
    bool ip_forward = false;                       // the region forwards between public addresses
    std::vector<SourceRoutedPrefix> source_routed;  // the region's gateway-endpoint addresses
};

// Moves `spec.tap_name` (in the caller's namespace) into the namespace behind `netns_fd`, then, inside it:
// disables IPv6 (the labs are IPv4-only; keeps tcpdump free of router solicitations), renames it, sets MAC
// and MTU, brings it and `lo` up, adds the addresses and routes.
void configure_namespace_interface(int netns_fd, const NamespaceInterface& spec);

}  // namespace vpclab::tap
