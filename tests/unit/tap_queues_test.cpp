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

// A frame the test sends and expects on one queue; `marker` (its last byte) tells it apart on arrival.
struct TestFrame {
    std::size_t length;
    std::uint16_t ethertype;
    std::uint16_t fragment_field;  // IPv4 flags and fragment offset (bytes 20–21), for ethertype 0x0800
    std::uint8_t marker;
    bool interactive;
};

// Sends it out of the interface, as a program inside the instance would (a packet socket: the kernel
// takes the bytes as they are, through the TAP's queue selection).
void send_frame(int packet_socket, int ifindex, const TestFrame& f) {
    std::vector<std::uint8_t> frame(f.length, 0);
    const std::uint8_t destination[6] = {0x02, 0, 0, 0, 0, 1}, source[6] = {0x02, 0, 0, 0, 0, 2};
    std::memcpy(frame.data(), destination, 6);
    std::memcpy(frame.data() + 6, source, 6);
    frame[12] = static_cast<std::uint8_t>(f.ethertype >> 8);
    frame[13] = static_cast<std::uint8_t>(f.ethertype & 0xff);
    frame[14] = 0x45;  // IPv4, 20-byte header (ignored for other ethertypes)
    frame[20] = static_cast<std::uint8_t>(f.fragment_field >> 8);
    frame[21] = static_cast<std::uint8_t>(f.fragment_field & 0xff);
    frame.back() = f.marker;
    sockaddr_ll to{};
    to.sll_family = AF_PACKET;
    to.sll_ifindex = ifindex;
    to.sll_halen = 6;
    std::memcpy(to.sll_addr, destination, 6);
    REQUIRE(::sendto(packet_socket, frame.data(), frame.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) == static_cast<ssize_t>(f.length));
}
}  // namespace

TEST_CASE("a TAP's small frames arrive on its interactive queue; large ones and IPv4 fragments on the bulk queue") {
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

    const std::size_t small = interactive_frame_limit;
    const TestFrame frames[] = {
        {1500, test_ethertype, 0, 0xb1, false},         // large: bulk (sent first: the small ones must not follow it)
        {small, test_ethertype, 0, 0x11, true},         // small: interactive
        {small + 1, test_ethertype, 0, 0xb2, false},    // one byte over the limit: bulk
        {100, 0x0800, 0x4000, 0x12, true},              // a small IPv4 datagram (DF set), whole: interactive
        {100, 0x0800, 0x00b9, 0xb3, false},             // the small last fragment of a datagram: bulk
        {100, 0x0800, 0x2000, 0xb4, false},             // a small first fragment (MF set): bulk
    };
    for (const auto& f : frames) send_frame(packets.get(), ifindex, f);

    // Read both queues until every test frame is seen (the kernel's own frames are skipped), with a deadline.
    std::vector<std::uint8_t> on_interactive, on_bulk;
    const std::size_t expected = sizeof frames / sizeof frames[0];
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (on_interactive.size() + on_bulk.size() < expected && std::chrono::steady_clock::now() < deadline) {
        pollfd fds[2] = {{tap.interactive_fd(), POLLIN, 0}, {tap.fd(), POLLIN, 0}};
        if (::poll(fds, 2, 100) <= 0) continue;
        for (int q = 0; q < 2; ++q) {
            if (!(fds[q].revents & POLLIN)) continue;
            std::uint8_t buffer[4096];
            const ssize_t n = ::read(fds[q].fd, buffer, sizeof buffer);
            if (n < static_cast<ssize_t>(vpclab::wire::VnetHeader::length + 22)) continue;
            const std::uint8_t* frame = buffer + vpclab::wire::VnetHeader::length;
            const std::size_t length = static_cast<std::size_t>(n) - vpclab::wire::VnetHeader::length;
            for (const auto& f : frames)
                if (f.length == length && ((frame[12] << 8) | frame[13]) == f.ethertype && frame[length - 1] == f.marker)
                    (q == 0 ? on_interactive : on_bulk).push_back(f.marker);
        }
    }
    std::vector<std::uint8_t> want_interactive, want_bulk;
    for (const auto& f : frames) (f.interactive ? want_interactive : want_bulk).push_back(f.marker);
    CHECK(on_interactive == want_interactive);
    CHECK(on_bulk == want_bulk);
}
