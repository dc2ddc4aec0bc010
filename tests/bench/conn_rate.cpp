// Benchmark helper: how many short TCP connections per second a path carries (connect, close, repeat).
//   conn_rate serve PORT SECONDS             accept and close connections for SECONDS
//   conn_rate connect ADDRESS PORT SECONDS   print connections completed per second
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

int main(int argc, char** argv) {
    using clock = std::chrono::steady_clock;
    if (argc == 4 && std::strcmp(argv[1], "serve") == 0) {
        const int fd = socket(AF_INET, SOCK_STREAM, 0);
        const int on = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<uint16_t>(std::atoi(argv[2])));
        if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(fd, 1024) != 0) return perror("listen"), 1;
        const auto end = clock::now() + std::chrono::seconds(std::atoi(argv[3]));
        while (clock::now() < end) {
            pollfd p{fd, POLLIN, 0};
            if (poll(&p, 1, 200) <= 0) continue;
            const int c = accept(fd, nullptr, nullptr);
            if (c >= 0) close(c);
        }
        return 0;
    }
    if (argc == 5 && std::strcmp(argv[1], "connect") == 0) {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<uint16_t>(std::atoi(argv[3])));
        inet_pton(AF_INET, argv[2], &a.sin_addr);
        const int seconds = std::atoi(argv[4]);
        const auto start = clock::now(), end = start + std::chrono::seconds(seconds);
        long done = 0;
        while (clock::now() < end) {
            const int fd = socket(AF_INET, SOCK_STREAM, 0);
            // Close with RST (linger 0): no TIME_WAIT pile-up exhausting ports in a long run.
            linger l{1, 0};
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
            if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) ++done;
            close(fd);
        }
        std::printf("%ld\n", done / seconds);
        return 0;
    }
    std::fprintf(stderr, "usage: conn_rate serve PORT SECONDS | conn_rate connect ADDRESS PORT SECONDS\n");
    return 2;
}
