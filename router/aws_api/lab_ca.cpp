// Making the lab's CA and its server certificate with OpenSSL 3 (EC P-256 keys, SHA-256 signatures), and
// writing them to the stack's directory.
#include "router/aws_api/lab_ca.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace vpclab::aws_api {

namespace {

template <class T, void (*Free)(T*)>
struct Deleter {
    void operator()(T* p) const { Free(p); }
};
using Key = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Certificate = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

void must(bool ok, const char* what) {
    if (!ok) throw std::runtime_error(std::string("making the lab's certificates: ") + what + " failed");
}

Key new_key() {
    Key key(EVP_EC_gen("P-256"));
    must(key != nullptr, "EVP_EC_gen");
    return key;
}

void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    must(ext != nullptr, "X509V3_EXT_conf_nid");
    const bool added = X509_add_ext(cert, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    must(added, "X509_add_ext");
}

// A certificate for `subject_key`, named `common_name`, issued by `issuer` (itself when null); signed by the caller.
Certificate make_certificate(EVP_PKEY* subject_key, const std::string& common_name, X509* issuer) {
    Certificate cert(X509_new());
    must(cert != nullptr, "X509_new");
    X509_set_version(cert.get(), 2);  // v3
    unsigned char serial[16];
    must(RAND_bytes(serial, sizeof serial) == 1, "RAND_bytes");
    serial[0] &= 0x7f;  // a positive serial (RFC 5280, 4.1.2.2)
    BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
    must(bn != nullptr && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get())) != nullptr, "serial number");
    BN_free(bn);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);  // an instance's clock a little behind is no matter
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 365L * 24 * 3600);
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("vpclab"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0);
    must(X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name) == 1, "issuer name");
    must(X509_set_pubkey(cert.get(), subject_key) == 1, "X509_set_pubkey");
    X509* issuer_cert = issuer ? issuer : cert.get();
    add_extension(cert.get(), issuer_cert, NID_subject_key_identifier, "hash");
    add_extension(cert.get(), issuer_cert, NID_authority_key_identifier, "keyid:always");
    return cert;
}

std::string pem_of(X509* cert) {
    Bio bio(BIO_new(BIO_s_mem()));
    must(bio && PEM_write_bio_X509(bio.get(), cert) == 1, "PEM_write_bio_X509");
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

std::string pem_of_key(EVP_PKEY* key) {
    Bio bio(BIO_new(BIO_s_mem()));
    must(bio && PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1, "PEM_write_bio_PrivateKey");
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

void write_file(const std::filesystem::path& path, const std::string& text, mode_t mode) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    const bool ok = fd >= 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    const int error = errno;
    if (fd >= 0) ::close(fd);
    if (!ok) throw std::runtime_error("cannot write " + path.string() + ": " + std::strerror(error));
}

}  // namespace

LabCertificates make_lab_certificates(const std::string& stack, const std::string& region) {
    const Key ca_key = new_key(), server_key = new_key();
    const Certificate ca = make_certificate(ca_key.get(), "vpclab lab CA (" + stack + ")", nullptr);
    add_extension(ca.get(), ca.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
    add_extension(ca.get(), ca.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
    must(X509_sign(ca.get(), ca_key.get(), EVP_sha256()) > 0, "signing the CA");

    const std::string domain = region + ".amazonaws.com";
    const Certificate server = make_certificate(server_key.get(), "*." + domain, ca.get());
    add_extension(server.get(), ca.get(), NID_basic_constraints, "critical,CA:FALSE");
    add_extension(server.get(), ca.get(), NID_key_usage, "critical,digitalSignature");
    add_extension(server.get(), ca.get(), NID_ext_key_usage, "serverAuth");
    // The API names the region answers (AWS General Reference, "Service endpoints": <service>.<region>.amazonaws.com).
    add_extension(server.get(), ca.get(), NID_subject_alt_name, ("DNS:" + domain + ",DNS:*." + domain).c_str());
    must(X509_sign(server.get(), ca_key.get(), EVP_sha256()) > 0, "signing the server certificate");
    return {pem_of(ca.get()), pem_of(server.get()), pem_of_key(server_key.get())};
}

void write_lab_certificates(const LabCaPaths& paths, const LabCertificates& certificates, const std::filesystem::path& host_bundle) {
    if (::mkdir(paths.dir.c_str(), 0700) != 0 && errno != EEXIST)
        throw std::runtime_error("cannot create " + paths.dir.string() + ": " + std::strerror(errno));
    write_file(paths.server_key(), certificates.server_key, 0600);
    write_file(paths.server_certificate(), certificates.server_certificate, 0644);
    write_file(paths.ca_certificate(), certificates.ca_certificate, 0644);
    std::string bundle;
    if (std::ifstream in{host_bundle}) {
        std::stringstream text;
        text << in.rdbuf();
        bundle = text.str();
        if (!bundle.empty() && bundle.back() != '\n') bundle += '\n';
    }
    write_file(paths.trusted_bundle(), bundle + certificates.ca_certificate, 0644);
}

}  // namespace vpclab::aws_api
