// The lab's CA (router/aws_api/lab_ca.cpp): the server certificate chains to it for the region's API names
// and for no other name, its key is the certificate's, the CA can sign nothing more (its key is not kept),
// and the files are written with the key root's alone and the host's bundle read, never changed.
#include <doctest/doctest.h>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "router/aws_api/lab_ca.hpp"

using namespace vpclab::aws_api;

namespace {

X509* parse(const std::string& pem) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    return cert;
}

// Whether `server` verifies for `host` against a store holding only `ca`.
bool verifies(const LabCertificates& c, const std::string& host) {
    X509* ca = parse(c.ca_certificate);
    X509* server = parse(c.server_certificate);
    REQUIRE(ca != nullptr);
    REQUIRE(server != nullptr);
    X509_STORE* store = X509_STORE_new();
    X509_STORE_add_cert(store, ca);
    X509_STORE_CTX* ctx = X509_STORE_CTX_new();
    X509_STORE_CTX_init(ctx, store, server, nullptr);
    X509_VERIFY_PARAM_set1_host(X509_STORE_CTX_get0_param(ctx), host.c_str(), host.size());
    const bool ok = X509_verify_cert(ctx) == 1;
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    X509_free(server);
    X509_free(ca);
    return ok;
}

std::string read(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

TEST_CASE("the server certificate verifies for the region's API names, and only for them") {
    const LabCertificates c = make_lab_certificates("lab1", "ap-northeast-2");
    for (const char* host : {"ec2.ap-northeast-2.amazonaws.com", "cloudformation.ap-northeast-2.amazonaws.com", "logs.ap-northeast-2.amazonaws.com",
                             "elasticloadbalancing.ap-northeast-2.amazonaws.com", "ap-northeast-2.amazonaws.com"})
        CHECK_MESSAGE(verifies(c, host), host);
    for (const char* host : {"ec2.us-east-1.amazonaws.com", "amazonaws.com", "a.ec2.ap-northeast-2.amazonaws.com", "example.com", "ec2.ap-northeast-2.amazonaws.co"})
        CHECK_MESSAGE(!verifies(c, host), host);
    // Another lab's CA does not vouch for this lab's server.
    const LabCertificates other = make_lab_certificates("lab2", "ap-northeast-2");
    LabCertificates mixed = c;
    mixed.ca_certificate = other.ca_certificate;
    CHECK_FALSE(verifies(mixed, "ec2.ap-northeast-2.amazonaws.com"));
}

TEST_CASE("the key is the server certificate's, and the CA is a CA that can issue no intermediate") {
    const LabCertificates c = make_lab_certificates("lab1", "eu-west-1");
    CHECK(verifies(c, "ec2.eu-west-1.amazonaws.com"));
    X509* server = parse(c.server_certificate);
    BIO* bio = BIO_new_mem_buf(c.server_key.data(), static_cast<int>(c.server_key.size()));
    EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    REQUIRE(key != nullptr);
    CHECK(X509_check_private_key(server, key) == 1);
    X509* ca = parse(c.ca_certificate);
    CHECK(X509_check_ca(ca) == 1);
    CHECK(X509_check_ca(server) == 0);
    BASIC_CONSTRAINTS* constraints = static_cast<BASIC_CONSTRAINTS*>(X509_get_ext_d2i(ca, NID_basic_constraints, nullptr, nullptr));
    REQUIRE(constraints != nullptr);
    CHECK(ASN1_INTEGER_get(constraints->pathlen) == 0);
    BASIC_CONSTRAINTS_free(constraints);
    CHECK(c.ca_certificate.find("PRIVATE KEY") == std::string::npos);
    EVP_PKEY_free(key);
    BIO_free(bio);
    X509_free(server);
    X509_free(ca);
}

TEST_CASE("written: the key root's alone, the trusted bundle the host's with the CA after it, the host's bundle unchanged") {
    char dir_template[] = "/tmp/lab-ca-test-XXXXXX";
    REQUIRE(::mkdtemp(dir_template) != nullptr);
    const std::filesystem::path root = dir_template;
    const std::filesystem::path host_bundle = root / "host-bundle.crt";
    std::ofstream(host_bundle) << "-----BEGIN CERTIFICATE-----\nhost\n-----END CERTIFICATE-----";  // no final newline
    const std::string host_before = read(host_bundle);
    const LabCertificates c = make_lab_certificates("lab1", "ap-northeast-2");
    const LabCaPaths paths = LabCaPaths::of_stack_dir(root);
    write_lab_certificates(paths, c, host_bundle);
    struct stat st {};
    REQUIRE(::stat(paths.server_key().c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    REQUIRE(::stat(paths.dir.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
    CHECK(read(paths.server_key()) == c.server_key);
    CHECK(read(paths.ca_certificate()) == c.ca_certificate);
    CHECK(read(paths.trusted_bundle()) == host_before + "\n" + c.ca_certificate);
    CHECK(read(host_bundle) == host_before);
    // No host bundle: the CA alone.
    write_lab_certificates(paths, c, root / "missing.crt");
    CHECK(read(paths.trusted_bundle()) == c.ca_certificate);
    std::filesystem::remove_all(root);
}
