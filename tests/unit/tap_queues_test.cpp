// A TAP's two queues (tap/queue_steering.hpp): what the instance sends arrives on the interactive queue
// when small, on the bulk queue otherwise. Needs root (a namespace, a TAP, a packet socket): skipped without.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "tap/network_namespace.hpp"
#include "tap/queue_steering.hpp"
#include "tap/tap_device.hpp"
#include "wire/vnet_header.hpp"

using namespace vpclab::tap;

namespace {
constexpr std::uint16_t test_ethertype = 0x88b5;  // IEEE 802 local experimental: nothing else sends it

struct NamespaceForTest {
    std::string name = "vpclab-tq-" + std::to_string(::getpid());
    NamespaceForTest() { create_named_netns(name); }
    ~NamespaceForTest() { delete_named_netns(name); }
};

// Sends an Ethernet frame of `length` bytes out of the interface, as a program inside the instance would.
void send_frame(int packet_socket, int ifindex, std::size_t length, std::uint8_t marker) {
    std::vector<std::uint8_t> frame(length, marker);
    const std::uint8_t destination[6] = {0x02, 0, 0, 0, 0, 1}, source[6] = {0x02, 0, 0, 0, 0, 2};
    std::memcpy(frame.data(), destination, 6);
    std::memcpy(frame.data() + 6, source, 6);
    frame[12] = test_ethertype >> 8;
    frame[13] = test_ethertype & 0xff;
    sockaddr_ll to{};
    to.sll_family = AF_PACKET;
    to.sll_ifindex = ifindex;
    to.sll_halen = 6;
    std::memcpy(to.sll_addr, destination, 6);
    REQUIRE(::sendto(packet_socket, frame.data(), frame.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) == static_cast<ssize_t>(length));
}
}  // namespace

TEST_CASE("a TAP's small frames arrive on its interactive queue, its large ones on the bulk queue") {
    if (::geteuid() != 0) {
        MESSAGE("needs root: skipped");
        return;
    }
    REQUIRE(interactive_steering_program() >= 0);  // the kernel loads the steering program
    NamespaceForTest ns;
    UniqueFd ns_fd = open_named_netns(ns.name);
    NetnsGuard inside(ns_fd.get());
    TapDevice tap = TapDevice::create("tq0");
    REQUIRE(tap.interactive_fd() >= 0);
    tap.set_carrier(true);
    UniqueFd control(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, "tq0", IFNAMSIZ - 1);
    REQUIRE(::ioctl(control.get(), SIOCGIFFLAGS, &ifr) == 0);
    ifr.ifr_flags |= IFF_UP;
    REQUIRE(::ioctl(control.get(), SIOCSIFFLAGS, &ifr) == 0);
    UniqueFd packets(::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0));
    REQUIRE(packets);
    const int ifindex = static_cast<int>(::if_nametoindex("tq0"));
    REQUIRE(ifindex > 0);

    const std::size_t small = interactive_frame_limit, large = 1500;
    send_frame(packets.get(), ifindex, large, 0xbb);  // queued first: the small one must not follow it
    send_frame(packets.get(), ifindex, small, 0x11);

    // Read both queues until each test frame is seen (the kernel's own frames, IPv6 autoconfiguration
    // and the like, are skipped), with a deadline.
    std::vector<std::size_t> on_interactive, on_bulk;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (on_interactive.size() + on_bulk.size() < 2 && std::chrono::steady_clock::now() < deadline) {
        pollfd fds[2] = {{tap.interactive_fd(), POLLIN, 0}, {tap.fd(), POLLIN, 0}};
        if (::poll(fds, 2, 100) <= 0) continue;
        for (int q = 0; q < 2; ++q) {
            if (!(fds[q].revents & POLLIN)) continue;
            std::uint8_t buffer[4096];
            const ssize_t n = ::read(fds[q].fd, buffer, sizeof buffer);
            if (n < static_cast<ssize_t>(vpclab::wire::VnetHeader::length + 14)) continue;
            const std::uint8_t* frame = buffer + vpclab::wire::VnetHeader::length;
            if (((frame[12] << 8) | frame[13]) != test_ethertype) continue;
            (q == 0 ? on_interactive : on_bulk).push_back(static_cast<std::size_t>(n) - vpclab::wire::VnetHeader::length);
        }
    }
    CHECK(on_interactive == std::vector<std::size_t>{small});
    CHECK(on_bulk == std::vector<std::size_t>{large});
}
