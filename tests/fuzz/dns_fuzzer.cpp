// Fuzzes the VPC resolver's answerer: any bytes as a DNS query, against the pipeline lab's zone (hostnames on).
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "endpoints/dns_answer.hpp"
#include "endpoints/dns_zone.hpp"
#include "tests/unit/pipeline_lab.hpp"

using namespace vpclab;

namespace {

endpoints::DnsZone make_zone() {
    test::PipelineLab lab;
    lab.m.modify_vpc_attribute(lab.vpc, std::nullopt, true);  // ec2-… public names too
    const endpoints::RegionCatalog catalog(lab.m.region(), endpoints::PublicAddressPlan{});
    return endpoints::build_zone(lab.m, catalog, 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const endpoints::DnsZone zone = make_zone();
    // An exactly-sized heap copy, so that ASan sees a read past the query.
    std::unique_ptr<std::uint8_t[]> query(new std::uint8_t[size ? size : 1]);
    if (size) std::memcpy(query.get(), data, size);
    const auto reply = endpoints::answer_dns_query(wire::ConstBytes(query.get(), size), zone);
    // A reply is at least a header, carries the query's ID, and has QR set; it fits a TCP length prefix.
    if (!reply.empty() && (reply.size() < 12 || reply.size() > 65535 || (reply[2] & 0x80) == 0 ||
                           (size >= 2 && std::memcmp(reply.data(), query.get(), 2) != 0)))
        std::abort();
    return 0;
}
