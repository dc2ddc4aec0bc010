// Making key pairs with ssh-keygen, reading OpenSSH public keys, and EC2's fingerprints of them.
#include "instance/key_pair.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "instance/base64.hpp"

extern char** environ;

namespace vpclab::instance {

namespace {

std::string digest(const EVP_MD* md, const std::string& data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (EVP_Digest(data.data(), data.size(), out, &n, md, nullptr) != 1) throw std::runtime_error("digest failed");
    return std::string(reinterpret_cast<const char*>(out), n);
}

std::string colon_hex(const std::string& bytes) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned char b : bytes) {
        if (!out.empty()) out += ':';
        out += hex[b >> 4];
        out += hex[b & 0xf];
    }
    return out;
}

// DER length octets (X.690 §8.1.3): short form below 128, else long form.
std::string der_length(std::size_t n) {
    if (n < 0x80) return std::string(1, static_cast<char>(n));
    std::string bytes;
    for (; n; n >>= 8) bytes.insert(bytes.begin(), static_cast<char>(n & 0xff));
    return std::string(1, static_cast<char>(0x80 | bytes.size())) + bytes;
}

// PKCS#1 RSAPrivateKey wrapped as PKCS#8 PrivateKeyInfo (RFC 5208 §5): version 0, rsaEncryption, the key.
std::string pkcs8_of_rsa(const std::string& pkcs1) {
    static const std::string version("\x02\x01\x00", 3);
    static const std::string rsa_encryption("\x30\x0d\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01\x05\x00", 15);
    const std::string inner = version + rsa_encryption + "\x04" + der_length(pkcs1.size()) + pkcs1;
    return "\x30" + der_length(inner.size()) + inner;
}

// RFC 4251 §5 "string": a uint32 length, then the bytes.
std::optional<std::string> ssh_string(const std::string& blob, std::size_t at) {
    if (at + 4 > blob.size()) return std::nullopt;
    const std::size_t n = (static_cast<unsigned char>(blob[at]) << 24) | (static_cast<unsigned char>(blob[at + 1]) << 16) |
                          (static_cast<unsigned char>(blob[at + 2]) << 8) | static_cast<unsigned char>(blob[at + 3]);
    if (n > blob.size() - at - 4) return std::nullopt;
    return blob.substr(at + 4, n);
}

// An ssh-rsa blob (RFC 4253 §6.6: "ssh-rsa", mpint e, mpint n) as X.509 SubjectPublicKeyInfo DER
// (RFC 3279 §2.3.1): what `openssl pkey -pubout -outform DER` writes. SSH's mpints are already DER's
// INTEGER contents (two's complement, minimal).
std::optional<std::string> rsa_public_key_der(const std::string& blob) {
    const auto name = ssh_string(blob, 0);
    if (!name) return std::nullopt;
    const auto e = ssh_string(blob, 4 + name->size());
    if (!e) return std::nullopt;
    const auto n = ssh_string(blob, 8 + name->size() + e->size());
    if (!n || e->empty() || n->empty()) return std::nullopt;
    const std::string integers = "\x02" + der_length(n->size()) + *n + "\x02" + der_length(e->size()) + *e;
    const std::string rsa_public_key = "\x30" + der_length(integers.size()) + integers;
    static const std::string rsa_encryption("\x30\x0d\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01\x05\x00", 15);
    const std::string bits = std::string(1, '\0') + rsa_public_key;  // no unused bits
    const std::string inner = rsa_encryption + "\x03" + der_length(bits.size()) + bits;
    return "\x30" + der_length(inner.size()) + inner;
}

std::optional<std::string> pem_body(const std::string& pem, const std::string& label) {
    const std::string begin = "-----BEGIN " + label + "-----", end = "-----END " + label + "-----";
    const auto b = pem.find(begin), e = pem.find(end);
    if (b == std::string::npos || e == std::string::npos || e < b) return std::nullopt;
    std::string text;
    for (std::size_t i = b + begin.size(); i < e; ++i)
        if (pem[i] != '\n' && pem[i] != '\r') text += pem[i];
    return base64_decode(text);
}

std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

