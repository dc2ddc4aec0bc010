// Binding the AWS endpoint to the loopback address.
#include "router/aws_api/endpoint_listener.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace vpclab::aws_api {

tap::UniqueFd listen_on_loopback(std::uint16_t& port) {
    tap::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) throw std::runtime_error(std::string("AWS endpoint: socket: ") + std::strerror(errno));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);  // rule 1: the host's API listens on 127.0.0.1 only
    address.sin_port = 0;
    socklen_t length = sizeof address;
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 || ::listen(fd.get(), 64) != 0 ||
        ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0)
        throw std::runtime_error(std::string("AWS endpoint on 127.0.0.1: ") + std::strerror(errno));
    port = ntohs(address.sin_port);
    return fd;
}

}  // namespace vpclab::aws_api
