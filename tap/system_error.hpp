// Turns a failed system call into an exception whose message names the call, its subject and errno.
#pragma once

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace vpclab::tap {

class SystemError : public std::runtime_error {
public:
    SystemError(const std::string& what, int err) : std::runtime_error(what + ": " + std::strerror(err)), err_(err) {}
    int error_number() const { return err_; }

private:
    int err_;
};

inline void throw_errno(const std::string& what) { throw SystemError(what, errno); }

}  // namespace vpclab::tap
