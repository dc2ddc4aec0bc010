// An instance's own files: Amazon Linux's defaults, the seeds' UserData carried out on them (passwords,
// sshd_config, a web server and its page), what fails as it would on the instance, and sshd_config as
// OpenSSH reads it.
#include <doctest/doctest.h>

#include <algorithm>

#include "instance/instance_files.hpp"
#include "instance/password_hash.hpp"
#include "seed_scripts.hpp"

using namespace vpclab::instance;

namespace {

constexpr const char* host_passwd = "root:x:0:0:root:/root:/bin/bash\n"
                                    "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
                                    "alice:x:1000:1000:Alice:/home/alice:/bin/bash\n";
constexpr const char* host_group = "root:x:0:\nalice:x:1000:\n";

constexpr const char* seed_web = vpclab::test::seed_web_user_data;

std::string fake_hash(const std::string& password) { return "HASH(" + password + ")"; }

InstanceFiles fresh(const std::string& key = "") {
    InstanceIdentity id;
    id.etc_files = {{"hostname", "ip-10-10-1-4\n"}, {"hosts", "127.0.0.1 localhost\n"}};
    id.authorized_key = key;
    return amazon_linux_files(id, accounts_with_ec2_user(host_passwd, host_group));
}

InstanceFiles after(const std::string& script) {
    InstanceFiles f = fresh();
    carry_out(f, parse_user_data(script), 20000, fake_hash);
    return f;
}

std::string shadow_line(const InstanceFiles& f, const std::string& user) {
    const std::string& s = f.files.at("/etc/shadow").content;
    const auto at = s.find(user + ":");
    REQUIRE(at != std::string::npos);
    return s.substr(at, s.find('\n', at) - at);
}

}  // namespace

TEST_CASE("instance files: Amazon Linux defaults, every account locked, no host password hash copied") {
    const InstanceFiles f = fresh("ssh-ed25519 AAAAC3Nz lab-key");
    CHECK(f.files.at("/etc/hostname").content == "ip-10-10-1-4\n");
    CHECK(shadow_line(f, "root") == "root:*LOCK*:14600::::::");
    CHECK(shadow_line(f, "daemon").find(":!!:") != std::string::npos);
    CHECK(shadow_line(f, "ec2-user").find(":!!:") != std::string::npos);
    // The host's system accounts and ec2-user at 1000, as on Amazon Linux; the host's own users are not the instance's.
    CHECK(f.files.at("/etc/passwd").content ==
          "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
          "ec2-user:x:1000:1000:EC2 Default User:/home/ec2-user:/bin/bash\n");
    CHECK(f.files.at("/etc/group").content == "root:x:0:\nec2-user:x:1000:\n");
    CHECK(f.files.at("/etc/shadow").content.find("alice") == std::string::npos);
    CHECK(f.files.at("/home/ec2-user/.ssh/authorized_keys").uid == 1000);
    // The host's secrets under /etc stay hidden: its sshd keys (an opaque /etc/ssh), its shadow backups.
    CHECK(f.directories.at("/etc/ssh").opaque);
    CHECK(std::count(f.hidden.begin(), f.hidden.end(), "/etc/gshadow") == 1);
    CHECK(std::count(f.hidden.begin(), f.hidden.end(), "/etc/shadow-") == 1);
    CHECK(std::count(f.hidden.begin(), f.hidden.end(), "/var/www") == 1);  // no web server: not even the host's pages
    CHECK(f.files.at("/home/ec2-user/.ssh/authorized_keys").content == "ssh-ed25519 AAAAC3Nz lab-key\n");
    // Root's copy, as cloud-init leaves it on Amazon Linux: it tells you to log in as ec2-user.
    CHECK(f.files.at("/root/.ssh/authorized_keys").content ==
          "no-port-forwarding,no-agent-forwarding,no-X11-forwarding,command=\"printf 'Please login as the user \\042ec2-user\\042 rather than "
          "the user \\042root\\042.\\n';echo;sleep 10;exit 142\" ssh-ed25519 AAAAC3Nz lab-key\n");
    CHECK(f.files.at("/root/.bashrc").content.find("PS1='[\\u@\\h \\W]\\$ '") != std::string::npos);
    CHECK(f.directories.at("/tmp").mode == 01777);
    CHECK(f.web.package.empty());
    CHECK_FALSE(f.directories.count("/var/www/html"));
    // As the AMI ships it: no password logins; root may log in (RHEL 7's build default).
    const SshdSettings s = read_sshd_config(f.files.at("/etc/ssh/sshd_config").content);
    CHECK_FALSE(s.password_authentication);
    CHECK(s.permit_root_login == SshdSettings::RootLogin::yes);
    CHECK(dropbear_options(s) == std::vector<std::string>{"-s"});
    // No key: no authorized_keys anywhere.
    CHECK_FALSE(fresh().has_file("/root/.ssh/authorized_keys"));
}

