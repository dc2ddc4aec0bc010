// Making, writing and reading a stack's AWS key pair.
#include "router/aws_api/stack_credentials.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace vpclab::aws_api {

std::string random_text(std::size_t count, std::string_view alphabet) {
    std::string out;
    const unsigned limit = 256 - 256 % alphabet.size();
    while (out.size() < count) {
        unsigned char bytes[64];
        const ssize_t n = ::getrandom(bytes, sizeof bytes, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw std::runtime_error(std::string("getrandom: ") + std::strerror(errno));
        }
        for (ssize_t i = 0; i < n && out.size() < count; ++i)
            if (bytes[i] < limit) out += alphabet[bytes[i] % alphabet.size()];
    }
    return out;
}

namespace {

void write_private_file(const std::filesystem::path& file, const std::string& text) {
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    const bool written = fd >= 0 && ::fchmod(fd, 0600) == 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    const int error = errno;
    if (fd >= 0) ::close(fd);
    if (!written) throw std::runtime_error("cannot write " + file.string() + ": " + std::strerror(error));
}

}  // namespace

StackCredentials make_stack_credentials() {
    return {"AKIA" + random_text(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"),
            random_text(40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")};
}

CredentialFiles credential_files(const std::filesystem::path& stack_dir) {
    return {stack_dir / "aws" / "credentials", stack_dir / "aws" / "config"};
}

void write_credential_files(const std::filesystem::path& stack_dir, const StackCredentials& credentials, const std::string& region) {
    const auto dir = stack_dir / "aws";
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) throw std::runtime_error("cannot create " + dir.string() + ": " + std::strerror(errno));
    const CredentialFiles files = credential_files(stack_dir);
    write_private_file(files.credentials, std::string("[") + credentials_profile + "]\naws_access_key_id = " + credentials.access_key_id +
                                              "\naws_secret_access_key = " + credentials.secret_access_key + "\n");
    write_private_file(files.config, std::string("[profile ") + credentials_profile + "]\nregion = " + region + "\noutput = json\n");
}

StackCredentials read_stack_credentials(const std::filesystem::path& stack_dir) {
    const auto file = credential_files(stack_dir).credentials;
    std::ifstream in(file);
    if (!in) throw std::runtime_error("cannot read " + file.string() + " (is the stack up?)");
    StackCredentials out;
    std::string line;
    while (std::getline(in, line)) {
        const auto eq = line.find(" = ");
        if (eq == std::string::npos) continue;
        const std::string key = line.substr(0, eq), value = line.substr(eq + 3);
        if (key == "aws_access_key_id") out.access_key_id = value;
        if (key == "aws_secret_access_key") out.secret_access_key = value;
    }
    if (out.access_key_id.empty() || out.secret_access_key.empty()) throw std::runtime_error(file.string() + " holds no access key");
    return out;
}

}  // namespace vpclab::aws_api
