// Test helper: a TCP server that expects each connection to start with a PROXY protocol v2 header (haproxy's
// proxy-protocol.txt, section 2.2), as a network load balancer sends it through PrivateLink with
// proxy_protocol_v2.enabled. For each connection it prints, and answers as a one-line HTTP/1.0 page,
//   proxy source=A:P destination=A:P vpce=vpce-… peer=A:P (or: no proxy header / bad proxy header: why)
// where peer is the address the connection itself came from.
// Connections that send nothing (TCP health checks: SYN, then RST) are not counted. Bounded: exits after
// COUNT answered connections or SECONDS seconds.
//   proxy_v2_server PORT COUNT SECONDS
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

// Reads exactly `n` bytes (false at end of stream or error).
bool read_exactly(int fd, std::uint8_t* out, std::size_t n) {
    for (std::size_t got = 0; got < n;) {
        const ssize_t r = ::read(fd, out + got, n - got);
        if (r <= 0) return false;
        got += static_cast<std::size_t>(r);
    }
    return true;
}

std::string address(const std::uint8_t* p) {
    char text[INET_ADDRSTRLEN];
    ::inet_ntop(AF_INET, p, text, sizeof text);
    return text;
}

// What the header says, or why it is not one.
std::string parse_header(int fd, bool& got_any) {
    static constexpr std::uint8_t signature[12] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    std::uint8_t fixed[16];
    const ssize_t first = ::recv(fd, fixed, 1, MSG_PEEK);
    got_any = first > 0;
    if (!got_any) return "";
    if (!read_exactly(fd, fixed, 16)) return "bad proxy header: shorter than 16 bytes";
    if (std::memcmp(fixed, signature, 12) != 0) return "no proxy header";
    if (fixed[12] != 0x21) return "bad proxy header: version/command " + std::to_string(fixed[12]) + ", not 0x21";
    if (fixed[13] != 0x11) return "bad proxy header: family " + std::to_string(fixed[13]) + ", not 0x11 (TCP over IPv4)";
    const std::size_t length = static_cast<std::size_t>(fixed[14]) << 8 | fixed[15];
    if (length < 12 || length > 1024) return "bad proxy header: length " + std::to_string(length);
    std::uint8_t rest[1024];
    if (!read_exactly(fd, rest, length)) return "bad proxy header: cut short";
    const unsigned source_port = static_cast<unsigned>(rest[8]) << 8 | rest[9], destination_port = static_cast<unsigned>(rest[10]) << 8 | rest[11];
    std::string vpce = "none";
    for (std::size_t at = 12; at + 3 <= length;) {
        const std::uint8_t type = rest[at];
        const std::size_t tlv_length = static_cast<std::size_t>(rest[at + 1]) << 8 | rest[at + 2];
        if (at + 3 + tlv_length > length) return "bad proxy header: a TLV runs past the header";
        if (type == 0xEA && tlv_length >= 1 && rest[at + 3] == 0x01) vpce.assign(reinterpret_cast<const char*>(rest + at + 4), tlv_length - 1);
        at += 3 + tlv_length;
    }
    return "proxy source=" + address(rest) + ":" + std::to_string(source_port) + " destination=" + address(rest + 4) + ":" +
           std::to_string(destination_port) + " vpce=" + vpce;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: proxy_v2_server PORT COUNT SECONDS\n");
        return 2;
    }
    const int port = std::atoi(argv[1]), count = std::atoi(argv[2]), seconds = std::atoi(argv[3]);
    if (port <= 0 || port > 65535 || count <= 0 || seconds <= 0 || seconds > 3600) {
        std::fprintf(stderr, "proxy_v2_server: PORT 1-65535, COUNT > 0, SECONDS 1-3600\n");
        return 2;
    }
    ::alarm(static_cast<unsigned>(seconds));  // the bound: SIGALRM ends the process
    const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
    const int one = 1;
    ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in at{};
    at.sin_family = AF_INET;
    at.sin_port = htons(static_cast<std::uint16_t>(port));
    if (::bind(listener, reinterpret_cast<sockaddr*>(&at), sizeof at) != 0 || ::listen(listener, 16) != 0) {
        std::perror("proxy_v2_server: bind/listen");
        return 1;
    }
    std::printf("listening on %d\n", port);
    std::fflush(stdout);
    for (int answered = 0; answered < count;) {
        const int fd = ::accept(listener, nullptr, nullptr);
        if (fd < 0) continue;
        bool got_any = false;
        std::string what = parse_header(fd, got_any);
        if (got_any) {
            sockaddr_in peer{};
            socklen_t length = sizeof peer;
            ::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &length);
            what += " peer=" + address(reinterpret_cast<const std::uint8_t*>(&peer.sin_addr)) + ":" + std::to_string(ntohs(peer.sin_port));
            std::printf("%s\n", what.c_str());
            std::fflush(stdout);
            // The request itself is read as far as it came, then answered.
            char request[512];
            (void)::recv(fd, request, sizeof request, MSG_DONTWAIT);
            const std::string reply = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n" + what + "\n";
            (void)::write(fd, reply.data(), reply.size());
            ++answered;
        }
        ::close(fd);
    }
    return 0;
}
