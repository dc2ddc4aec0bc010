// An instance's own files (Amazon Linux 2's defaults) and UserData's actions carried out on them, as text.
#include "instance/instance_files.hpp"

#include <climits>

#include <algorithm>
#include <cctype>

namespace vpclab::instance {

namespace {

// Amazon Linux 2's /etc/ssh/sshd_config, the lines that matter here in the order and form the AMI ships
// them: the seeds' `sed -i "s/^PasswordAuthentication no/…/"` and `s/^#PermitRootLogin yes/…/` edit these.
constexpr const char* amazon_linux_sshd_config = R"(#	$OpenBSD: sshd_config,v 1.100 2016/08/15 12:32:04 naddy Exp $

# This is the sshd server system-wide configuration file.  See
# sshd_config(5) for more information.
#
# In vpclab, the instance's SSH server (Dropbear) honours PasswordAuthentication and PermitRootLogin
# from this file; the rest is as Amazon Linux 2 ships it and is not read.

#Port 22
#AddressFamily any
#ListenAddress 0.0.0.0
#ListenAddress ::

HostKey /etc/ssh/ssh_host_rsa_key
HostKey /etc/ssh/ssh_host_ecdsa_key
HostKey /etc/ssh/ssh_host_ed25519_key

# Logging
SyslogFacility AUTHPRIV

# Authentication:

#LoginGraceTime 2m
#PermitRootLogin yes
#StrictModes yes
#MaxAuthTries 6
#MaxSessions 10

#PubkeyAuthentication yes

# The default is to check both .ssh/authorized_keys and .ssh/authorized_keys2
# but this is overridden so installations will only check .ssh/authorized_keys
AuthorizedKeysFile .ssh/authorized_keys

# To disable tunneled clear text passwords, change to no here!
#PasswordAuthentication yes
#PermitEmptyPasswords no
PasswordAuthentication no

# Change to no to disable s/key passwords
#ChallengeResponseAuthentication yes
ChallengeResponseAuthentication no

UsePAM yes

X11Forwarding yes
#PrintMotd yes

# override default of no subsystems
Subsystem sftp	/usr/libexec/openssh/sftp-server

AuthorizedKeysCommand /opt/aws/bin/eic_run_authorized_keys %u %f
AuthorizedKeysCommandUser ec2-instance-connect
)";

constexpr const char* amazon_linux_motd = R"(
       __|  __|_  )
       _|  (     /   Amazon Linux 2 AMI
      ___|\___|___|

https://aws.amazon.com/amazon-linux-2/
)";

// Amazon Linux's /etc/bashrc sets this prompt; the host's Debian /etc/bash.bashrc would set another, so
// each home's .bashrc sets it again (bash reads ~/.bashrc after the system file).
constexpr const char* bashrc = "# .bashrc (vpclab: Amazon Linux's prompt)\n"
                               "[ -f /etc/bashrc ] && . /etc/bashrc\n"
                               "PS1='[\\u@\\h \\W]\\$ '\n";
constexpr const char* bash_profile = "# .bash_profile\n"
                                     "[ -f ~/.bashrc ] && . ~/.bashrc\n";

std::vector<std::string> split_lines(std::string_view text) {
    std::vector<std::string> out;
    std::size_t at = 0;
    while (at < text.size()) {
        const auto end = text.find('\n', at);
        out.emplace_back(text.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at));
        if (end == std::string_view::npos) break;
        at = end + 1;
    }
    return out;
}

std::string field(const std::string& line, int index) {
    std::size_t at = 0;
    for (int i = 0; i < index; ++i) {
        at = line.find(':', at);
        if (at == std::string::npos) return "";
        ++at;
    }
    return line.substr(at, line.find(':', at) - at);
}

std::string with_newline(std::string_view text) {
    std::string s(text);
    if (!s.empty() && s.back() != '\n') s += '\n';
    return s;
}

std::string parent_of(const std::string& path) {
    const auto slash = path.rfind('/');
    return slash == 0 ? "/" : path.substr(0, slash);
}

// The account names of a passwd file, in order.
std::vector<std::string> account_names(std::string_view passwd) {
    std::vector<std::string> out;
    for (const auto& line : split_lines(passwd))
        if (!line.empty() && line[0] != '#' && !field(line, 0).empty()) out.push_back(field(line, 0));
    return out;
}