TEST_CASE("instance files: the instance's ec2-user is Amazon Linux's, whatever the host has") {
    const Accounts a = accounts_with_ec2_user("root:x:0:0::/root:/bin/bash\nec2-user:x:500:500::/home/ec2-user:/bin/sh\n"
                                              "nobody:x:65534:65534::/nonexistent:/usr/sbin/nologin\n# comment\nbroken line\n",
                                              "ec2-user:x:500:\n");
    CHECK(a.passwd == "root:x:0:0::/root:/bin/bash\nnobody:x:65534:65534::/nonexistent:/usr/sbin/nologin\n"
                      "ec2-user:x:1000:1000:EC2 Default User:/home/ec2-user:/bin/bash\n");
    CHECK(a.group == "ec2-user:x:1000:\n");
}

TEST_CASE("instance files: the seed's web server script sets the password, opens password login, serves the page") {
    const InstanceFiles f = after(seed_web);
    CHECK(shadow_line(f, "root") == "root:HASH(qwe123):20000:0:99999:7:::");
    CHECK(shadow_line(f, "daemon").find("HASH") == std::string::npos);
    const SshdSettings s = read_sshd_config(f.files.at("/etc/ssh/sshd_config").content);
    CHECK(s.password_authentication);
    CHECK(dropbear_options(s).empty());
    CHECK(f.web.package == "httpd");
    CHECK(f.web.running);
    CHECK(f.web.access_log == "/var/log/httpd/access_log");
    CHECK(std::count(f.hidden.begin(), f.hidden.end(), "/var/www") == 0);  // installed: the instance's own now
    CHECK(f.directories.at("/var/www").opaque);
    CHECK(f.files.at("/var/www/html/index.html").content == "<html><h1>Endpoint Service Lab - CloudNeta Web Server 1</h1></html>\n");
    for (const auto& [line, text] : f.outcome) CHECK(text.find("failed") == std::string::npos);
    CHECK(f.outcome.size() == 8);  // passwd, 2 sed, service, yum, start, enable, echo
}

TEST_CASE("instance files: without the sed lines, password login stays off") {
    const InstanceFiles f = after("(\necho \"qwe123\"\necho \"qwe123\"\n) | passwd --stdin root\nservice sshd restart\n");
    CHECK(shadow_line(f, "root").find("HASH(qwe123)") != std::string::npos);
    CHECK(dropbear_options(read_sshd_config(f.files.at("/etc/ssh/sshd_config").content)) == std::vector<std::string>{"-s"});
}

TEST_CASE("instance files: what would fail on the instance fails here, and changes nothing") {
    SUBCASE("a page written before any web server is installed") {
        const InstanceFiles f = after("echo hi > /var/www/html/index.html\n");
        CHECK_FALSE(f.has_file("/var/www/html/index.html"));
        REQUIRE(f.outcome.size() == 1);
        CHECK(f.outcome[0].second == "line 1 failed: /var/www/html/index.html: No such file or directory");
    }
    SUBCASE("a service never installed") {
        const InstanceFiles f = after("systemctl start httpd\n");
        CHECK_FALSE(f.web.running);
        CHECK(f.outcome.at(0).second.find("line 1 failed: Failed to start httpd.service: Unit httpd.service not found") == 0);
    }
    SUBCASE("enabled but not started: runs from the next boot") {
        const InstanceFiles f = after("yum install -y httpd\nsystemctl enable httpd\n");
        CHECK(f.web.package == "httpd");
        CHECK_FALSE(f.web.running);
    }
    SUBCASE("a password for a user the instance does not have") {
        const InstanceFiles before = fresh();
        const InstanceFiles f = after("echo 'nobody2:pw' | chpasswd\n");
        CHECK(f.files.at("/etc/shadow").content == before.files.at("/etc/shadow").content);
        CHECK(f.outcome.at(0).second == "line 1 failed: passwd: Unknown user name 'nobody2'.");
    }
    SUBCASE("a package vpclab does not provide, and a second web server") {
        const InstanceFiles f = after("yum install -y php\napt-get install -y nginx\napt-get install -y apache2\n");
        CHECK(f.outcome.at(0).second.find("line 1 failed: No package php") == 0);
        CHECK(f.web.package == "nginx");
        CHECK(f.outcome.at(2).second.find("line 3 failed: apache2: the instance already has nginx") == 0);
    }
    SUBCASE("an edit of a file that is not there") {
        const InstanceFiles f = after("sed -i 's/a/b/' /root/notes.txt\n");
        CHECK(f.outcome.at(0).second == "line 1 failed: sed: can't read /root/notes.txt: No such file or directory");
    }
}

