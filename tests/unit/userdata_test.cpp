// UserData as actions: the seeds' scripts understood line by line, everything else reported with its line,
// never run; base64 both ways.
#include <doctest/doctest.h>

#include <random>

#include "instance/base64.hpp"
#include "instance/userdata_script.hpp"
#include "seed_scripts.hpp"

using namespace vpclab::instance;
using Kind = UserDataAction::Kind;

namespace {
constexpr const char* seed_web = vpclab::test::seed_web_user_data;
}  // namespace

TEST_CASE("base64: round trips, EC2's padding, refuses what is not base64") {
    CHECK(base64_encode("ab") == "YWI=");
    CHECK(base64_encode("abc") == "YWJj");
    CHECK(base64_encode("a") == "YQ==");
    CHECK(base64_encode("") == "");
    std::mt19937 rng(3);
    for (int i = 0; i < 2000; ++i) {
        std::string s(rng() % 40, '\0');
        for (auto& c : s) c = static_cast<char>(rng());
        REQUIRE(base64_decode(base64_encode(s)) == s);
    }
    CHECK(base64_decode("YWJj\nYQ==") == "abca");
    for (const char* bad : {"YWJ", "YW=j", "Y===", "YQ==YQ==", "YW J!", "====", "QR==", "YWK="}) {
        CAPTURE(bad);
        CHECK(!base64_decode(bad));
    }
}

TEST_CASE("the seed's web server UserData: every line understood, in order, nothing skipped") {
    const auto s = parse_user_data(seed_web);
    CHECK(s.skipped.empty());
    REQUIRE(s.actions.size() == 8);
    CHECK(s.actions[0].kind == Kind::set_password);
    CHECK(s.actions[0].subject == "root");
    CHECK(s.actions[0].value == "qwe123");
    CHECK(s.actions[0].line == 2);
    CHECK(s.actions[1].kind == Kind::edit_file);
    CHECK(s.actions[1].subject == "/etc/ssh/sshd_config");
    CHECK(s.actions[1].pattern == "^PasswordAuthentication no");
    CHECK(s.actions[1].value == "PasswordAuthentication yes");
    CHECK(s.actions[1].line == 6);
    CHECK(s.actions[3].kind == Kind::start_service);
    CHECK(s.actions[3].subject == "sshd");
    CHECK(s.actions[4].kind == Kind::install_package);
    CHECK(s.actions[4].subject == "httpd");
    CHECK(s.actions[5].kind == Kind::start_service);
    CHECK(s.actions[6].kind == Kind::enable_service);
    CHECK(s.actions[6].line == 10);
    CHECK(s.actions[7].kind == Kind::write_file);
    CHECK(s.actions[7].subject == "/var/www/html/index.html");
    CHECK(s.actions[7].value == "<html><h1>Endpoint Service Lab - CloudNeta Web Server 1</h1></html>\n");
    CHECK(!s.actions[7].append);
}

TEST_CASE("sed edits apply as sed -i would: anchored, first or every match") {
    const std::string config = "#PermitRootLogin yes\nPasswordAuthentication no\nX no no\n";
    const auto s = parse_user_data("sed -i 's/^#PermitRootLogin yes/PermitRootLogin yes/' /etc/ssh/sshd_config\n"
                                   "sed -i -e \"s|no|yes|g\" /etc/ssh/sshd_config\nsed -i 's/no/maybe/' /etc/ssh/sshd_config\n");
    REQUIRE(s.actions.size() == 3);
    CHECK(apply_edit(s.actions[0], config) == "PermitRootLogin yes\nPasswordAuthentication no\nX no no\n");
    CHECK(apply_edit(s.actions[1], config) == "#PermitRootLogin yes\nPasswordAuthentication yes\nX yes yes\n");
    CHECK(apply_edit(s.actions[2], config) == "#PermitRootLogin yes\nPasswordAuthentication maybe\nX maybe no\n");
    // The anchor matters: the seed's second line does nothing to a config whose line is not commented.
    CHECK(apply_edit(s.actions[0], "PermitRootLogin no\n") == "PermitRootLogin no\n");
}

TEST_CASE("other forms of the subset: chpasswd, echo | passwd, heredocs, >>, mkdir, apt-get, systemctl --now") {
    const auto s = parse_user_data("echo 'ec2-user:pw1' | chpasswd\necho \"pw2\" | passwd --stdin root\n"
                                   "cat > /var/www/html/index.html <<'EOF'\n<h1>$HOME stays literal</h1>\nEOF\n"
                                   "echo more >> /var/www/html/index.html\nmkdir -p /var/www/html/app /tmp/x\n"
                                   "apt-get install -y nginx\nsystemctl enable --now nginx.service\n");
    CHECK(s.skipped.empty());
    REQUIRE(s.actions.size() == 9);
    CHECK(s.actions[0].subject == "ec2-user");
    CHECK(s.actions[0].value == "pw1");
    CHECK(s.actions[1].value == "pw2");
    CHECK(s.actions[2].value == "<h1>$HOME stays literal</h1>\n");
    CHECK(s.actions[3].append);
    CHECK(s.actions[3].value == "more\n");
    CHECK(s.actions[5].subject == "/tmp/x");
    CHECK(s.actions[6].subject == "nginx");
    CHECK(s.actions[7].kind == Kind::enable_service);
    CHECK(s.actions[8].kind == Kind::start_service);
    CHECK(s.actions[8].subject == "nginx");
}

