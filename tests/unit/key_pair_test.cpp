// Key pairs: EC2's fingerprints of keys it made and keys imported (checked against openssl's and
// ssh-keygen's own answers for a fixed test key), OpenSSH public key lines read strictly, and keys made.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <stdexcept>

#include "instance/base64.hpp"
#include "instance/key_pair.hpp"

using namespace vpclab::instance;

namespace {
// A throwaway 1024-bit key made for this test only (ssh-keygen -t rsa -b 1024 -m PEM).
constexpr const char* test_rsa_pem = R"(-----BEGIN RSA PRIVATE KEY-----
MIICXAIBAAKBgQC4cDZHmPLFr/0bzAvGqbRv6ITzOgJbrkvuSPq0DC2FH+mFlsUb
AAJbROTlwHKyrxPSrdR+LhV4ReJ64bRd2HUPzeNGi3sI7B9Z2nw9zI1exw4DibNc
tM8LFMdJEAkRaYEmcm0VTDP3KOUKMRTl5xZVS0k5Jj/S6WPT6sa6uDZYNwIDAQAB
AoGAM2fDGS197K9iYk76sUI3ckFiXNA8PAVWUHGyvl/uh/4e/gbJpP7ZqUqIaai7
zyWQ5tVgNlLt1PnVZ95kgQuFhIrxFy2hA5yREQXGuYudvOg8z1N9+F4JZi3k3mIq
gcKKsJ8nrPh6bPBr/IWv5LqNKGo9NaTUe2OTmEe4fBnoP0ECQQDg6NXognhRYVWB
t0fyHy6wAv5vUZsfztptZasdMpWxvszJWKUKAE7UZiRN/lj0VVy/79sE/GJk+FEP
yrJYwuqxAkEA0e8rj2AI+Nu07OJ1KWbO/mFjHLfd8tI3q9n5kJuCO/GCQBo9L3VB
pLu12QwlQhvjKm0EvbLFwZ/KHimHO21bZwJAbAJFH+jwQRy+RJIxQeyJrktxxyHo
nkjnitvlZhsx2m9nx1YDxB7LvKLk0nPQYl5QMXjNtMJDunup6iyMo6XPsQJBAJF7
5rsYeX9EevCCy2Dir2YYRWA8h6JkTlJY35t4OVujNXmI9YfzAYfQ0efVg+h5fQcE
v/lab7OMMbyPWPk1AtcCQBdyQJypoRodfwMeEIEvwsGuG6OmGE2HW1LEP3P8uaht
v9HwH68HrJ0fMNmO6I28tZx14Vs/qMcQnicTvX5hfPI=
-----END RSA PRIVATE KEY-----
)";
constexpr const char* test_rsa_pub = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC4cDZHmPLFr/0bzAvGqbRv6ITzOgJbrkvuSPq0DC2FH+mFlsUbAAJbROTlwHKyrxPSrdR+LhV4ReJ64bRd2HUPzeNGi3sI7B9Z2nw9zI1exw4DibNctM8LFMdJEAkRaYEmcm0VTDP3KOUKMRTl5xZVS0k5Jj/S6WPT6sa6uDZYNw==";
constexpr const char* test_ed25519_pub = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBSIFJqju2RnlkS70sErstHXQWP43Eer1v6fP1xt90N3";
}  // namespace

TEST_CASE("key fingerprints as EC2 gives them") {
    const auto rsa = parse_public_key(test_rsa_pub);
    REQUIRE(rsa);
    CHECK(rsa->key_type == "rsa");
    // `openssl pkcs8 -in key -inform PEM -outform DER -topk8 -nocrypt | openssl sha1 -c`: the command the EC2
    // User Guide gives to check a fingerprint of a key EC2 created.
    CHECK(created_key_fingerprint("rsa", test_rsa_pem, *rsa) == "7e:57:a9:5c:56:11:59:7c:79:67:b3:18:f4:6e:c9:3c:61:32:52:7c");
    // `openssl pkey -in key -pubout -outform DER | openssl md5 -c`: the fingerprint EC2 shows for an imported
    // RSA key (not ssh-keygen -E md5's 12:cc:9a:…, the MD5 of the SSH blob).
    CHECK(imported_key_fingerprint(*rsa) == "ad:78:4f:91:12:34:30:94:f3:ba:53:63:e2:1b:fc:69");
    const auto ed = parse_public_key(test_ed25519_pub);
    REQUIRE(ed);
    CHECK(ed->key_type == "ed25519");
    // `ssh-keygen -l -E sha256`, with base64's padding.
    CHECK(imported_key_fingerprint(*ed) == "e+jZolJA+lFq/tDQDXCWxfDALLgYIkWZzFO7ILt5Jt0=");
    CHECK(created_key_fingerprint("ed25519", "", *ed) == imported_key_fingerprint(*ed));
    CHECK_THROWS(created_key_fingerprint("rsa", "not a key", *rsa));
}

TEST_CASE("OpenSSH public key lines are read strictly") {
    CHECK(parse_public_key(std::string(test_ed25519_pub) + " a comment\n")->line == test_ed25519_pub);
    CHECK_FALSE(parse_public_key(""));
    CHECK_FALSE(parse_public_key("ssh-dss AAAAB3NzaC1kc3MAAACBAP"));                        // not a type EC2 takes
    CHECK_FALSE(parse_public_key("ssh-ed25519 !!!"));                                        // not base64
    CHECK_FALSE(parse_public_key(std::string("ssh-rsa ") + (test_ed25519_pub + 12)));        // blob names another algorithm
    CHECK_FALSE(parse_public_key(std::string(test_ed25519_pub) + "\n" + test_ed25519_pub));  // two lines
    const std::string truncated = "ssh-ed25519 " + base64_encode(base64_decode(std::string(test_ed25519_pub).substr(12))->substr(0, 40));
    CHECK_FALSE(parse_public_key(truncated));
}

TEST_CASE("keys made with ssh-keygen: EC2's formats, fingerprints of what was made, a new key each time") {
    const std::string work = "/tmp/vpclab-key-test-" + std::to_string(::getpid());
    const KeyMaterial rsa = make_key_material("rsa", work);
    CHECK(rsa.private_key.rfind("-----BEGIN RSA PRIVATE KEY-----", 0) == 0);
    REQUIRE(parse_public_key(rsa.public_key));
    CHECK(rsa.fingerprint == created_key_fingerprint("rsa", rsa.private_key, *parse_public_key(rsa.public_key)));
    CHECK(rsa.fingerprint.size() == 59);  // 20 bytes, colon hex
    const KeyMaterial ed = make_key_material("ed25519", work);
    CHECK(ed.private_key.rfind("-----BEGIN OPENSSH PRIVATE KEY-----", 0) == 0);
    CHECK(ed.public_key.rfind("ssh-ed25519 ", 0) == 0);
    CHECK(ed.public_key != make_key_material("ed25519", work).public_key);
    CHECK_THROWS_AS(make_key_material("dsa", work), std::invalid_argument);
    CHECK(std::filesystem::is_empty(work));  // no key left behind in the work directory
    std::filesystem::remove(work);
}