TEST_CASE("instance files: mkdir -p makes the parents; files append; apt's web servers log where Debian logs") {
    const InstanceFiles f = after("mkdir -p /root/a/b\necho one > /root/a/b/f\necho two >> /root/a/b/f\napt-get install -y nginx\n"
                                  "systemctl start nginx\n");
    CHECK(f.directories.count("/root/a"));
    CHECK(f.directories.at("/root/a").opaque);  // made by the script: nothing of the host's shows through
    CHECK(f.directories.count("/root/a/b"));
    CHECK(f.files.at("/root/a/b/f").content == "one\ntwo\n");
    CHECK(f.web.running);
    CHECK(f.web.access_log == "/var/log/nginx/access.log");
    CHECK(f.has_file("/var/log/nginx/access.log"));
}

TEST_CASE("sshd_config read as OpenSSH reads it: first value wins, any case, Match ends the global part") {
    CHECK_FALSE(read_sshd_config("PasswordAuthentication no\nPasswordAuthentication yes\n").password_authentication);
    CHECK(read_sshd_config("passwordauthentication YES\n").password_authentication);
    CHECK(read_sshd_config("").password_authentication);  // OpenSSH's default
    CHECK(read_sshd_config("PermitRootLogin no\n").permit_root_login == SshdSettings::RootLogin::no);
    CHECK(read_sshd_config("PermitRootLogin without-password\n").permit_root_login == SshdSettings::RootLogin::prohibit_password);
    CHECK(read_sshd_config("Match User bob\nPasswordAuthentication no\n").password_authentication);
    // "Arguments may optionally be separated from the keyword by =".
    CHECK_FALSE(read_sshd_config("PasswordAuthentication=no\n").password_authentication);
    CHECK_FALSE(read_sshd_config("  PasswordAuthentication = no\n").password_authentication);
    CHECK(read_sshd_config("PermitRootLogin=no\n").permit_root_login == SshdSettings::RootLogin::no);
    CHECK(dropbear_options({false, SshdSettings::RootLogin::prohibit_password}) == std::vector<std::string>{"-s", "-g"});
    CHECK(dropbear_options({true, SshdSettings::RootLogin::no}) == std::vector<std::string>{"-w"});
}

TEST_CASE("password hashes: SHA-512 crypt as passwd writes them, salted afresh each time") {
    // The same hash Python's crypt.crypt("qwe123", "$6$vpclabsalt") gives (glibc/libxcrypt SHA-crypt).
    CHECK(hash_password_with_salt("qwe123", "$6$vpclabsalt") ==
          "$6$vpclabsalt$BQhzTX1Wu9I0Me2Z73894YAz3CY3WRiHl9tSnPue9WnzZMrdHjWH0U7WGD4RODOPDQb76FzVhGhBgGlCw6l6e/");
    const std::string a = hash_password("qwe123"), b = hash_password("qwe123");
    CHECK(a.rfind("$6$", 0) == 0);
    CHECK(a != b);
    CHECK(hash_password_with_salt("qwe123", a) == a);  // the hash carries its salt: checking a password
    CHECK(hash_password_with_salt("wrong", a) != a);
}


// ---- shared/repro ("Found when probed again"): names a shell could not use fail their line, not the instance. ----

#include "instance/base64.hpp"
#include "router/template/template_loader.hpp"
#include "tests/unit/source_file.hpp"

