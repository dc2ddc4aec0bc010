// Test tool: misbehaving clients of a router's control socket (idle, dripping, many at once) and raw
// requests, for the namespace tests of the control socket. Bounded in count and time; prints what it saw.
//
//   control_probe SOCKET idle N SECONDS      open N connections, send nothing, hold them up to SECONDS;
//                                            prints "connected C refused R" once connected, then
//                                            "closed-by-router K" (K: how many the router closed)
//   control_probe SOCKET drip SECONDS MS     send one byte every MS ms, never a whole line, up to SECONDS;
//                                            prints "dripping" once connected, then
//                                            "closed-by-router after T ms" or "still open after T ms"
//   control_probe SOCKET request             send stdin as one request, print the router's reply
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

int connect_to(const std::string& path, bool nonblocking) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0), 0);
    if (fd < 0) return -1;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

// Whether the router closed the connection (EOF or reset) without us having sent a request.
bool closed_by_peer(int fd) {
    char c;
    const ssize_t n = ::recv(fd, &c, 1, MSG_DONTWAIT | MSG_PEEK);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

long elapsed_ms(Clock::time_point since) {
    return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - since).count());
}

int idle(const std::string& path, int count, double seconds) {
    std::vector<int> fds;
    int refused = 0;
    for (int i = 0; i < count; ++i) {
        const int fd = connect_to(path, true);
        if (fd < 0) ++refused;
        else fds.push_back(fd);
    }
    std::printf("connected %zu refused %d\n", fds.size(), refused);
    std::fflush(stdout);
    const auto start = Clock::now();
    std::size_t closed = 0;
    while (elapsed_ms(start) < static_cast<long>(seconds * 1000)) {
        closed = 0;
        for (int fd : fds) closed += closed_by_peer(fd);
        if (closed == fds.size()) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::printf("closed-by-router %zu\n", closed);
    for (int fd : fds) ::close(fd);
    return 0;
}

int drip(const std::string& path, double seconds, int interval_ms) {
    const int fd = connect_to(path, false);
    if (fd < 0) {
        std::perror("connect");
        return 1;
    }
    std::printf("dripping\n");
    std::fflush(stdout);
    const auto start = Clock::now();
    while (elapsed_ms(start) < static_cast<long>(seconds * 1000)) {
        if (closed_by_peer(fd) || ::send(fd, " ", 1, MSG_NOSIGNAL) != 1) {
            std::printf("closed-by-router after %ld ms\n", elapsed_ms(start));
            ::close(fd);
            return 0;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms));
    }
    std::printf("still open after %ld ms\n", elapsed_ms(start));
    ::close(fd);
    return 0;
}

int request(const std::string& path) {
    const std::string body((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    const int fd = connect_to(path, false);
    if (fd < 0) {
        std::perror("connect");
        return 1;
    }
    const std::string line = body.empty() || body.back() != '\n' ? body + "\n" : body;
    for (std::size_t off = 0; off < line.size();) {
        const ssize_t n = ::send(fd, line.data() + off, line.size() - off, MSG_NOSIGNAL);
        if (n <= 0) break;
        off += static_cast<std::size_t>(n);
    }
    ::shutdown(fd, SHUT_WR);
    std::string reply;
    char buf[65536];
    pollfd p{fd, POLLIN, 0};
    while (::poll(&p, 1, 10000) > 0) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        reply.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    std::cout << reply;
    return reply.empty() ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
    const std::vector<std::string> a(argv + 1, argv + argc);
    if (a.size() == 4 && a[1] == "idle") return idle(a[0], std::stoi(a[2]), std::stod(a[3]));
    if (a.size() == 4 && a[1] == "drip") return drip(a[0], std::stod(a[2]), std::stoi(a[3]));
    if (a.size() == 2 && a[1] == "request") return request(a[0]);
    std::cerr << "usage: control_probe SOCKET idle N SECONDS | drip SECONDS MS | request\n";
    return 2;
}
