// An instance's own files as Amazon Linux 2 ships them, and UserData's actions carried out on them: text in,
// text out, no filesystem (router/lab/instance_view writes the result under /run/vpclab/<stack>/<instance>/).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "instance/userdata_script.hpp"

namespace vpclab::instance {

struct FileEntry {
    std::string content;
    unsigned mode = 0644;
    unsigned uid = 0, gid = 0;
};

struct DirectoryEntry {
    unsigned mode = 0755;
    unsigned uid = 0, gid = 0;
    bool opaque = false;  // under /etc or /var: the instance's alone, the host's directory of that name hidden
};

// What differs between instances: their /etc names and their key pair's public key (or empty).
struct InstanceIdentity {
    std::map<std::string, std::string> etc_files;     // hostname, hosts, resolv.conf: as /etc/netns/<ns>/ has them
    std::string authorized_key;                       // KeyName's public key (OpenSSH line), for ec2-user and root
};

// The web servers a script may install; vpclab provides one server for all of them (README: busybox httpd).
struct WebServer {
    std::string package;           // httpd, apache2 or nginx: what the script installed
    bool running = false;          // started (service/systemctl start|restart); enable alone waits for a reboot
    std::string access_log;        // in the instance: /var/log/httpd/access_log (httpd) or /var/log/<pkg>/access.log
};

struct InstanceFiles {
    std::map<std::string, FileEntry> files;             // absolute path in the instance → content
    std::map<std::string, DirectoryEntry> directories;  // absolute paths that exist in the instance's own view
    std::vector<std::string> hidden;                    // host paths under /etc the instance must not see (host secrets)
    WebServer web;
    // What became of each action: (line, "line 2: set root's password"), and actions that failed as they
    // would have on the instance: (9, "line 9 failed: /var/www/html/index.html: No such file or directory").
    std::vector<std::pair<int, std::string>> outcome;

    bool has_file(const std::string& path) const { return files.count(path) != 0; }
};

// Users of the instance (its /etc/passwd and /etc/group): the host's system accounts (uid and gid below
// 1000, and nobody), so the host's files keep their owners' names, and ec2-user as on every Amazon Linux
// AMI, uid and gid 1000. The host's own users are not the instance's.
struct Accounts {
    std::string passwd, group;
    static constexpr unsigned ec2_user_uid = 1000, ec2_user_gid = 1000;
};
Accounts accounts_with_ec2_user(std::string_view host_passwd, std::string_view host_group);

// The files an instance starts with: /etc/{hostname,hosts,resolv.conf} from the identity, passwd and group
// from `accounts`, a shadow of its own (every account locked: the host's password hashes are never
// copied), Amazon Linux 2's sshd_config and motd, root's and ec2-user's homes with a prompt that reads
// [root@ip-10-10-1-4 ~]#, and the key in authorized_keys when the instance has one.
InstanceFiles amazon_linux_files(const InstanceIdentity& identity, const Accounts& accounts);

// Carries out what UserData asked, in order, on the instance's files. `hash_password` turns a password into a
// crypt(3) hash (random salt in the router, fixed in tests). A file may be written in a directory of the
// instance's own, or in /etc or /var, which every instance has.
void carry_out(InstanceFiles& files, const UserDataScript& script, long days_since_epoch,
               const std::function<std::string(const std::string&)>& hash_password);

// Where each web server package logs its requests in the instance: /var/log/httpd/access_log (httpd),
// /var/log/apache2/access.log, /var/log/nginx/access.log.
std::string web_access_log_of(const std::string& package);

// What became of a script, in line order: each action's outcome (done or failed) and each skipped line.
std::vector<std::string> what_became_of(const InstanceFiles& files, const UserDataScript& script);

// The sshd_config settings vpclab's SSH server honours, read as OpenSSH reads them: keywords in any case,
// the first occurrence wins, defaults when absent (sshd_config(5): PasswordAuthentication yes,
// PermitRootLogin prohibit-password).
struct SshdSettings {
    enum class RootLogin { yes, prohibit_password, no };
    bool password_authentication = true;
    RootLogin permit_root_login = RootLogin::prohibit_password;
};
SshdSettings read_sshd_config(std::string_view text);

// Dropbear's options for those settings: -s (no password logins), -g (none for root), -w (no root logins).
std::vector<std::string> dropbear_options(const SshdSettings& settings);

}  // namespace vpclab::instance