std::optional<PublicKey> parse_public_key(std::string_view text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.remove_suffix(1);
    if (text.find('\n') != std::string_view::npos) return std::nullopt;
    std::istringstream words{std::string(text)};
    std::string algorithm, encoded;
    if (!(words >> algorithm >> encoded)) return std::nullopt;
    PublicKey key;
    if (algorithm == "ssh-rsa") key.key_type = "rsa";
    else if (algorithm == "ssh-ed25519") key.key_type = "ed25519";
    else return std::nullopt;
    auto blob = base64_decode(encoded);
    if (!blob) return std::nullopt;
    const auto named = ssh_string(*blob, 0);
    if (!named || *named != algorithm) return std::nullopt;
    if (key.key_type == "ed25519") {
        const auto point = ssh_string(*blob, 4 + named->size());
        if (!point || point->size() != 32 || 4 + named->size() + 4 + 32 != blob->size()) return std::nullopt;
    }
    key.blob = std::move(*blob);
    key.line = algorithm + " " + encoded;
    return key;
}

std::string created_key_fingerprint(const std::string& key_type, const std::string& private_key_pem, const PublicKey& public_key) {
    if (key_type == "ed25519") return base64_encode(digest(EVP_sha256(), public_key.blob));
    const auto pkcs1 = pem_body(private_key_pem, "RSA PRIVATE KEY");
    if (!pkcs1) throw std::runtime_error("not a PEM RSA private key");
    return colon_hex(digest(EVP_sha1(), pkcs8_of_rsa(*pkcs1)));
}

std::string imported_key_fingerprint(const PublicKey& public_key) {
    if (public_key.key_type == "ed25519") return base64_encode(digest(EVP_sha256(), public_key.blob));
    // The API reference names RFC 4716's MD5 of the key blob, but EC2 shows (and its User Guide checks with
    // `openssl pkey -pubout -outform DER | openssl md5 -c`) the MD5 of the DER public key: that is what we give.
    const auto der = rsa_public_key_der(public_key.blob);
    return der ? colon_hex(digest(EVP_md5(), *der)) : "";
}

KeyMaterial make_key_material(const std::string& key_type, const std::string& work_dir) {
    if (key_type != "rsa" && key_type != "ed25519") throw std::invalid_argument("key type " + key_type);
    std::error_code ec;
    std::filesystem::create_directories(work_dir, ec);
    std::string dir_template = work_dir + "/.keygen-XXXXXX";
    const char* dir = ::mkdtemp(dir_template.data());  // 0700: only root reads the key meanwhile
    if (!dir) throw std::runtime_error("cannot make a directory for ssh-keygen in " + work_dir);
    const std::filesystem::path file = std::filesystem::path(dir) / "key";
    struct Cleanup {
        std::filesystem::path dir;
        ~Cleanup() {
            std::error_code ec;
            std::filesystem::remove_all(dir, ec);
        }
    } cleanup{dir};
    std::vector<std::string> args{"ssh-keygen", "-q", "-t", key_type, "-N", "", "-C", "", "-f", file.string()};
    // EC2's RSA KeyMaterial is a PKCS#1 PEM ("BEGIN RSA PRIVATE KEY"), which ssh-keygen writes with -m PEM.
    if (key_type == "rsa") args.insert(args.begin() + 4, {"-b", "2048", "-m", "PEM"});
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    for (int fd : {0, 1, 2}) posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", O_RDWR, 0);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
    pid_t pid = 0;
    const int spawned = posix_spawnp(&pid, "ssh-keygen", &actions, &attr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (spawned != 0) throw std::runtime_error("cannot run ssh-keygen (scripts/setup.sh installs openssh-client)");
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw std::runtime_error("ssh-keygen failed to make a " + key_type + " key");
    KeyMaterial out;
    out.private_key = read_file(file);
    // EC2's KeyMaterial ends with the END line, no newline (`--output text > k.pem` adds one).
    while (!out.private_key.empty() && out.private_key.back() == '\n') out.private_key.pop_back();
    const auto pub = parse_public_key(read_file(file.string() + ".pub"));
    if (out.private_key.empty() || !pub) throw std::runtime_error("ssh-keygen made no usable " + key_type + " key");
    out.public_key = pub->line;
    out.fingerprint = created_key_fingerprint(key_type, out.private_key, *pub);
    return out;
}

}  // namespace vpclab::instance
