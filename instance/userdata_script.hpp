// UserData read as what it asks of the instance, never run: a parser for the known safe subset of shell
// the seeds' scripts use (DESIGN.md §6, "Template code is never run on the host"). Each line it
// understands becomes an Action to emulate inside the instance's own view; every other line is reported
// with its number and why. A parser, not a shell: no expansion, no command is ever executed.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace vpclab::instance {

struct UserDataAction {
    enum class Kind {
        set_password,     // subject: user, value: password                (passwd --stdin, chpasswd)
        edit_file,        // subject: path, pattern → value, each line       (sed -i "s/…/…/[g]" FILE)
        start_service,    // subject: sshd | httpd | nginx | apache2         (service X start|restart, systemctl start|restart X)
        enable_service,   // subject: service                                (systemctl enable X)
        install_package,  // subject: package                                (yum|dnf install -y, apt-get install -y)
        write_file,       // subject: path, value: content, append          (echo "…" >[>] FILE, cat > FILE <<EOF)
        make_directory,   // subject: path                                   (mkdir -p DIR)
    };
    Kind kind;
    std::string subject, value;
    std::string pattern;  // edit_file: the sed pattern (literal text, optionally anchored with ^)
    bool append = false;  // write_file: >> instead of >
    bool global = false;  // edit_file: s/…/…/g
    int line = 0;  // where it starts (1-based)
};

struct SkippedLine {
    int line = 0;
    std::string text, why;
};

struct UserDataScript {
    std::vector<UserDataAction> actions;
    std::vector<SkippedLine> skipped;
};

// EC2's limit on UserData (16 KB, EC2 User Guide "Run commands when you launch an EC2 instance with user
// data input"); longer text is refused whole.
constexpr std::size_t max_user_data_bytes = 16 * 1024;

// Never throws on any input (fuzzed); text over the limit yields one skipped "line 0".
UserDataScript parse_user_data(std::string_view script);

// Text of the script as a person may read it in a log or a terminal: a NUL as \0, other control bytes
// (but tab) as \xHH.
std::string printable(std::string_view text);

// "set root's password", "in /etc/ssh/sshd_config: ^PasswordAuthentication no → PasswordAuthentication yes", …
std::string describe(const UserDataAction& action);

// What vpclab made of a script, a line each: "line 2: set root's password", then
// "line 9 skipped (rm -rf /): 'rm' is not in the subset vpclab emulates".
std::vector<std::string> report(const UserDataScript& script);

// Applies an edit_file action's substitution to a file's text, line by line, as sed -i 's/…/…/' would
// (first occurrence per line; every occurrence with g). The pattern is literal text, ^ anchors it.
std::string apply_edit(const UserDataAction& action, const std::string& text);

}  // namespace vpclab::instance