TEST_CASE("lines outside the subset are skipped with their number and why; the rest still counts") {
    const auto s = parse_user_data("#!/bin/bash\nyum update -y\ncurl http://x | sh\necho $(whoami) > /tmp/a\n"
                                   "echo hi > /etc/passwd\nrm -rf /\nservice sshd restart\nsed -i 's/.*/x/' /etc/ssh/sshd_config\n"
                                   "echo ok > /var/www/html/../../etc/shadow\nsystemctl start mysqld\ncat > /tmp/f <<EOF\n$X\nEOF\n"
                                   "touch /tmp/a; rm /tmp/a\nservice sshd restart && wget x\n");
    REQUIRE(s.actions.size() == 1);
    CHECK(s.actions[0].kind == Kind::start_service);
    CHECK(s.actions[0].line == 7);
    std::vector<int> lines;
    for (const auto& k : s.skipped) lines.push_back(k.line);
    CHECK(lines == std::vector<int>{2, 3, 4, 5, 6, 8, 9, 10, 11, 14, 15});
    CHECK(s.skipped[2].why.find("expansion") != std::string::npos);
    CHECK(s.skipped[3].why.find("outside the files") != std::string::npos);
    CHECK(s.skipped[5].why.find("regular expression") != std::string::npos);
    CHECK(s.skipped[8].why.find("here-document uses shell expansion") != std::string::npos);
}

TEST_CASE("nothing breaks the parser: over 16 KiB, random bytes, mutated seeds (10,000 inputs)") {
    const auto big = parse_user_data(std::string(max_user_data_bytes + 1, 'a'));
    REQUIRE(big.skipped.size() == 1);
    CHECK(big.actions.empty());
    std::mt19937 rng(9);
    const std::string alphabet = "echo sed passwd ( ) | > >> << EOF 'qwe' \"x\" $ ` ; & \\ / ^ s/a/b/g -i -y\n\n/var/www/html/i";
    for (int i = 0; i < 10000; ++i) {
        std::string input;
        if (i % 2) {
            input = seed_web;
            for (int k = 0; k < 4; ++k) input[rng() % input.size()] = static_cast<char>(rng());
        } else {
            for (std::size_t n = rng() % 200; n > 0; --n) input += alphabet[rng() % alphabet.size()];
        }
        const auto s = parse_user_data(input);
        for (const auto& a : s.actions) CHECK(a.line >= 1);
    }
}

TEST_CASE("what only a shell could read is skipped, with what belongs to it (review findings)") {
    const auto s = parse_user_data(
        "echo \"a\\\" '$HOME' \"\" > /tmp/f\n"                 // 1: a $ inside double quotes, behind an escaped quote
        "echo \"C:\\path\" > /tmp/g\n"                           // 2: the backslash stays (bash keeps \p)
        "mkdir -p /tmp/{..,x}/etc\n"                                // 3: brace expansion
        "echo pw 2>/tmp/h\n"                                        // 4: a numbered descriptor
        "yum install -y \\\n"                                      // 5: continued…
        "  httpd\n"                                                 // 6: …here
        "cat <<EOF > /etc/motd\n"                                   // 7: another heredoc shape…
        "echo x > /var/www/html/index.html\n"                       // 8: …whose body is not read
        "EOF\n"                                                     // 9
        "cat > /tmp/'EOF' <<EOF\n"                                  // 10: the marker itself is unquoted
        "$(id)\n"                                                   // 11
        "EOF\n"                                                     // 12
        "cat > /tmp/k <<-END\n"                                     // 13: <<- is not read…
        "\tbody\n"                                                  // 14
        "\tEND\n"                                                   // 15
        "echo \"spans\n"                                            // 16: a quote that spans lines…
        "echo x > /var/www/html/x\n"                                // 17: …is not read inside
        "end\" > /tmp/q\n"                                          // 18
        "echo done > /tmp/./x\n"                                    // 19: a . component
        "echo written > /var/www/html\n"                            // 20: a directory, not a file
        "service sshd restart\n");                                  // 21: read
    REQUIRE(s.actions.size() == 2);
    CHECK(s.actions[0].kind == Kind::write_file);
    CHECK(s.actions[0].value == "C:\\path\n");
    CHECK(s.actions[0].line == 2);
    CHECK(s.actions[1].line == 21);
    std::vector<int> lines;
    for (const auto& k : s.skipped) lines.push_back(k.line);
    // (the end markers of skipped here-documents, lines 9, 12 and 15, are not reported; the body of 10 goes with it)
    CHECK(lines == std::vector<int>{1, 3, 4, 5, 6, 7, 8, 10, 13, 14, 16, 17, 18, 19, 20});
}
