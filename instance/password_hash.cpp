// SHA-512 crypt(3) hashes for an instance's /etc/shadow.
#include "instance/password_hash.hpp"

#include <crypt.h>

#include <memory>
#include <stdexcept>

namespace vpclab::instance {

std::string hash_password_with_salt(const std::string& password, const std::string& salt) {
    auto data = std::make_unique<crypt_data>();  // 32 KiB: not on the stack
    const char* out = crypt_r(password.c_str(), salt.c_str(), data.get());
    // libxcrypt returns a string starting with '*' on failure instead of NULL (crypt(3), "RETURN VALUE").
    if (!out || out[0] == '*') throw std::runtime_error("crypt(3) refused the salt " + salt);
    return out;
}

std::string hash_password(const std::string& password) {
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    // rounds 0: the method's default; no random bytes given: libxcrypt takes them from getrandom(2).
    if (!crypt_gensalt_rn("$6$", 0, nullptr, 0, salt, sizeof salt)) throw std::runtime_error("crypt_gensalt: no SHA-512 salt");
    return hash_password_with_salt(password, salt);
}

}  // namespace vpclab::instance
