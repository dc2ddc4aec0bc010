// Writes the fuzz harnesses' seed corpora: frames built for the pipeline lab and rewritten from the captures, dig and ldns queries, control requests, templates.
// Usage: fuzz_seeds SOURCE_DIR OUT_DIR (OUT_DIR/pipeline, dns, control, template; tests/fuzz/corpus is this output).
#include "endpoints/ldns_include.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "endpoints/dns_answer.hpp"
#include "endpoints/dns_zone.hpp"
#include "tests/bench/pcap_file.hpp"
#include "tests/unit/packet_builder.hpp"
#include "tests/unit/pipeline_lab.hpp"
#include "wire/arp.hpp"
#include "wire/ethernet.hpp"
#include "wire/vnet_header.hpp"

using namespace vpclab;
namespace fs = std::filesystem;
using Packet = std::vector<std::uint8_t>;
using Lab = test::PipelineLab;
using routing::PortIndex;

namespace {

fs::path out_dir;

void write(const std::string& harness, const std::string& name, const void* data, std::size_t size) {
    fs::create_directories(out_dir / harness);
    std::ofstream(out_dir / harness / name, std::ios::binary).write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
}
void write(const std::string& harness, const std::string& name, const Packet& p) { write(harness, name, p.data(), p.size()); }
void write(const std::string& harness, const std::string& name, const std::string& s) { write(harness, name, s.data(), s.size()); }

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// ---- pipeline: byte 0 the ingress port, then vnet header + Ethernet, addressed as this lab's port sends ----

wire::MacAddress router_mac(const Lab& lab, PortIndex p) {
    return p == lab.region ? lab.sp.region_router_mac : p == lab.resolver ? lab.sp.resolver_router_mac : lab.snap->subnet(lab.snap->port(p).subnet).router_mac;
}

Packet framed(const Lab& lab, PortIndex port, const Packet& payload, const wire::VnetHeader& vnet = {},
              wire::EtherType type = wire::EtherType::ipv4, const wire::MacAddress* dst = nullptr) {
    Packet f(1 + wire::VnetHeader::length + 14 + payload.size(), 0);
    f[0] = lab.slot_of(port);
    vnet.write(wire::Bytes(f).subspan(1));
    wire::EthernetView eth(wire::Bytes(f).subspan(1 + wire::VnetHeader::length));
    eth.set_destination(dst ? *dst : router_mac(lab, port));
    eth.set_source(lab.mac(port));
    eth.set_ether_type(type);
    std::copy(payload.begin(), payload.end(), f.begin() + 1 + wire::VnetHeader::length + 14);
    return f;
}

Packet arp(const Lab& lab, PortIndex port, std::uint32_t sender, std::uint32_t target) {
    Packet a(wire::ArpView::length);
    wire::ArpView::build(a, wire::ArpOperation::request, lab.mac(port), sender, {}, target);
    const auto bcast = wire::MacAddress::broadcast();
    return framed(lab, port, a, {}, wire::EtherType::arp, &bcast);
}

std::size_t ihl_of(const Packet& p) { return (p[0] & 0x0fu) * 4u; }
std::uint32_t pseudo_of(const Packet& p) {
    return wire::pseudo_header_sum(wire::load_be32(&p[12]), wire::load_be32(&p[16]), p[9], static_cast<std::uint16_t>(wire::load_be16(&p[2]) - ihl_of(p)));
}
std::size_t checksum_at(const Packet& p) { return ihl_of(p) + (p[9] == 6 ? 16 : p[9] == 17 ? 6 : 2); }

// Recomputes the L4 checksum: complete, or (partial) only the pseudo-header sum, as an offloading sender leaves it.
void fix_l4_checksum(Packet& p, bool partial = false) {
    const std::size_t at = checksum_at(p);
    wire::store_be16(&p[at], 0);
    if (p[9] == 1) wire::store_be16(&p[at], wire::internet_checksum(wire::ConstBytes(p).subspan(ihl_of(p))));
    else if (partial) wire::store_be16(&p[at], wire::fold(pseudo_of(p)));
    else wire::store_be16(&p[at], test::l4_checksum_of(p));
}

Packet with_payload(const test::FiveTuple& t, const Packet& payload) {
    Packet p = test::build_packet(t, payload.size());
    std::copy(payload.begin(), payload.end(), p.begin() + static_cast<long>(ihl_of(p) + (t.protocol == 6 ? 20 : 8)));
    fix_l4_checksum(p);
    return p;
}

// Marks a packet as the fragment at `offset` (bytes, a multiple of 8) with more fragments or not.
Packet fragment(Packet p, std::size_t offset, bool more) {
    wire::store_be16(&p[6], static_cast<std::uint16_t>((more ? 0x2000 : 0) | (offset / 8)));
    wire::Ipv4View(p).fill_header_checksum();
    return p;
}

// A frame with a partial checksum (NEEDS_CSUM), optionally a GSO super-frame, as a TAP with offloads reads it.
Packet offloaded(const Lab& lab, PortIndex port, Packet p, std::uint8_t gso = wire::VnetHeader::gso_none, std::uint16_t gso_size = 0) {
    fix_l4_checksum(p, true);
    wire::VnetHeader h;
    h.flags = wire::VnetHeader::flag_needs_csum;
    h.csum_start = static_cast<std::uint16_t>(14 + ihl_of(p));
    h.csum_offset = p[9] == 6 ? 16 : 6;
    h.gso_type = gso;
    h.gso_size = gso_size;
    if (gso != wire::VnetHeader::gso_none) h.header_length = static_cast<std::uint16_t>(14 + ihl_of(p) + (p[9] == 6 ? 20 : 8));
    return framed(lab, port, p, h);
}

Packet dns_query(const std::string& name, ldns_rr_type type, std::uint16_t id, bool edns = false, ldns_pkt_opcode opcode = LDNS_PACKET_QUERY) {
    ldns_pkt* q = ldns_pkt_query_new(ldns_dname_new_frm_str(name.c_str()), type, LDNS_RR_CLASS_IN, LDNS_RD);
    ldns_pkt_set_id(q, id);
    ldns_pkt_set_opcode(q, opcode);
    if (edns) ldns_pkt_set_edns_udp_size(q, 1232);
    std::uint8_t* wire = nullptr;
    std::size_t size = 0;
    if (ldns_pkt2wire(&wire, q, &size) != LDNS_STATUS_OK) throw std::runtime_error("ldns_pkt2wire " + name);
    Packet out(wire, wire + size);
    std::free(wire);
    ldns_pkt_free(q);
    return out;
}

endpoints::DnsZone lab_zone(const Lab& lab) {
    routing::VpcModel m = lab.m;
    m.modify_vpc_attribute(lab.vpc, std::nullopt, true);
    return endpoints::build_zone(m, endpoints::RegionCatalog(m.region(), {}), 0);
}

void pipeline_built(const Lab& lab) {
    const auto pub = lab.pub_host, priv = lab.priv_host, priv2 = lab.priv2_host, region = lab.region, resolver = lab.resolver;
    const std::uint32_t pub_ip = Lab::pub_ip, priv_ip = Lab::priv_ip, priv2_ip = Lab::priv2_ip, public_ip = Lab::public_ip, s3 = Lab::s3;
    const std::uint32_t dns_base2 = 0x0a0a0002, dns_link_local = 0xa9fea9fd, resolver_vpc0 = 0xa9fe0002;
    auto seed = [](const std::string& name, const Packet& f) { write("pipeline", name + ".bin", f); };
    seed("arp-pub-who-has-gateway", arp(lab, pub, pub_ip, 0x0a0a0001));
    seed("arp-priv-who-has-gateway", arp(lab, priv, priv_ip, 0x0a0a0101));
    seed("arp-priv-who-has-priv2", arp(lab, priv, priv_ip, priv2_ip));
    seed("arp-region-who-has-router", arp(lab, region, 0xc6120002, lab.sp.region_router_ip));
    seed("arp-resolver-who-has-router", arp(lab, resolver, 0xa9fefe02, lab.sp.resolver_router_ip));
    seed("icmp-echo-pub-to-priv", framed(lab, pub, test::build_packet({1, pub_ip, priv_ip, 7, 0}, 56)));
    seed("icmp-echo-priv-to-priv2", framed(lab, priv, test::build_packet({1, priv_ip, priv2_ip, 8, 0}, 56)));
    seed("icmp-echo-pub-to-s3-via-igw", framed(lab, pub, test::build_packet({1, pub_ip, s3, 9, 0}, 56)));
    seed("icmp-echo-s3-to-public-ip", framed(lab, region, test::build_packet({1, s3, public_ip, 10, 0}, 56)));
    seed("udp-pub-to-priv", framed(lab, pub, test::build_packet({17, pub_ip, priv_ip, 4000, 5000}, 32)));
    seed("tcp-priv2-to-pub", framed(lab, priv2, test::build_packet({6, priv2_ip, pub_ip, 40000, 22}, 32)));
    seed("tcp-pub-to-s3-via-igw", framed(lab, pub, test::build_packet({6, pub_ip, s3, 40000, 80}, 100)));
    seed("tcp-s3-to-public-ip", framed(lab, region, test::build_packet({6, s3, public_ip, 80, 40000}, 100)));
    seed("udp-pub-with-ip-options-to-s3", framed(lab, pub, test::build_packet({17, pub_ip, s3, 4000, 5000}, 32, 8)));
    // ICMP errors from the region about a translated flow: the quoted header is translated back.
    const Packet sent = test::build_packet({6, public_ip, s3, 40000, 80}, 20);
    seed("icmp-port-unreachable-s3-to-public-ip", framed(lab, region, test::build_icmp_error(3, 3, s3, sent)));
    seed("icmp-time-exceeded-s3-to-public-ip", framed(lab, region, test::build_icmp_error(11, 0, s3, sent, 20)));
    // DNS: a real query to base+2 and to 169.254.169.253 over UDP, one over TCP; the resolver's answer back.
    const Packet query = dns_query("s3.ap-northeast-2.amazonaws.com.", LDNS_RR_TYPE_A, 0x1234);
    seed("dns-udp-priv-to-base2", framed(lab, priv, with_payload({17, priv_ip, dns_base2, 5353, 53}, query)));
    seed("dns-udp-pub-to-169.254.169.253", framed(lab, pub, with_payload({17, pub_ip, dns_link_local, 5354, 53}, query)));
    Packet tcp_query{0, static_cast<std::uint8_t>(query.size())};
    tcp_query.insert(tcp_query.end(), query.begin(), query.end());
    seed("dns-tcp-priv-to-base2", framed(lab, priv, with_payload({6, priv_ip, dns_base2, 40001, 53}, tcp_query)));
    const Packet answer = endpoints::answer_dns_query(query, lab_zone(lab));
    seed("dns-udp-resolver-answer-to-priv", framed(lab, resolver, with_payload({17, resolver_vpc0, priv_ip, 53, 5353}, answer)));
    // Fragments: first and last of a datagram, and one at the largest offset towards the gateway.
    seed("udp-first-fragment-pub-to-priv", framed(lab, pub, fragment(test::build_packet({17, pub_ip, priv_ip, 4000, 5000}, 64, 0, false), 0, true)));
    seed("udp-last-fragment-pub-to-s3", framed(lab, pub, fragment(test::build_packet({17, pub_ip, s3, 4000, 5000}, 64, 0, false), 1480, false)));
    seed("udp-fragment-offset-8190-of-1600-bytes-pub-to-s3", framed(lab, pub, fragment(test::build_packet({17, pub_ip, s3, 4000, 5000}, 1600, 0, false), 8190 * 8, false)));
    // Offloads: partial checksums (NEEDS_CSUM, csum_start/csum_offset right), GSO TCPv4 and UDP_L4 super-frames.
    seed("csum-partial-tcp-pub-to-s3", offloaded(lab, pub, test::build_packet({6, pub_ip, s3, 40002, 80}, 200)));
    seed("csum-partial-udp-pub-to-priv", offloaded(lab, pub, test::build_packet({17, pub_ip, priv_ip, 4001, 5001}, 200)));
    seed("csum-partial-tcp-s3-to-public-ip", offloaded(lab, region, test::build_packet({6, s3, public_ip, 80, 40002}, 200)));
    seed("csum-partial-udp-3000-nondf-pub-to-s3-fragmented", offloaded(lab, pub, test::build_packet({17, pub_ip, s3, 4004, 5004}, 3000, 0, false)));
    seed("gso-tcpv4-pub-to-s3", offloaded(lab, pub, test::build_packet({6, pub_ip, s3, 40003, 80}, 2896), wire::VnetHeader::gso_tcpv4, 1448));
    seed("gso-tcpv4-pub-to-priv-jumbo", offloaded(lab, pub, test::build_packet({6, pub_ip, priv_ip, 40004, 22}, 8000), wire::VnetHeader::gso_tcpv4, 8949));
    seed("gso-udp-l4-pub-to-s3", offloaded(lab, pub, test::build_packet({17, pub_ip, s3, 4002, 5002}, 2944), wire::VnetHeader::gso_udp_l4, 1472));
    // Path MTU 1500 beyond the gateway: non-DF is fragmented, DF gets ICMP fragmentation-needed, both ways.
    seed("udp-3000-nondf-pub-to-s3-fragmented", framed(lab, pub, test::build_packet({17, pub_ip, s3, 4003, 5003}, 3000, 0, false)));
    seed("tcp-3000-df-pub-to-s3-frag-needed", framed(lab, pub, test::build_packet({6, pub_ip, s3, 40005, 80}, 3000)));
    seed("tcp-3000-df-s3-to-public-ip-frag-needed", framed(lab, region, test::build_packet({6, s3, public_ip, 80, 40005}, 3000)));
    seed("icmp-2000-nondf-s3-to-public-ip", framed(lab, region, test::build_packet({1, s3, public_ip, 11, 0}, 2000, 0, false)));
}

// The pipeline fuzzer's lab has endpoints (PipelineLab(true)): a connection to the CloudFormation interface
// endpoint's ENI and the service's reply, and a ping the ENI does not answer.
void pipeline_endpoint_seeds(const Lab& lab) {
    auto seed = [](const std::string& name, const Packet& f) { write("pipeline", name + ".bin", f); };
    const auto segment = [](std::uint32_t from, std::uint32_t to, std::uint16_t sport, std::uint16_t dport, std::uint8_t flags) {
        return test::build_tcp_segment(from, to, sport, dport, flags, 40);
    };
    seed("tcp-syn-pub-to-interface-endpoint", framed(lab, lab.pub_host, segment(Lab::pub_ip, lab.cf_eni_ip, 40020, 80, 0x02)));
    seed("tcp-synack-service-to-interface-endpoint", framed(lab, lab.region, segment(lab.cf_service, lab.cf_eni_ip, 80, 40020, 0x12)));
    seed("icmp-echo-priv-to-interface-endpoint", framed(lab, lab.priv_host, test::build_packet({1, Lab::priv_ip, lab.cf_eni_ip, 12, 0}, 56)));
    // The network load balancer: a client from the internet, a target's answer, a client in the VPC, and a
    // target answering a health probe's port.
    constexpr std::uint32_t internet_client = 0xc6130063;
    seed("tcp-syn-region-to-load-balancer", framed(lab, lab.region, segment(internet_client, lab.lb_public, 40030, 80, 0x02)));
    seed("tcp-synack-target-through-load-balancer", framed(lab, lab.priv_host, segment(Lab::priv_ip, internet_client, 80, 40030, 0x12)));
    seed("tcp-syn-pub-to-load-balancer-node", framed(lab, lab.pub_host, segment(Lab::pub_ip, lab.lb_node_ip, 40031, 80, 0x02)));
    seed("tcp-synack-target-to-health-probe", framed(lab, lab.priv_host, segment(Lab::priv_ip, lab.lb_node_ip, 80, 64000, 0x12)));
    seed("udp-region-to-load-balancer", framed(lab, lab.region, test::build_packet({17, internet_client, lab.lb_public, 5353, 80})));
    // PrivateLink: a connection through the endpoint service's interface endpoint (proxy protocol v2 on),
    // its first data segment, and a target's answer to the node.
    seed("tcp-syn-pub-to-privatelink-endpoint", framed(lab, lab.pub_host, segment(Lab::pub_ip, lab.pl_eni_ip, 40040, 80, 0x02)));
    seed("tcp-data-pub-to-privatelink-endpoint", framed(lab, lab.pub_host, segment(Lab::pub_ip, lab.pl_eni_ip, 40040, 80, 0x18)));
    seed("tcp-ack-target-to-privatelink-node", framed(lab, lab.priv_host, segment(Lab::priv_ip, lab.lb_node_ip, 80, 40040, 0x10)));
}

// The fuzz lab's NAT gateway (the private subnet's route to 198.18.100.0/24) and peered VPC: out through
// the gateway and back to its Elastic IP (TCP, UDP, ICMP, an ICMP error, fragments), what it refuses, and
// traffic across the peering both ways (a jumbo packet too), and what the peering does not carry; and
// through the transit gateway to its spoke.
void pipeline_nat_and_peering_seeds(const test::FuzzPipelineLab& lab) {
    auto seed = [](const std::string& name, const Packet& f) { write("pipeline", name + ".bin", f); };
    const std::uint32_t priv_ip = Lab::priv_ip, host = test::FuzzPipelineLab::internet_host, eip = lab.nat_eip, peer = Lab::peer_ip;
    const auto priv = lab.priv_host, region = lab.region, peer_host = lab.peer_host;
    const auto segment = [](std::uint32_t from, std::uint32_t to, std::uint16_t sport, std::uint16_t dport, std::uint8_t flags) {
        return test::build_tcp_segment(from, to, sport, dport, flags, 40);
    };
    // Numbered in the order they make sense in (the corpus is replayed in name order on one set of tables):
    // a translation opened before its replies and errors. A translated port (or echo identifier) is the
    // instance's own while it is free towards the destination and in 1024–65535: replies use it.
    seed("nat-gateway-01-tcp-syn-priv-to-internet", framed(lab, priv, segment(priv_ip, host, 40050, 80, 0x02)));
    seed("nat-gateway-02-tcp-synack-internet-to-eip", framed(lab, region, segment(host, eip, 80, 40050, 0x12)));
    seed("nat-gateway-03-tcp-syn-internet-to-eip-unsolicited", framed(lab, region, segment(host, eip, 40051, 22, 0x02)));
    seed("nat-gateway-04-tcp-ack-priv-to-internet-no-translation", framed(lab, priv, segment(priv_ip, host, 40052, 80, 0x10)));
    seed("nat-gateway-05-udp-priv-to-internet", framed(lab, priv, test::build_packet({17, priv_ip, host, 5353, 9999}, 32)));
    seed("nat-gateway-06-udp-internet-to-eip", framed(lab, region, test::build_packet({17, host, eip, 9999, 5353}, 32)));
    seed("nat-gateway-07-icmp-echo-priv-to-internet", framed(lab, priv, test::build_packet({1, priv_ip, host, 4013, 0}, 56)));
    Packet echo_reply = test::build_packet({1, host, eip, 4013, 0}, 56);
    echo_reply[20] = 0;
    fix_l4_checksum(echo_reply);
    seed("nat-gateway-08-icmp-echo-reply-internet-to-eip", framed(lab, region, echo_reply));
    seed("nat-gateway-09-icmp-port-unreachable-internet-to-eip",
         framed(lab, region, test::build_icmp_error(3, 3, host, test::build_packet({17, eip, host, 5353, 9999}, 32), 8)));
    seed("nat-gateway-10-icmp-frag-needed-internet-to-eip",
         framed(lab, region, test::build_icmp_error(3, 4, host, segment(eip, host, 40050, 80, 0x18), 8)));
    seed("nat-gateway-11-udp-first-fragment-priv-to-internet",
         framed(lab, priv, fragment(test::build_packet({17, priv_ip, host, 6000, 7000}, 1000, 0, false), 0, true)));
    seed("nat-gateway-12-udp-last-fragment-priv-to-internet",
         framed(lab, priv, fragment(test::build_packet({17, priv_ip, host, 6000, 7000}, 200, 0, false), 1008, false)));
    seed("nat-gateway-13-udp-first-fragment-internet-to-eip",
         framed(lab, region, fragment(test::build_packet({17, host, eip, 7000, 6000}, 1000, 0, false), 0, true)));
    seed("nat-gateway-14-tcp-first-fragment-priv-to-internet",
         framed(lab, priv, fragment(test::build_packet({6, priv_ip, host, 40053, 80}, 1000, 0, false), 0, true)));
    seed("nat-gateway-15-tcp-3000-df-priv-to-internet-frag-needed", framed(lab, priv, test::build_packet({6, priv_ip, host, 40054, 80}, 3000)));
    seed("nat-gateway-16-udp-priv-to-gateway-own-address", framed(lab, priv, test::build_packet({17, priv_ip, lab.nat_ip, 5000, 53}, 32)));
    // Across the peering, both ways, a 9001-byte packet with DF, and what it does not carry.
    seed("peering-1-tcp-syn-priv-to-peer", framed(lab, priv, segment(priv_ip, peer, 40060, 22, 0x02)));
    seed("peering-2-tcp-synack-peer-to-priv", framed(lab, peer_host, segment(peer, priv_ip, 22, 40060, 0x12)));
    seed("peering-3-icmp-echo-peer-to-priv", framed(lab, peer_host, test::build_packet({1, peer, priv_ip, 14, 0}, 56)));
    seed("peering-4-tcp-9001-df-priv-to-peer", framed(lab, priv, test::build_packet({6, priv_ip, peer, 40061, 22}, 8961)));
    seed("peering-5-tcp-peer-to-internet-not-transitive", framed(lab, peer_host, segment(peer, host, 40062, 80, 0x02)));
    seed("peering-6-tcp-peer-to-public-instance-no-route-back", framed(lab, peer_host, segment(peer, Lab::pub_ip, 40063, 22, 0x02)));
    // Through the transit gateway to the spoke and back, its MTU (8500 bytes: answered with DF, dropped
    // without), a blackhole, and the peer's traffic it does not carry.
    const std::uint32_t spoke = Lab::spoke_ip;
    const auto spoke_host = lab.spoke_host;
    seed("transit-gateway-1-tcp-syn-priv-to-spoke", framed(lab, priv, segment(priv_ip, spoke, 40070, 22, 0x02)));
    seed("transit-gateway-2-tcp-synack-spoke-to-priv", framed(lab, spoke_host, segment(spoke, priv_ip, 22, 40070, 0x12)));
    seed("transit-gateway-3-icmp-echo-spoke-to-priv", framed(lab, spoke_host, test::build_packet({1, spoke, priv_ip, 15, 0}, 56)));
    seed("transit-gateway-4-icmp-8501-df-priv-to-spoke", framed(lab, priv, test::build_packet({1, priv_ip, spoke, 16, 0}, 8501 - 28)));
    seed("transit-gateway-5-udp-8501-priv-to-spoke", framed(lab, priv, test::build_packet({17, priv_ip, spoke, 5000, 53}, 8501 - 28, 0, false)));
    seed("transit-gateway-6-udp-priv-to-spoke-blackhole", framed(lab, priv, test::build_packet({17, priv_ip, 0x0a280909, 5000, 53}, 32)));
    seed("transit-gateway-7-tcp-spoke-to-peer-no-route", framed(lab, spoke_host, segment(spoke, peer, 40071, 22, 0x02)));
}

// The captured frames (tests/bench/captures, lab tests/bench/bench-lab.yaml: A 10.30.0.4 public, B 10.30.1.4),
// moved onto this lab: A → the public instance, B → the first private one, 10.30.x.y → 10.10.x.y, MACs and
// checksums to match; a partial checksum (as tcpdump sees an offloading sender's) gets NEEDS_CSUM. One frame
// per kind (capture, protocol, ICMP type / TCP flags / UDP port, size class).
void pipeline_captures(const Lab& lab, const fs::path& source) {
    auto map_ip = [](std::uint32_t a) { return (a & 0xffff0000u) == 0x0a1e0000u ? (a & 0x0000ffffu) | 0x0a0a0000u : a; };
    std::set<std::string> kinds;
    for (const auto& [file, port] : {std::pair{"A", lab.pub_host}, std::pair{"B", lab.priv_host}, std::pair{"region", lab.region}}) {
        int n = 0;
        for (auto f : bench::read_pcap((source / "tests/bench/captures" / (std::string("capture-") + file + ".pcap")).string())) {
            ++n;
            if (f.size() < 14) continue;
            const std::uint16_t type = wire::load_be16(&f[12]);
            Packet p(f.begin() + 14, f.end());
            std::string kind = std::string(file) + "-" + (type == 0x0806 ? "arp" : type == 0x0800 ? "ipv4" : "ethertype-" + std::to_string(type));
            wire::VnetHeader vnet;
            if (type == 0x0806 && p.size() >= 28) {
                std::copy(lab.mac(port).octets.begin(), lab.mac(port).octets.end(), p.begin() + 8);
                wire::store_be32(&p[14], map_ip(wire::load_be32(&p[14])));
                wire::store_be32(&p[24], map_ip(wire::load_be32(&p[24])));
            } else if (type == 0x0800 && p.size() >= 20) {
                const std::size_t ihl = ihl_of(p), l4 = ihl;
                const bool partial = p[9] != 1 && wire::load_be16(&p[checksum_at(p)]) == wire::fold(pseudo_of(p));
                wire::store_be32(&p[12], map_ip(wire::load_be32(&p[12])));
                wire::store_be32(&p[16], map_ip(wire::load_be32(&p[16])));
                wire::Ipv4View(p).fill_header_checksum();
                kind += p[9] == 1 ? "-icmp-" + std::to_string(p[l4]) : p[9] == 6 ? "-tcp-flags-" + std::to_string(p[l4 + 13])
                        : "-udp-" + std::to_string(std::min(wire::load_be16(&p[l4]), wire::load_be16(&p[l4 + 2])));
                kind += p.size() > 1500 ? "-large" : "";
                if (p[9] == 17) {  // B's query names A by its old address: ip-10-30-0-4 → ip-10-10-0-4
                    const std::string from = "ip-10-30-", to = "ip-10-10-";
                    auto it = std::search(p.begin() + static_cast<long>(l4), p.end(), from.begin(), from.end());
                    if (it != p.end()) std::copy(to.begin(), to.end(), it);
                }
                if (p[9] != 1) fix_l4_checksum(p, partial);
                if (partial) {
                    vnet.flags = wire::VnetHeader::flag_needs_csum;
                    vnet.csum_start = static_cast<std::uint16_t>(14 + ihl);
                    vnet.csum_offset = static_cast<std::uint16_t>(checksum_at(p) - ihl);
                    kind += "-csum-partial";
                }
            }
            if (!kinds.insert(kind).second) continue;
            const auto dst = wire::MacAddress::load(f.data());
            write("pipeline", "capture-" + kind + "-frame" + std::to_string(n) + ".bin",
                  framed(lab, port, p, vnet, static_cast<wire::EtherType>(type), dst.is_broadcast() ? &dst : nullptr));
        }
    }
}

// ---- dns: dig's queries from the captures, and ldns-made ones for every answer kind and refusal ----

void dns_seeds(const fs::path& source) {
    std::set<Packet> seen;  // by content without the ID
    for (const char* file : {"A", "B", "region"})
        for (const auto& f : bench::read_pcap((source / "tests/bench/captures" / (std::string("capture-") + file + ".pcap")).string())) {
            if (f.size() < 14 + 20 + 8 + 12 || wire::load_be16(&f[12]) != 0x0800 || f[14 + 9] != 17) continue;
            const std::size_t l4 = 14 + (f[14] & 0x0fu) * 4u;
            if (wire::load_be16(&f[l4 + 2]) != 53) continue;
            const Packet q(f.begin() + static_cast<long>(l4 + 8), f.end());
            if (!seen.insert(Packet(q.begin() + 2, q.end())).second) continue;
            ldns_pkt* p = nullptr;
            if (ldns_wire2pkt(&p, q.data(), q.size()) != LDNS_STATUS_OK) continue;
            const ldns_rr* question = ldns_rr_list_rr(ldns_pkt_question(p), 0);
            char* name = ldns_rdf2str(ldns_rr_owner(question));
            char* type = ldns_rr_type2str(ldns_rr_get_type(question));
            std::string owner = name;
            if (!owner.empty() && owner.back() == '.') owner.pop_back();
            write("dns", std::string("dig-") + type + "-" + owner + (ldns_pkt_edns(p) ? "-edns" : "") + ".bin", q);
            std::free(name);
            std::free(type);
            ldns_pkt_free(p);
        }
    write("dns", "ldns-A-private-name.bin", dns_query("ip-10-10-1-4.ap-northeast-2.compute.internal.", LDNS_RR_TYPE_A, 1));
    write("dns", "ldns-PTR-instance.bin", dns_query("4.1.10.10.in-addr.arpa.", LDNS_RR_TYPE_PTR, 2));
    write("dns", "ldns-A-public-name-edns.bin", dns_query("ec2-198-19-0-10.ap-northeast-2.compute.amazonaws.com.", LDNS_RR_TYPE_A, 3, true));
    write("dns", "ldns-A-unknown-nxdomain.bin", dns_query("nothing-here.example.net.", LDNS_RR_TYPE_A, 4));
    write("dns", "ldns-MX-service.bin", dns_query("sqs.ap-northeast-2.amazonaws.com.", LDNS_RR_TYPE_MX, 5));
    write("dns", "ldns-ANY-example.com.bin", dns_query("example.com.", LDNS_RR_TYPE_ANY, 6));
    write("dns", "ldns-opcode-status-notimp.bin", dns_query("example.org.", LDNS_RR_TYPE_A, 7, false, LDNS_PACKET_STATUS));
    const Packet q = dns_query("s3.ap-northeast-2.amazonaws.com.", LDNS_RR_TYPE_A, 8);
    Packet two = q;  // two questions: the same question appended, QDCOUNT 2
    two.insert(two.end(), q.begin() + 12, q.end());
    two[5] = 2;
    write("dns", "two-questions.bin", two);
    Packet loop(q.begin(), q.begin() + 12);  // a name that is a compression pointer to itself
    loop.insert(loop.end(), {0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01});
    write("dns", "compression-pointer-loop.bin", loop);
    Packet response = q;
    response[2] |= 0x80;  // QR: a response is never answered
    write("dns", "response-not-answered.bin", response);
}

// ---- control: realistic request lines against the pipeline lab's model (its IDs), one request per line ----

void control_seeds(const Lab& lab) {
    using nlohmann::json;
    const auto& m = lab.m;
    const std::string vpc = lab.vpc, igw = lab.igw, pub_rt = lab.pub_rt, main_rt = m.vpc(vpc).main_route_table_id;
    const std::string inst = m.instances().at(1).id, eni = m.network_interfaces().at(2).id;
    // The first Elastic IP this state allocates: runtime IDs are numbered in creation order.
    const std::string eip = routing::ResourceIds(m.stack_name()).make("eipalloc", "#runtime-1");
    auto req = [](const std::string& action, json params = json::object()) {
        return json{{"Action", action}, {"Params", params}}.dump() + "\n";
    };
    write("control", "ping.json", req("Vpclab.Ping"));
    write("control", "list-lab.json", req("Vpclab.ListLab"));
    write("control", "stats.json", req("Vpclab.Stats"));
    write("control", "describe-vpcs-filters.json", req("DescribeVpcs", {{"Filters", {{{"Name", "tag:Name"}, {"Values", {"V"}}}, {{"Name", "cidr-block"}, {"Values", {"10.10.0.0/16"}}}}}}));
    write("control", "describe-subnets-by-vpc.json", req("DescribeSubnets", {{"Filters", {{{"Name", "vpc-id"}, {"Values", {vpc}}}}}}));
    write("control", "describe-route-tables-ids.json", req("DescribeRouteTables", {{"RouteTableIds", json::array({pub_rt, main_rt})}}));
    write("control", "describe-route-tables-main.json", req("DescribeRouteTables", {{"Filters", {{{"Name", "association.main"}, {"Values", {"true"}}}}}}));
    write("control", "describe-instances-ids.json", req("DescribeInstances", {{"InstanceIds", {inst}}}));
    write("control", "describe-internet-gateways-attachment.json", req("DescribeInternetGateways", {{"Filters", {{{"Name", "attachment.vpc-id"}, {"Values", {vpc}}}}}}));
    write("control", "create-route-to-igw.json", req("CreateRoute", {{"RouteTableId", main_rt}, {"DestinationCidrBlock", "0.0.0.0/0"}, {"GatewayId", igw}}));
    write("control", "create-replace-delete-route.json",
          req("CreateRoute", {{"RouteTableId", pub_rt}, {"DestinationCidrBlock", "192.168.0.0/16"}, {"InstanceId", inst}}) +
          req("ReplaceRoute", {{"RouteTableId", pub_rt}, {"DestinationCidrBlock", "192.168.0.0/16"}, {"NetworkInterfaceId", eni}}) +
          req("DeleteRoute", {{"RouteTableId", pub_rt}, {"DestinationCidrBlock", "192.168.0.0/16"}}));
    write("control", "create-route-to-eni.json", req("CreateRoute", {{"RouteTableId", main_rt}, {"DestinationCidrBlock", "192.168.0.0/16"}, {"NetworkInterfaceId", eni}}));
    write("control", "allocate-associate-address.json",
          req("AllocateAddress", {{"Domain", "vpc"}}) + req("AssociateAddress", {{"AllocationId", eip}, {"InstanceId", inst}}) +
          req("DescribeAddresses", {{"AllocationIds", {eip}}}) + req("Vpclab.Stats"));
    write("control", "modify-vpc-attribute-dns-support.json", req("ModifyVpcAttribute", {{"VpcId", vpc}, {"EnableDnsSupport", {{"Value", false}}}}) +
                                                               req("DescribeVpcAttribute", {{"VpcId", vpc}, {"Attribute", "enableDnsSupport"}}));
    write("control", "detach-create-attach-igw.json",
          req("DetachInternetGateway", {{"InternetGatewayId", igw}, {"VpcId", vpc}}) + req("CreateInternetGateway") +
          req("AttachInternetGateway", {{"InternetGatewayId", igw}, {"VpcId", vpc}}));
    write("control", "prefix-lists.json", req("DescribeManagedPrefixLists") + req("GetManagedPrefixListEntries", {{"PrefixListId", "pl-00000000"}}));
    write("control", "unknown-action-and-bad-json.json", req("DescribeNothing") + "{\"Action\": [1, {\"a\": null}], \"Params\": 3}\n{not json\n");
}

// ---- template: the lab templates as they are, and the first seed template in JSON ----

nlohmann::ordered_json to_json(const YAML::Node& y) {
    using json = nlohmann::ordered_json;  // template order kept
    json v;
    if (y.IsMap()) {
        v = json::object();
        for (const auto& kv : y) v[kv.first.as<std::string>()] = to_json(kv.second);
    } else if (y.IsSequence()) {
        v = json::array();
        for (const auto& item : y) v.push_back(to_json(item));
    } else if (y.IsScalar()) {
        const std::string s = y.Scalar();
        if (y.Tag() == "?" && (s == "true" || s == "false")) v = s == "true";
        else if (y.Tag() == "?" && std::regex_match(s, std::regex("-?[0-9]+"))) v = std::stoll(s);
        else v = s;
    }
    const std::string& tag = y.Tag();
    if (tag.size() > 1 && tag[0] == '!') {  // short-form intrinsics: !Ref x → {"Ref": x}, !GetAtt a.b → {"Fn::GetAtt": [a, b]}
        const std::string fn = tag.substr(1);
        if (fn == "GetAtt" && v.is_string()) {
            const std::string s = v.get<std::string>();
            v = json::array({s.substr(0, s.find('.')), s.substr(s.find('.') + 1)});
        }
        return json{{fn == "Ref" ? "Ref" : "Fn::" + fn, v}};
    }
    return v;
}

void template_seeds(const fs::path& source) {
    for (const char* t : {"labs/endpoints-lab.yaml", "labs/privatelink-lab.yaml", "tests/netns/region-lab.yaml", "tests/bench/bench-lab.yaml"}) {
        std::string name = t;
        std::replace(name.begin(), name.end(), '/', '-');
        write("template", name, read_file(source / t));
    }
    write("template", "labs-endpoints-lab.json", to_json(YAML::LoadFile((source / "labs/endpoints-lab.yaml").string())).dump(2) + "\n");
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::cerr << "usage: fuzz_seeds SOURCE_DIR OUT_DIR\n";
        return 2;
    }
    const fs::path source = argv[1];
    out_dir = argv[2];
    const Lab lab;
    pipeline_built(lab);
    const test::FuzzPipelineLab fuzz_lab;  // the pipeline harness's lab
    pipeline_endpoint_seeds(fuzz_lab);
    pipeline_nat_and_peering_seeds(fuzz_lab);
    pipeline_captures(lab, source);
    dns_seeds(source);
    control_seeds(lab);
    template_seeds(source);
    return 0;
}
