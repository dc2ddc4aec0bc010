// Fuzzes the frame pipeline: byte 0 is the ingress port's slot (PipelineLab::port_of_slot), the rest a TAP read (vnet header + Ethernet),
// run once with each send checked as it is made and once with the sends queued, as a forwarding worker writes them
// (and with traffic mirror sessions on two ENIs, whose copies the worker makes around the pipeline).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "router/data_path/deferred_transmits.hpp"
#include "router/data_path/pipeline.hpp"
#include "router/data_path/traffic_mirror.hpp"
#include "tests/unit/mirror_everything.hpp"
#include "tests/unit/pipeline_lab.hpp"
#include "wire/checksum.hpp"
#include "wire/vnet_header.hpp"

using namespace vpclab;

namespace {

enum class Checksum { not_applicable, valid, invalid };

// The IPv4 packet of a frame (vnet header + Ethernet), or empty.
wire::ConstBytes ipv4_of(wire::ConstBytes frame) {
    if (frame.size() < wire::VnetHeader::length + 14 + 20 || wire::load_be16(&frame[wire::VnetHeader::length + 12]) != 0x0800) return {};
    return frame.subspan(wire::VnetHeader::length + 14);
}

Checksum header_checksum(wire::ConstBytes ip) {
    const std::size_t ihl = (ip[0] & 0x0fu) * 4u;
    if (ihl < 20 || ip.size() < ihl) return Checksum::invalid;
    return wire::fold(wire::ones_complement_sum(ip.first(ihl))) == 0xffff ? Checksum::valid : Checksum::invalid;
}

// The TCP, UDP or ICMP checksum of a whole, unfragmented packet in a frame without offloads.
Checksum l4_checksum(wire::ConstBytes frame) {
    const auto ip = ipv4_of(frame);
    if (ip.empty() || frame[0] != 0 || frame[1] != 0) return Checksum::not_applicable;  // NEEDS_CSUM or GSO
    const std::size_t ihl = (ip[0] & 0x0fu) * 4u, total = wire::load_be16(&ip[2]);
    const std::uint8_t protocol = ip[9];
    if (ihl < 20 || total < ihl + 8 || total > ip.size() || (wire::load_be16(&ip[6]) & 0x3fff) != 0) return Checksum::not_applicable;
    const auto l4 = ip.subspan(ihl, total - ihl);
    if (protocol == 17 && wire::load_be16(&l4[6]) == 0) return Checksum::not_applicable;  // UDP without a checksum
    if (protocol == 6 && l4.size() < 20) return Checksum::not_applicable;
    std::uint32_t initial = 0;
    if (protocol == 6 || protocol == 17)
        initial = wire::pseudo_header_sum(wire::load_be32(&ip[12]), wire::load_be32(&ip[16]), protocol, static_cast<std::uint16_t>(l4.size()));
    else if (protocol != 1) return Checksum::not_applicable;
    return wire::fold(wire::ones_complement_sum(l4, initial)) == 0xffff ? Checksum::valid : Checksum::invalid;
}

// Checks what the pipeline promises about each output, and reads every byte sent, so that ASan reports an
// output reaching past the frame or the scratch slot.
struct CheckingSink final : router::FrameSink {
    routing::PortIndex ports = 0;
    Checksum input_l4 = Checksum::not_applicable;
    std::uint8_t sum = 0;