void add_home(InstanceFiles& f, const std::string& home, unsigned uid, unsigned gid, const std::string& key) {
    f.directories[home] = {0700, uid, gid};
    f.files[home + "/.bashrc"] = {bashrc, 0644, uid, gid};
    f.files[home + "/.bash_profile"] = {bash_profile, 0644, uid, gid};
    if (!key.empty()) {
        f.directories[home + "/.ssh"] = {0700, uid, gid};
        // cloud-init's disable_root on Amazon Linux: root's copy of the key only says whom to log in as. Its
        // message has double quotes, which Amazon Linux escapes as \" for OpenSSH; Dropbear passes backslashes
        // through, so printf's octal \042 makes them here.
        const std::string options = home != "/root" ? ""
                                                    : "no-port-forwarding,no-agent-forwarding,no-X11-forwarding,command=\"printf 'Please login as "
                                                      "the user \\042ec2-user\\042 rather than the user \\042root\\042.\\n';echo;sleep 10;exit 142\" ";
        f.files[home + "/.ssh/authorized_keys"] = {options + with_newline(key), 0600, uid, gid};
    }
}

}  // namespace

std::string web_access_log_of(const std::string& package) {
    return package == "httpd" ? "/var/log/httpd/access_log" : "/var/log/" + package + "/access.log";
}

namespace {

bool web_package(const std::string& p) { return p == "httpd" || p == "apache2" || p == "nginx"; }

class Emulator {
public:
    Emulator(InstanceFiles& f, long days, const std::function<std::string(const std::string&)>& hash) : f_(f), days_(days), hash_(hash) {}

    void run(const UserDataAction& a) {
        using K = UserDataAction::Kind;
        switch (a.kind) {
            case K::set_password: return set_password(a);
            case K::edit_file: return edit(a);
            case K::start_service: return start(a);
            case K::enable_service: return enable(a);
            case K::install_package: return install(a);
            case K::write_file: return write(a);
            case K::make_directory: return make_directory(a);
        }
    }

private:
    void done(const UserDataAction& a, const std::string& what = "") {
        f_.outcome.emplace_back(a.line, "line " + std::to_string(a.line) + ": " + (what.empty() ? describe(a) : what));
    }
    // Why the kernel would refuse `path` as a file name, as the shell reports it (path_resolution(7): a
    // component longer than NAME_MAX, a path longer than PATH_MAX); nullptr when it may be used. The name is
    // judged whole, as the bytes that would be used: a C string stops at a NUL, so a name with one could only
    // be written cut short. The path's limit keeps room for where the instance's files live on the host
    // (/run/vpclab/<stack>/<instance-id>, under 100 bytes).
    static const char* unusable_name(const std::string& path) {
        if (path.find('\0') != std::string::npos) return "a file name cannot contain a NUL byte";
        if (path.size() >= PATH_MAX - 256) return "File name too long";
        for (std::size_t at = 0; at < path.size();) {
            const std::size_t end = std::min(path.find('/', at), path.size());
            if (end - at > NAME_MAX) return "File name too long";
            at = end + 1;
        }
        return nullptr;
    }

    void failed(const UserDataAction& a, const std::string& why) {
        f_.outcome.emplace_back(a.line, "line " + std::to_string(a.line) + " failed: " + why);
    }

    // A directory the script made (or a package it installed): the instance's own, no longer hidden.
    void make_own(const std::string& dir, unsigned mode) {
        f_.directories.try_emplace(dir, DirectoryEntry{mode, 0, 0, true});
        std::erase(f_.hidden, dir);
    }

    // Its own directories, and the tops every instance has (where the allow-listed /etc files live).
    bool directory_exists(const std::string& dir) const { return f_.directories.count(dir) || dir == "/" || dir == "/etc" || dir == "/var"; }

    void set_password(const UserDataAction& a) {
        auto& shadow = f_.files["/etc/shadow"];
        std::string out;
        bool found = false;
        for (const auto& line : split_lines(shadow.content)) {
            if (field(line, 0) == a.subject) {
                found = true;
                // name:hash:last change:min:max:warn::: (shadow(5)); the ages as passwd leaves them on Amazon Linux.
                out += a.subject + ":" + hash_(a.value) + ":" + std::to_string(days_) + ":0:99999:7:::\n";
            } else {
                out += line + "\n";
            }
        }
        if (!found) return failed(a, "passwd: Unknown user name '" + a.subject + "'.");
        shadow.content = out;
        done(a);
    }

    void edit(const UserDataAction& a) {
        auto it = f_.files.find(a.subject);
        if (const char* why = unusable_name(a.subject)) return failed(a, "sed: can't read " + printable(a.subject) + ": " + why);
        if (it == f_.files.end()) return failed(a, "sed: can't read " + a.subject + ": No such file or directory");
        it->second.content = apply_edit(a, it->second.content);
        done(a);
    }

    void start(const UserDataAction& a) {
        if (a.subject == "sshd") return done(a, "sshd restarted: it reads the sshd_config as it is after the script");
        if (!f_.web.package.empty() && a.subject == f_.web.package) {
            f_.web.running = true;
            return done(a, "start " + a.subject + " (served from /var/www/html, access log " + f_.web.access_log + ")");
        }
        failed(a, "Failed to start " + a.subject + ".service: Unit " + a.subject + ".service not found (install it first)");
    }

