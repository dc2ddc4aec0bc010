// Configures interfaces through rtnetlink (libnl): moves a TAP into an instance namespace and gives it the
// instance's name, MAC, MTU, address and default route, as the VPC's DHCP would on AWS.
#pragma once

#include <cstdint>
#include <string>

#include "wire/mac_address.hpp"

namespace vpclab::tap {

struct InstanceInterface {
    std::string tap_name;        // the TAP's name in the root namespace before the move
    std::string name = "eth0";   // its name inside the instance
    wire::MacAddress mac;
    int mtu = 9001;              // AWS in-VPC jumbo frames (EC2 User Guide, "Network MTU")
    std::uint32_t address = 0;
    std::uint8_t prefix_length = 0;
    std::uint32_t gateway = 0;   // subnet base+1, the VPC router; 0: no default route
};

// Moves `tap_name` (in the caller's namespace) into the namespace behind `netns_fd`, then, inside it:
// disables IPv6 (an IPv4-only VPC; keeps tcpdump free of router solicitations), renames it, sets MAC and
// MTU, brings it and `lo` up, adds the address and the default route via the gateway.
void configure_instance_interface(int netns_fd, const InstanceInterface& spec);

}  // namespace vpclab::tap
