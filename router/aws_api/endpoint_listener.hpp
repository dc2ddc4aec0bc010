// The lab's AWS endpoint socket: TCP on 127.0.0.1 only (never another host address), a port the kernel
// chooses, non-blocking, served by the event loop.
#pragma once

#include <cstdint>

#include "tap/unique_fd.hpp"

namespace vpclab::aws_api {

// Listens on 127.0.0.1:0 and sets `port` to the port chosen. Throws std::runtime_error saying what failed.
tap::UniqueFd listen_on_loopback(std::uint16_t& port);

}  // namespace vpclab::aws_api
