// vpclab capture: what the router sees on one port, as pcapng on stdout or in a file, filtered by a tcpdump
// expression (libpcap compiles it; the router sends every frame of the port, the filter runs here).
#include <pcap/pcap.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <thread>

#include "instance/base64.hpp"
#include "router/cli/commands.hpp"
#include "router/cli/options.hpp"
#include "router/cli/pcapng_writer.hpp"
#include "router/cli/stack_client.hpp"

namespace vpclab::router {

namespace {

volatile std::sig_atomic_t stop_requested = 0;
void request_stop(int) { stop_requested = 1; }

// A tcpdump filter expression, compiled once for Ethernet frames.
class CaptureFilter {
public:
    explicit CaptureFilter(const std::string& expression, int snap_length) : dead_(pcap_open_dead(DLT_EN10MB, snap_length)) {
        if (!dead_) throw std::runtime_error("libpcap: cannot open a dead capture handle");
        if (expression.empty()) return;
        if (pcap_compile(dead_, &program_, expression.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
            const std::string why = pcap_geterr(dead_);
            pcap_close(dead_);
            throw UsageError("the filter '" + expression + "' is not a tcpdump expression: " + why);
        }
        compiled_ = true;
    }
    ~CaptureFilter() {
        if (compiled_) pcap_freecode(&program_);
        pcap_close(dead_);
    }
    CaptureFilter(const CaptureFilter&) = delete;
    CaptureFilter& operator=(const CaptureFilter&) = delete;
    bool passes(const std::string& frame, std::uint32_t original_length) const {
        if (!compiled_) return true;
        pcap_pkthdr header{};
        header.caplen = static_cast<bpf_u_int32>(frame.size());
        header.len = original_length;
        return pcap_offline_filter(&program_, &header, reinterpret_cast<const u_char*>(frame.data())) != 0;
    }

private:
    pcap_t* dead_;
    bpf_program program_{};
    bool compiled_ = false;
};

// One polled frame as a pcapng block: what the instance sent and received on interface 0 (with its
// direction), what the router made of what it sent on interface 1, each with a comment saying which.
std::string packet_block(const nlohmann::ordered_json& f, const std::string& data, const std::string& source) {
    const std::string kind = f["Kind"];
    const std::uint64_t time = f["Time"];
    const std::uint32_t length = f["Length"];
    if (kind == "received") return pcapng_packet(0, time, data, length, pcapng_inbound, "sent by " + source + " (before the router's decision)");
    if (kind == "delivered") {
        const std::string from = f.value("From", "");
        return pcapng_packet(0, time, data, length, pcapng_outbound, "delivered to " + source + (from.empty() ? "" : " from " + from));
    }
    if (kind == "forwarded")
        return pcapng_packet(1, time, data, length, pcapng_outbound, "after the router's decision: forwarded to " + f.value("To", std::string("?")));
    std::string comment = "dropped: " + f.value("DropReason", std::string("?")) + " (" + f.value("Description", std::string()) + ")";
    if (f.contains("From")) comment += ", on its way from " + f["From"].get<std::string>() + " to " + source;
    return pcapng_packet(1, time, data, length, 0, comment);
}

bool write_all(std::FILE* out, const std::string& bytes) { return std::fwrite(bytes.data(), 1, bytes.size(), out) == bytes.size(); }

}  // namespace

int command_capture(const Args& args) {
    po::options_description options("vpclab capture options");
    options.add_options()("source", po::value<std::string>(), "an instance (Name or ID), an ENI ID, or region")(
        "filter", po::value<std::vector<std::string>>()->multitoken(), "a tcpdump filter expression")(
        "write,w", po::value<std::string>(), "write pcapng to this file (default: stdout, which must not be a terminal)")(
        "count,c", po::value<long>(), "stop after this many frames (after the filter)")(
        "snapshot-length,s", po::value<int>()->default_value(262144), "bytes kept of each frame (64–262144)")(
        "stack-name", po::value<std::string>(), "stack");
    po::positional_options_description positional;
    positional.add("source", 1).add("filter", -1);
    const auto vm = parse_options(args, options, positional,
                                  "vpclab capture INSTANCE|ENI|region [-w FILE] [-c COUNT] [-s SNAPLEN] [--stack-name N] [FILTER…]");
    const auto source = optional_string(vm, "source");
    if (!source) throw UsageError("vpclab capture needs what to capture on: an instance's Name or ID, an ENI ID, or region");
    std::string expression;
    if (vm.count("filter"))
        for (const auto& word : vm["filter"].as<std::vector<std::string>>()) expression += (expression.empty() ? "" : " ") + word;
    const int snap_length = vm["snapshot-length"].as<int>();
    if (snap_length < 64 || snap_length > 262144) throw UsageError("-s must be from 64 to 262144 bytes");
    const long count = vm.count("count") ? vm["count"].as<long>() : 0;
    if (vm.count("count") && count < 1) throw UsageError("-c must be at least 1");
    const CaptureFilter filter(expression, snap_length);
    const auto file = optional_string(vm, "write");
    if (!file && ::isatty(STDOUT_FILENO))
        throw UsageError("pcapng is not for a terminal: write it to a file (-w FILE) or a reader "
                         "(vpclab capture " + *source + " | tcpdump -n -r -, or | wireshark -k -i -)");
    const std::string stack = resolve_stack(optional_string(vm, "stack-name"));

    std::FILE* out = file ? std::fopen(file->c_str(), "wb") : stdout;
    if (!out) throw std::runtime_error("cannot write " + *file);
    const auto started = ok_result(call_stack(stack, "Vpclab.CaptureStart", {{"Source", *source}, {"SnapLength", snap_length}}));
    const std::uint64_t id = started["CaptureId"];
    const std::string name = started["Source"];
    std::signal(SIGINT, request_stop);
    std::signal(SIGTERM, request_stop);
    std::signal(SIGPIPE, SIG_IGN);  // a reader that goes away ends the capture (the write fails), not the process
    std::cerr << "vpclab: capturing on " << name << " (stack " << stack << ")" << (expression.empty() ? "" : ", filter '" + expression + "'")
              << ": interface 0 is what it sends (inbound) and receives (outbound), interface 1 what the router made of what it sent; "
                 "Ctrl-C stops"
              << std::endl;

    long written = 0, filtered = 0;
    std::uint64_t lost = 0;
    bool ok = write_all(out, pcapng_section_header("vpclab capture")) &&
              write_all(out, pcapng_interface("eth0 of " + name, "frames " + name + " sends (inbound) and receives (outbound), as the router sees them",
                                              static_cast<std::uint32_t>(snap_length))) &&
              write_all(out, pcapng_interface("router: " + name, "what the router made of the frames " + name + " sent: forwarded (rewritten) or dropped",
                                              static_cast<std::uint32_t>(snap_length))) &&
              std::fflush(out) == 0;
    std::string error;
    while (ok && !stop_requested && (count == 0 || written < count)) {
        nlohmann::ordered_json polled;
        try {
            polled = ok_result(call_stack(stack, "Vpclab.CapturePoll", {{"CaptureId", id}}));
        } catch (const std::exception& e) {
            error = e.what();  // the lab went down, or the capture was stopped
            break;
        }
        lost = polled.value("Lost", std::uint64_t{0});
        for (const auto& f : polled["Frames"]) {
            const auto data = instance::base64_decode(f["Data"].get<std::string>());
            if (!data) continue;
            if (!filter.passes(*data, f["Length"])) {
                ++filtered;
                continue;
            }
            if (!write_all(out, packet_block(f, *data, name))) {
                ok = false;
                break;
            }
            if (++written == count) break;
        }
        if (ok) ok = std::fflush(out) == 0;
        // Nothing came: look again soon (a capture is a stream; the control socket answers one request at a time).
        if (polled["Frames"].empty()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    try {
        call_stack(stack, "Vpclab.CaptureStop", {{"CaptureId", id}});
    } catch (const std::exception&) {
    }
    if (file) std::fclose(out);
    std::cerr << "vpclab: " << written << " frames captured" << (filtered ? ", " + std::to_string(filtered) + " left out by the filter" : "")
              << (lost ? ", " + std::to_string(lost) + " lost by the router (its capture buffer was full: poll faster, or -s less)" : "") << '\n';
    if (!error.empty()) {
        std::cerr << "vpclab: error: " << error << '\n';
        return 1;
    }
    return 0;
}

}  // namespace vpclab::router
