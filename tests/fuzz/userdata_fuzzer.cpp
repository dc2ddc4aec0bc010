// Fuzzes the UserData parser (bytes as a script), carrying its actions out on an instance's files, and
// base64 decoding: never a crash, a hang or a leak; every action it returns names a line of the input
// and, for files, a path inside the instance's own; carried out, it touches no file outside those.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "instance/base64.hpp"
#include "instance/instance_files.hpp"
#include "instance/userdata_script.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto script = vpclab::instance::parse_user_data(input);
    std::size_t lines = 1;
    for (char c : input) lines += c == '\n';
    for (const auto& a : script.actions) {
        if (a.line < 1 || static_cast<std::size_t>(a.line) > lines) std::abort();
        const bool file = a.kind == vpclab::instance::UserDataAction::Kind::write_file ||
                          a.kind == vpclab::instance::UserDataAction::Kind::edit_file ||
                          a.kind == vpclab::instance::UserDataAction::Kind::make_directory;
        if (file && (a.subject.empty() || a.subject[0] != '/' || a.subject.find("/../") != std::string::npos)) std::abort();
        (void)vpclab::instance::describe(a);
        if (a.kind == vpclab::instance::UserDataAction::Kind::edit_file) (void)vpclab::instance::apply_edit(a, std::string(input));
    }
    namespace in = vpclab::instance;
    in::InstanceFiles files = in::amazon_linux_files({}, in::accounts_with_ec2_user("root:x:0:0::/root:/bin/bash\n", "root:x:0:\n"));
    in::carry_out(files, script, 1, [](const std::string& p) { return "h" + std::to_string(p.size()); });
    for (const auto& [path, file] : files.files) {
        const bool own = path.rfind("/etc/", 0) == 0 || path.rfind("/var/", 0) == 0 || path.rfind("/root/", 0) == 0 ||
                         path.rfind("/home/", 0) == 0 || path.rfind("/tmp/", 0) == 0;
        if (!own || path.find("/../") != std::string::npos || path.find("/./") != std::string::npos) std::abort();
    }
    if (in::what_became_of(files, script).size() != script.actions.size() + script.skipped.size()) std::abort();
    if (const auto decoded = vpclab::instance::base64_decode(input))
        if (vpclab::instance::base64_decode(vpclab::instance::base64_encode(*decoded)) != decoded) std::abort();
    return 0;
}
