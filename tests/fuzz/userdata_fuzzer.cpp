// Fuzzes the UserData parser (bytes as a script) and base64 decoding: never a crash, a hang or a leak;
// every action it returns names a line of the input and, for files, a path inside the instance's own.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "instance/base64.hpp"
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
    if (const auto decoded = vpclab::instance::base64_decode(input))
        if (vpclab::instance::base64_decode(vpclab::instance::base64_encode(*decoded)) != decoded) std::abort();
    return 0;
}