    [[noreturn]] static void fail(const char* what, routing::PortIndex port) {
        std::fprintf(stderr, "pipeline output on port %u: %s\n", port, what);
        std::abort();
    }
    void transmit(routing::PortIndex port, wire::ConstBytes frame) noexcept override {
        if (port >= ports) fail("no such port", port);
        if (frame.size() < wire::VnetHeader::length + 14) fail("shorter than a vnet header and an Ethernet header", port);
        for (const std::uint8_t b : frame) sum = static_cast<std::uint8_t>(sum + b);
        const auto ip = ipv4_of(frame);
        // Ingress drops bad IPv4 header checksums; every rewrite (NAT, fragments, ICMP errors) keeps them right.
        if (!ip.empty() && header_checksum(ip) != Checksum::valid) fail("IPv4 header checksum wrong", port);
        // A valid TCP/UDP/ICMP checksum stays valid through translation; generated packets have one too.
        if (input_l4 == Checksum::valid && l4_checksum(frame) == Checksum::invalid) fail("L4 checksum made wrong", port);
    }
    void drop(routing::PortIndex, wire::ConstBytes, router::DropReason reason) noexcept override {
        if (reason >= router::DropReason::count) std::abort();
    }
};

// The fuzz lab with traffic mirror sessions: the public and the first private instance's ENIs mirrored, all
// traffic both ways, to the second private instance's (the private one's copies cut to 64 bytes).
struct MirroredFuzzLab : test::FuzzPipelineLab {
    MirroredFuzzLab() {
        const std::string target = m.interface_on_port(priv2_host)->id;
        test::mirror_everything(m, m.interface_on_port(pub_host)->id, target);
        test::mirror_everything(m, m.interface_on_port(priv_host)->id, target, 64);
        recompile();
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const MirroredFuzzLab lab;
    // The tables shared among the lab's ENIs, as the router shares them (an ENI at its share is refused).
    static const bool shared = (lab.flows.share_among(*lab.snap), true);
    (void)shared;
    if (size < 1) return 0;
    const auto ingress = static_cast<routing::PortIndex>(lab.port_of_slot(data[0]));
    // Exactly-sized heap copies, so that ASan sees a read or write one byte past the frame or the scratch.
    const std::size_t frame_size = size - 1;
    std::unique_ptr<std::uint8_t[]> frame(new std::uint8_t[frame_size ? frame_size : 1]);
    if (frame_size) std::memcpy(frame.get(), data + 1, frame_size);
    std::unique_ptr<std::uint8_t[]> scratch(new std::uint8_t[router::pipeline_scratch_size]);
    CheckingSink sink;
    sink.ports = lab.port_limit();
    sink.input_l4 = l4_checksum(wire::ConstBytes(frame.get(), frame_size));
    router::process_frame(*lab.snap, ingress, wire::Bytes(frame.get(), frame_size),
                          wire::Bytes(scratch.get(), router::pipeline_scratch_size), sink, lab.flows);

    // The same input again, as a forwarding worker runs it (router/forwarding_worker.cpp): its sends queued
    // (the frame's own read slot referenced, what was built in scratch copied) and written only once the
    // pipeline is done with the frame. What is written must be what was sent: a queued output that the
    // pipeline changed afterwards (a reused scratch slot, a frame rewritten after it was sent) aborts.
    struct QueueingSink final : router::FrameSink {
        router::DeferredTransmits& queued;
        wire::ConstBytes own;
        CheckingSink& then;
        std::uint64_t sent_hashes[router::DeferredTransmits::max_frames] = {};
        std::size_t count = 0;
        QueueingSink(router::DeferredTransmits& q, wire::ConstBytes o, CheckingSink& t) : queued(q), own(o), then(t) {}
        static std::uint64_t hash(wire::ConstBytes bytes) {  // FNV-1a
            std::uint64_t h = 0xcbf29ce484222325ull;
            for (const std::uint8_t b : bytes) h = (h ^ b) * 0x100000001b3ull;
            return h;
        }
        void transmit(routing::PortIndex port, wire::ConstBytes out) noexcept override {
            if (queued.add(port, out, own))
                sent_hashes[count++] = hash(out);
            else
                then.transmit(port, out);
        }
        void drop(routing::PortIndex port, wire::ConstBytes out, router::DropReason reason) noexcept override { then.drop(port, out, reason); }
    };
    static router::DeferredTransmits queued;
    std::unique_ptr<std::uint8_t[]> again(new std::uint8_t[frame_size ? frame_size : 1]);
    if (frame_size) std::memcpy(again.get(), data + 1, frame_size);
    QueueingSink queueing(queued, wire::ConstBytes(again.get(), frame_size), sink);
    static router::TrafficMirror mirror;
    router::MirroringSink mirroring(queueing, mirror, *lab.snap);
    mirror.before(*lab.snap, ingress, wire::ConstBytes(again.get(), frame_size));
    router::process_frame(*lab.snap, ingress, wire::Bytes(again.get(), frame_size),
                          wire::Bytes(scratch.get(), router::pipeline_scratch_size), mirroring, lab.flows);
    mirror.after(*lab.snap, queueing);
    std::size_t written = 0;
    queued.flush([&](routing::PortIndex port, wire::ConstBytes out) {
        if (written >= queueing.count || QueueingSink::hash(out) != queueing.sent_hashes[written]) CheckingSink::fail("queued output changed before it was written", port);
        ++written;
        sink.transmit(port, out);
    });
    if (written != queueing.count) std::abort();
    return 0;
}
