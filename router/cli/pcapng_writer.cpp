// Writing pcapng blocks: each a type, a length, its body padded to 32 bits, options, the length again.
#include "router/cli/pcapng_writer.hpp"

namespace vpclab::router {

namespace {

void put16(std::string& out, std::uint16_t v) {
    out += static_cast<char>(v & 0xFF);
    out += static_cast<char>(v >> 8);
}
void put32(std::string& out, std::uint32_t v) {
    put16(out, static_cast<std::uint16_t>(v & 0xFFFF));
    put16(out, static_cast<std::uint16_t>(v >> 16));
}
void pad32(std::string& out) {
    while (out.size() % 4) out += '\0';
}
// An option: code, length, value padded to 32 bits (pcapng §3.5).
void option(std::string& out, std::uint16_t code, std::string_view value) {
    put16(out, code);
    put16(out, static_cast<std::uint16_t>(value.size()));
    out += value;
    pad32(out);
}
void end_of_options(std::string& out) { put32(out, 0); }

// A block around `body` (which holds everything after the length field up to the trailing length).
std::string block(std::uint32_t type, const std::string& body) {
    const auto total = static_cast<std::uint32_t>(12 + body.size());
    std::string out;
    put32(out, type);
    put32(out, total);
    out += body;
    put32(out, total);
    return out;
}

// Option values at most 65,535 bytes (the length is 16 bits); comments are cut, never refused.
std::string_view fitting(std::string_view text) { return text.substr(0, 60000); }

}  // namespace

std::string pcapng_section_header(std::string_view application) {
    std::string body;
    put32(body, 0x1A2B3C4D);  // byte-order magic
    put16(body, 1);           // major version
    put16(body, 0);           // minor version
    put32(body, 0xFFFFFFFF);  // section length: not given
    put32(body, 0xFFFFFFFF);
    option(body, 4, fitting(application));  // shb_userappl
    end_of_options(body);
    return block(0x0A0D0D0A, body);
}

std::string pcapng_interface(std::string_view name, std::string_view description, std::uint32_t snap_length) {
    std::string body;
    put16(body, 1);  // LINKTYPE_ETHERNET
    put16(body, 0);
    put32(body, snap_length);
    option(body, 2, fitting(name));         // if_name
    option(body, 3, fitting(description));  // if_description
    option(body, 9, std::string_view("\x09", 1));  // if_tsresol: 10^-9 s
    end_of_options(body);
    return block(1, body);
}

std::string pcapng_packet(std::uint32_t interface, std::uint64_t time_ns, std::string_view data, std::uint32_t original_length,
                          std::uint32_t flags, std::string_view comment) {
    std::string body;
    put32(body, interface);
    put32(body, static_cast<std::uint32_t>(time_ns >> 32));
    put32(body, static_cast<std::uint32_t>(time_ns & 0xFFFFFFFF));
    put32(body, static_cast<std::uint32_t>(data.size()));
    put32(body, original_length);
    body += data;
    pad32(body);
    if (!comment.empty()) option(body, 1, fitting(comment));  // opt_comment
    std::string value;
    put32(value, flags);
    option(body, 2, value);  // epb_flags
    end_of_options(body);
    return block(6, body);
}

}  // namespace vpclab::router
