// Passwords as /etc/shadow keeps them: SHA-512 crypt(3) hashes ("$6$salt$…", as Amazon Linux's passwd
// writes them), made with libxcrypt.
#pragma once

#include <string>

namespace vpclab::instance {

// A fresh random salt each call (libxcrypt reads it from the kernel). Throws std::runtime_error if hashing fails.
std::string hash_password(const std::string& password);
// With a given salt ("$6$" + 1–16 characters of [./0-9A-Za-z]), for tests and to check a password against a hash.
std::string hash_password_with_salt(const std::string& password, const std::string& salt);

}  // namespace vpclab::instance
