// pcapng as vpclab capture writes it, read back by libpcap (what tcpdump -r uses): every packet, its bytes,
// its nanosecond time and lengths, on the interfaces declared; blocks 32-bit aligned.
#include <doctest/doctest.h>
#include <pcap/pcap.h>

#include <cstdio>
#include <string>
#include <vector>
#include <unistd.h>

#include "router/cli/pcapng_writer.hpp"

using namespace vpclab::router;

TEST_CASE("pcapng: libpcap reads back what vpclab capture writes") {
    std::string file = pcapng_section_header("vpclab capture") + pcapng_interface("eth0 of jh-test-Private-EC2", "frames it sends", 262144) +
                       pcapng_interface("router: jh-test-Private-EC2", "what the router made of them", 262144);
    CHECK(file.size() % 4 == 0);
    std::vector<std::string> frames;
    for (std::size_t n : {60u, 61u, 62u, 63u, 1514u}) {
        std::string frame(n, '\0');
        for (std::size_t i = 0; i < n; ++i) frame[i] = static_cast<char>(i * 7 + n);
        frames.push_back(frame);
        const std::string block = pcapng_packet(static_cast<std::uint32_t>(n % 2), 1'765'000'000'123'456'789ULL + n, frame, static_cast<std::uint32_t>(n + 100),
                                                n % 2 ? pcapng_outbound : pcapng_inbound, n == 63 ? "" : "dropped: no_route (… \"quoted\")");
        CHECK(block.size() % 4 == 0);
        file += block;
    }
    char path[] = "/tmp/vpclab-pcapng-XXXXXX";
    const int fd = ::mkstemp(path);
    REQUIRE(fd >= 0);
    REQUIRE(::write(fd, file.data(), file.size()) == static_cast<ssize_t>(file.size()));
    ::close(fd);

    char error[PCAP_ERRBUF_SIZE];
    pcap_t* reader = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, error);
    ::unlink(path);
    REQUIRE_MESSAGE(reader != nullptr, error);
    CHECK(pcap_datalink(reader) == DLT_EN10MB);
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    for (const auto& frame : frames) {
        REQUIRE(pcap_next_ex(reader, &header, &data) == 1);
        CHECK(header->caplen == frame.size());
        CHECK(header->len == frame.size() + 100);
        CHECK(std::string(reinterpret_cast<const char*>(data), header->caplen) == frame);
        CHECK(header->ts.tv_sec == 1'765'000'000);
        CHECK(header->ts.tv_usec == static_cast<long>(123'456'789 + frame.size()));  // nanoseconds, with PCAP_TSTAMP_PRECISION_NANO
    }
    CHECK(pcap_next_ex(reader, &header, &data) == PCAP_ERROR_BREAK);  // the end, nothing more, nothing malformed
    pcap_close(reader);
}