namespace {
// The UserData script of the one instance of tests/fuzz/regressions/template/NAME, as loaded from the template.
std::string user_data_of_regression(const std::string& name) {
    vpclab::cfn::LoadOptions o;
    o.file_name = name;
    o.stack_name = "names";
    const auto lab = vpclab::cfn::load_template(vpclab::test::read_source("tests/fuzz/regressions/template/" + name), o);
    REQUIRE(lab.model->instances().size() == 1);
    const auto script = base64_decode(lab.model->instances()[0].user_data);
    REQUIRE(script);
    return *script;
}
// No file or directory name the instance would get holds a NUL or a component over NAME_MAX.
void check_names_usable(const InstanceFiles& f) {
    auto usable = [](const std::string& path) {
        if (path.find('\0') != std::string::npos) return false;
        std::size_t longest = 0, run = 0;
        for (const char c : path) run = c == '/' ? 0 : run + 1, longest = std::max(longest, run);
        return longest <= 255;
    };
    // (No structured bindings: clang 14 will not let doctest's message capture them.)
    for (const auto& file : f.files) CHECK_MESSAGE(usable(file.first), printable(file.first));
    for (const auto& dir : f.directories) CHECK_MESSAGE(usable(dir.first), printable(dir.first));
}
}  // namespace

TEST_CASE("regression: a NUL in a file name fails that line as it cannot be used whole, and the rest is carried out") {
    // shared/repro: the line was accepted, then `up` failed as a whole (the name checked whole, written cut at the NUL).
    const std::string script = user_data_of_regression("template-userdata-nul-in-file-name.yaml");
    REQUIRE(script.find('\0') != std::string::npos);
    const auto parsed = parse_user_data(script);
    InstanceFiles f = fresh();
    const InstanceFiles before = f;
    carry_out(f, parsed, 20000, fake_hash);
    const auto lines = what_became_of(f, parsed);
    CHECK(lines == std::vector<std::string>{
                       "line 2 skipped (echo x > /tmp/a\\0/../../../etc/shadow): writes /tmp/a\\0/../../../etc/shadow, outside the files vpclab gives an instance",
                       "line 3 failed: /tmp/\\0: a file name cannot contain a NUL byte",
                       "line 4 failed: mkdir: cannot create directory '/tmp/d\\0x': a file name cannot contain a NUL byte",
                       "line 5 failed: /root/f\\0: a file name cannot contain a NUL byte",
                       "line 8 failed: /tmp/ok\\0: a file name cannot contain a NUL byte",
                       "line 9: write /tmp/nulcontent",
                       "line 10 failed: mkdir: cannot create directory '/root/\\0': a file name cannot contain a NUL byte",
                   });
    // What the failed lines name was not made, not even cut at the NUL; the line that works did its work.
    CHECK(f.files.at("/tmp/nulcontent").content == std::string("\0\n", 2));
    CHECK_FALSE(f.has_file("/tmp/ok"));
    CHECK_FALSE(f.has_file("/root/f"));
    CHECK(f.directories.size() == before.directories.size());
    CHECK(f.files.size() == before.files.size() + 1);
    CHECK(f.files.at("/etc/shadow").content == before.files.at("/etc/shadow").content);
    check_names_usable(f);
}

TEST_CASE("regression: a 300-character file name fails its line with the shell's \"File name too long\"") {
    const std::string script = user_data_of_regression("template-userdata-300-char-file-name.yaml");
    const auto parsed = parse_user_data(script);
    InstanceFiles f = fresh();
    carry_out(f, parsed, 20000, fake_hash);
    const auto lines = what_became_of(f, parsed);
    REQUIRE(!lines.empty());
    std::string all;
    for (const auto& line : lines) all += line + "\n";
    CAPTURE(all);
    const std::string long_name = "/tmp/" + std::string(300, 'A');
    CHECK(std::find(lines.begin(), lines.end(), "line 2 failed: " + long_name + ": File name too long") != lines.end());
    CHECK_FALSE(f.has_file(long_name));
    check_names_usable(f);

    // At the bounds: a component of 255 bytes is a name, 256 is not; a path within the limit, and one past it.
    InstanceFiles g = fresh();
    const std::string ok = "/tmp/" + std::string(255, 'n'), too_long = "/tmp/" + std::string(256, 'n');
    const std::string deep = "/tmp" + [] { std::string s; for (int i = 0; i < 15; ++i) s += "/" + std::string(250, 'd'); return s; }();
    carry_out(g, parse_user_data("echo a > " + ok + "\necho b > " + too_long + "\nmkdir -p " + deep + "\nmkdir -p " + deep + "/" + std::string(100, 'e') + "\n"),
              20000, fake_hash);
    CHECK(g.files.at(ok).content == "a\n");
    CHECK_FALSE(g.has_file(too_long));
    CHECK(g.outcome.at(1).second == "line 2 failed: " + too_long + ": File name too long");
    CHECK(g.directories.count(deep));
    CHECK(g.outcome.at(3).second == "line 4 failed: mkdir: cannot create directory '" + deep + "/" + std::string(100, 'e') + "': File name too long");
}
