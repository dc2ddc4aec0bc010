// Frames for the pipeline tests: a packet wrapped as a TAP read.
#include "tests/unit/pipeline_lab.hpp"
#include "wire/vnet_header.hpp"

namespace vpclab::test {

std::vector<std::uint8_t> frame_of(const wire::MacAddress& source, const std::vector<std::uint8_t>& packet) {
    std::vector<std::uint8_t> f(wire::VnetHeader::length + wire::EthernetView::header_length + packet.size(), 0);
    std::copy(packet.begin(), packet.end(), f.begin() + wire::VnetHeader::length + wire::EthernetView::header_length);
    wire::EthernetView eth(wire::Bytes(f).subspan(wire::VnetHeader::length));
    eth.set_source(source);
    eth.set_ether_type(wire::EtherType::ipv4);
    return f;
}

}  // namespace vpclab::test
