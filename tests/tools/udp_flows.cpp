// Test helper: opens many distinct UDP flows at once from one socket (one datagram to each of COUNT
// destination address/port pairs), to fill the router's connection tracking table. Bounded: at most
// 1,000,000 datagrams of 8 bytes, to addresses the caller names (a lab's region hosts).
//   udp_flows COUNT ADDRESS...   (ports 1024 up on each address in turn)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: udp_flows COUNT ADDRESS...\n");
        return 2;
    }
    const long count = std::strtol(argv[1], nullptr, 10);
    if (count < 1 || count > 1000000) {
        std::fprintf(stderr, "udp_flows: COUNT must be 1 to 1000000\n");
        return 2;
    }
    std::vector<in_addr> addresses;
    for (int i = 2; i < argc; ++i) {
        in_addr a{};
        if (::inet_pton(AF_INET, argv[i], &a) != 1) {
            std::fprintf(stderr, "udp_flows: '%s' is not an IPv4 address\n", argv[i]);
            return 2;
        }
        addresses.push_back(a);
    }
    const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) return std::perror("socket"), 1;
    const char payload[8] = {'v', 'p', 'c', 'l', 'a', 'b', '!', '\n'};
    long sent = 0, refused = 0;
    for (long i = 0; i < count; ++i) {
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_addr = addresses[static_cast<std::size_t>(i) % addresses.size()];
        to.sin_port = htons(static_cast<std::uint16_t>(1024 + (i / static_cast<long>(addresses.size())) % 64000));
        // ICMP port unreachable from an earlier datagram shows up as ECONNREFUSED on a later send: not an error.
        if (::sendto(fd, payload, sizeof payload, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to) == sizeof payload) ++sent;
        else if (errno == ECONNREFUSED) ++refused, --i;
        else if (errno != EAGAIN && errno != ENOBUFS) return std::perror("sendto"), 1;
    }
    std::printf("%ld datagrams sent (%ld sends retried after ICMP errors)\n", sent, refused);
    ::close(fd);
    return 0;
}
