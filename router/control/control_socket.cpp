// Unix socket plumbing for the control API.
#include "router/control/control_socket.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "tap/system_error.hpp"

namespace vpclab::router {

namespace {
sockaddr_un address_of(const std::filesystem::path& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const std::string s = path.string();
    if (s.size() >= sizeof addr.sun_path) throw std::runtime_error("socket path too long: " + s);
    std::copy(s.begin(), s.end(), addr.sun_path);
    return addr;
}
}  // namespace

tap::UniqueFd listen_control_socket(const std::filesystem::path& path) {
    tap::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd) tap::throw_errno("socket(AF_UNIX)");
    const sockaddr_un addr = address_of(path);
    ::unlink(path.c_str());
    // Create it already private: no window in which another user could connect.
    const mode_t old_mask = ::umask(0177);
    const int rc = ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
    ::umask(old_mask);
    if (rc != 0) tap::throw_errno("bind " + path.string());
    if (::listen(fd.get(), SOMAXCONN) != 0) tap::throw_errno("listen " + path.string());
    return fd;
}

namespace {
// Sends all of `data` on a blocking socket (the CLI side).
void write_all(int fd, const std::string& data) {
    std::size_t off = 0;
    while (off < data.size()) {
        const ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
            pollfd p{fd, POLLOUT, 0};
            if (::poll(&p, 1, 1000) <= 0) throw std::runtime_error("control client does not read");
            continue;
        }
        if (n <= 0) tap::throw_errno("send control reply");
        off += static_cast<std::size_t>(n);
    }
}
}  // namespace

nlohmann::ordered_json call_router(const std::filesystem::path& socket_path, const nlohmann::json& request) {
    tap::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) tap::throw_errno("socket(AF_UNIX)");
    const sockaddr_un addr = address_of(socket_path);
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0)
        tap::throw_errno("cannot reach the router at " + socket_path.string());
    write_all(fd.get(), request.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
    ::shutdown(fd.get(), SHUT_WR);
    std::string reply;
    char buf[65536];
    while (true) {
        const ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) tap::throw_errno("read reply from " + socket_path.string());
        if (n == 0) break;
        reply.append(buf, static_cast<std::size_t>(n));
    }
    if (reply.empty()) throw std::runtime_error("the router at " + socket_path.string() + " closed the connection without a reply");
    return nlohmann::ordered_json::parse(reply);
}

}  // namespace vpclab::router
