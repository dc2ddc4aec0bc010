// The region's HTTPS relay: a listener on :443 in the region namespace, one short-lived process per
// connection (TLS with OpenSSL, blocking I/O under a deadline), the request relayed to the router's Unix
// socket and its reply back. The router never waits on a TLS client: it sees a plain HTTP client on a socket.
#include "router/region_https_server.hpp"

#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "router/aws_api/aws_endpoint.hpp"
#include "router/aws_api/http_message.hpp"
#include "tap/network_namespace.hpp"
#include "tap/system_error.hpp"

namespace vpclab::router {

namespace {

// A request the relay will carry: the API endpoint's own limits (64 KiB of head, 1 MiB of body).
constexpr std::size_t max_request_bytes = 64 * 1024 + aws_api::max_api_body_bytes;

int connect_unix(const std::string& path) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.size() >= sizeof address.sun_path) return ::close(fd), -1;
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) return ::close(fd), -1;
    return fd;
}

bool write_all(int fd, const std::string& bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n <= 0) return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

std::string error_reply(int status, const char* reason) {
    const std::string body = std::string(reason) + "\n";
    return "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\nConnection: close\r\n\r\n" + body;
}

// One connection, in its own process: TLS, the request read whole, relayed, the reply written back.
[[noreturn]] void serve_connection(int fd, SSL_CTX* context, const RegionHttpsOptions& options) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::alarm(region_https_connection_seconds);  // the whole exchange's deadline: a silent client ends here
    SSL* ssl = SSL_new(context);
    if (!ssl || SSL_set_fd(ssl, fd) != 1 || SSL_accept(ssl) != 1) ::_exit(1);
    std::string request;
    char buffer[16384];
    while (true) {
        const aws_api::HttpExtent extent = aws_api::http_request_extent(request, aws_api::max_api_body_bytes);
        if (extent.state == aws_api::HttpExtent::State::complete) {
            request.resize(extent.length);
            break;
        }
        if (extent.state == aws_api::HttpExtent::State::refused || request.size() > max_request_bytes) {
            // The router words the refusal (413, 501, 400) as the endpoint on 127.0.0.1 would.
            break;
        }
        const int n = SSL_read(ssl, buffer, sizeof buffer);
        if (n <= 0) ::_exit(0);
        request.append(buffer, static_cast<std::size_t>(n));
    }
    std::string reply;
    const int api = connect_unix(options.api_socket);
    if (api < 0 || !write_all(api, request)) {
        reply = error_reply(503, "Service Unavailable");
    } else {
        ::shutdown(api, SHUT_WR);
        ssize_t n;
        while ((n = ::read(api, buffer, sizeof buffer)) > 0) reply.append(buffer, static_cast<std::size_t>(n));
        if (reply.empty()) reply = error_reply(502, "Bad Gateway");
    }
    std::size_t done = 0;
    while (done < reply.size()) {
        const int n = SSL_write(ssl, reply.data() + done, static_cast<int>(std::min<std::size_t>(reply.size() - done, 1 << 30)));
        if (n <= 0) break;
        done += static_cast<std::size_t>(n);
    }
    SSL_shutdown(ssl);
    // What the client may still be sending (a body the router refused) is read and dropped until it closes
    // (or the alarm): closing with unread bytes would reset the connection, and the client would see the
    // reset rather than the reply (RFC 1122, 4.2.2.13).
    ::shutdown(fd, SHUT_WR);
    while (::read(fd, buffer, sizeof buffer) > 0) {
    }
    ::_exit(0);
}

}  // namespace

int run_region_https_server(const RegionHttpsOptions& options) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::prctl(PR_SET_NAME, "vpclab-https", 0, 0, 0);
    ::signal(SIGPIPE, SIG_IGN);
    SSL_CTX* context = SSL_CTX_new(TLS_server_method());
    if (!context || SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION) != 1 ||
        SSL_CTX_use_certificate_file(context, options.certificate_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_use_PrivateKey_file(context, options.key_file.c_str(), SSL_FILETYPE_PEM) != 1)
        throw std::runtime_error("the region's HTTPS server cannot load " + options.certificate_file + " and its key");
    tap::UniqueFd ns = tap::open_named_netns(options.netns);
    if (::setns(ns.get(), CLONE_NEWNET) != 0) tap::throw_errno("setns into " + options.netns);
    tap::UniqueFd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    const int on = 1;
    ::setsockopt(listener.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_in any{};
    any.sin_family = AF_INET;
    any.sin_port = htons(443);
    if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&any), sizeof any) != 0) tap::throw_errno("bind region :443");
    if (::listen(listener.get(), 128) != 0) tap::throw_errno("listen region :443");
    int serving = 0;
    while (true) {
        // Reap what has finished; at the cap, wait for one to finish before accepting more.
        while (serving > 0 && ::waitpid(-1, nullptr, serving >= region_https_max_connections ? 0 : WNOHANG) > 0) --serving;
        const int fd = ::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) continue;
        timeval timeout{static_cast<time_t>(region_https_connection_seconds), 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
        const pid_t child = ::fork();
        if (child == 0) {
            listener.reset();
            serve_connection(fd, context, options);
        }
        ::close(fd);
        if (child > 0) ++serving;
    }
}

}  // namespace vpclab::router