    void enable(const UserDataAction& a) {
        if (a.subject == "sshd") return done(a, "sshd is enabled, as on every Amazon Linux AMI");
        if (f_.web.package.empty() || a.subject != f_.web.package)
            return failed(a, "Failed to enable unit: Unit file " + a.subject + ".service does not exist.");
        done(a, "enable " + a.subject + " (starts at the next boot; start it to serve now)");
    }

    void install(const UserDataAction& a) {
        if (!web_package(a.subject))
            return failed(a, "No package " + a.subject + " available in vpclab (it provides httpd, apache2 and nginx, by one web server)");
        if (!f_.web.package.empty() && f_.web.package != a.subject)
            return failed(a, a.subject + ": the instance already has " + f_.web.package + " (vpclab runs one web server an instance)");
        f_.web.package = a.subject;
        f_.web.access_log = web_access_log_of(a.subject);
        for (const std::string dir : {"/var/www", "/var/www/html"}) make_own(dir, 0755);
        make_own(parent_of(f_.web.access_log), 0700);
        f_.files.try_emplace(f_.web.access_log, FileEntry{"", 0644, 0, 0});
        done(a);
    }

    void write(const UserDataAction& a) {
        if (const char* why = unusable_name(a.subject)) return failed(a, printable(a.subject) + ": " + why);
        if (f_.directories.count(a.subject)) return failed(a, a.subject + ": Is a directory");
        if (!directory_exists(parent_of(a.subject))) return failed(a, a.subject + ": No such file or directory");
        auto [it, made] = f_.files.try_emplace(a.subject, FileEntry{"", 0644, 0, 0});
        if (a.append) it->second.content += a.value;
        else it->second.content = a.value;
        done(a);
    }

    void make_directory(const UserDataAction& a) {
        if (const char* why = unusable_name(a.subject)) return failed(a, "mkdir: cannot create directory '" + printable(a.subject) + "': " + why);
        if (f_.files.count(a.subject)) return failed(a, "mkdir: cannot create directory '" + a.subject + "': File exists");
        // mkdir -p: every missing parent too.
        for (std::string dir = a.subject; dir != "/" && !directory_exists(dir); dir = parent_of(dir)) {
            if (f_.files.count(dir)) return failed(a, "mkdir: cannot create directory '" + dir + "': Not a directory");
            make_own(dir, 0755);  // new: nothing of the host's of that name shows through
        }
        done(a);
    }

    InstanceFiles& f_;
    long days_;
    const std::function<std::string(const std::string&)>& hash_;
};

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

}  // namespace

Accounts accounts_with_ec2_user(std::string_view host_passwd, std::string_view host_group) {
    Accounts out;
    auto system_lines = [](std::string_view file) {
        std::string kept;
        for (const auto& line : split_lines(file)) {
            const std::string id = field(line, 2);
            if (line.empty() || line[0] == '#' || field(line, 0) == "ec2-user" || id.empty() || id.size() > 9 ||
                !std::all_of(id.begin(), id.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
                continue;
            const unsigned long n = std::stoul(id);
            if (n < 1000 || n == 65534) kept += line + "\n";
        }
        return kept;
    };
    out.passwd = system_lines(host_passwd) + "ec2-user:x:1000:1000:EC2 Default User:/home/ec2-user:/bin/bash\n";
    out.group = system_lines(host_group) + "ec2-user:x:1000:\n";
    return out;
}

InstanceFiles amazon_linux_files(const InstanceIdentity& identity, const Accounts& accounts) {
    InstanceFiles f;
    for (const auto& [name, content] : identity.etc_files) f.files["/etc/" + name] = {content, 0644, 0, 0};
    f.files["/etc/passwd"] = {accounts.passwd, 0644, 0, 0};
    f.files["/etc/group"] = {accounts.group, 0644, 0, 0};
    // Every account locked ("!!", as useradd leaves it; root "*LOCK*" as the AMI ships it) until UserData
    // sets a password: logging in takes the key, as on a fresh EC2 instance.
    std::string shadow;
    for (const auto& name : account_names(accounts.passwd)) shadow += name + (name == "root" ? ":*LOCK*:14600::::::\n" : ":!!:14600:0:99999:7:::\n");
    f.files["/etc/shadow"] = {shadow, 0000, 0, 0};
    // The host's backups and group passwords would show its hashes; its TLS private keys are its own.
    f.hidden = {"/etc/shadow-",     "/etc/passwd-",          "/etc/group-",      "/etc/gshadow",
                "/etc/gshadow-",    "/etc/ssl/private",      "/etc/letsencrypt", "/etc/wireguard",
                "/var/backups/shadow.bak", "/var/backups/gshadow.bak", "/var/backups/passwd.bak", "/var/backups/group.bak",
                "/var/www"};  // a fresh AMI has none: the host's web pages are not the instance's
    f.directories["/etc/ssh"] = {0755, 0, 0, true};  // the host's host keys and ssh_config are not the instance's
    f.files["/etc/ssh/sshd_config"] = {amazon_linux_sshd_config, 0600, 0, 0};
    f.files["/etc/motd"] = {amazon_linux_motd, 0644, 0, 0};
    // Amazon Linux's trust bundle, where its tools look (the router binds the lab's bundle over it).
    f.files["/etc/pki/tls/certs/ca-bundle.crt"] = {"", 0644, 0, 0};
    f.directories["/tmp"] = {01777, 0, 0};
    f.directories["/home"] = {0755, 0, 0};
    f.directories["/var/log"] = {0755, 0, 0, true};
    f.files["/var/log/cloud-init-output.log"] = {"", 0644, 0, 0};
    // Where logins are recorded (the SSH server writes them; without the files it complains in /var/log/secure).
    f.files["/var/log/lastlog"] = {"", 0644, 0, 0};
    f.files["/var/log/wtmp"] = {"", 0664, 0, 0};
    f.files["/var/log/btmp"] = {"", 0600, 0, 0};
    add_home(f, "/root", 0, 0, identity.authorized_key);
    add_home(f, "/home/ec2-user", Accounts::ec2_user_uid, Accounts::ec2_user_gid, identity.authorized_key);
    f.directories["/root"].mode = 0550;  // as Amazon Linux has it
    return f;
}

void carry_out(InstanceFiles& files, const UserDataScript& script, long days_since_epoch,
               const std::function<std::string(const std::string&)>& hash_password) {
    Emulator emulator(files, days_since_epoch, hash_password);
    // Actions run in the script's order; skipped lines are reported by report(), not here.
    for (const auto& a : script.actions) emulator.run(a);
}

std::vector<std::string> what_became_of(const InstanceFiles& files, const UserDataScript& script) {
    std::vector<std::pair<int, std::string>> lines = files.outcome;
    const auto skipped = report(UserDataScript{{}, script.skipped});
    for (std::size_t i = 0; i < skipped.size(); ++i) lines.emplace_back(script.skipped[i].line, skipped[i]);
    std::stable_sort(lines.begin(), lines.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<std::string> out;
    for (auto& [n, text] : lines) out.push_back(std::move(text));
    return out;
}

SshdSettings read_sshd_config(std::string_view text) {
    SshdSettings s;
    // Amazon Linux 2's OpenSSH 7.4 is built, as RHEL 7's, with PermitRootLogin yes as its default (hence the
    // commented "#PermitRootLogin yes" it ships); upstream's default since 7.0 is prohibit-password.
    s.permit_root_login = SshdSettings::RootLogin::yes;
    bool seen_password = false, seen_root = false;
    for (const auto& raw : split_lines(text)) {
        // "Keyword value", "Keyword=value" or "Keyword = value" (sshd_config(5): "Arguments may optionally be
        // separated from the keyword by =").
        std::size_t at = raw.find_first_not_of(" \t");
        if (at == std::string::npos || raw[at] == '#') continue;
        const std::size_t keyword_end = raw.find_first_of(" \t=", at);
        std::string keyword = raw.substr(at, keyword_end - at), value;
        if (keyword_end != std::string::npos) {
            at = raw.find_first_not_of(" \t", keyword_end);
            if (at != std::string::npos && raw[at] == '=') at = raw.find_first_not_of(" \t", at + 1);
            if (at != std::string::npos) value = raw.substr(at, raw.find_first_of(" \t", at) - at);
        }
        keyword = lower(keyword);
        value = lower(value);
        // sshd_config(5): "For each keyword, the first obtained value will be used."
        if (keyword == "passwordauthentication" && !seen_password) {
            seen_password = true;
            s.password_authentication = value != "no";
        } else if (keyword == "permitrootlogin" && !seen_root) {
            seen_root = true;
            if (value == "no") s.permit_root_login = SshdSettings::RootLogin::no;
            else if (value == "yes") s.permit_root_login = SshdSettings::RootLogin::yes;
            else s.permit_root_login = SshdSettings::RootLogin::prohibit_password;  // prohibit-password, without-password, forced-commands-only
        } else if (keyword == "match") {
            break;  // what follows applies to some connections only
        }
    }
    return s;
}

std::vector<std::string> dropbear_options(const SshdSettings& settings) {
    std::vector<std::string> out;
    if (!settings.password_authentication) out.push_back("-s");
    if (settings.permit_root_login == SshdSettings::RootLogin::prohibit_password) out.push_back("-g");
    if (settings.permit_root_login == SshdSettings::RootLogin::no) out.push_back("-w");
    return out;
}

}  // namespace vpclab::instance
