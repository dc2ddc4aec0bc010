// `vpclab capture`'s data-path side: the ring (against a plain queue on random records), and the capturing
// sink in the pipeline lab (a watched port's frames before and after the decision, what it receives, drops
// with their reason, nothing of other ports, no heap allocation per frame).
#include <doctest/doctest.h>

#include <atomic>
#include <deque>
#include <random>

#include "router/data_path/packet_capture.hpp"
#include "tests/unit/packet_builder.hpp"
#include "tests/unit/recording_sink.hpp"

using namespace vpclab;
using namespace vpclab::router;

extern std::atomic<std::size_t> allocations;  // pipeline_test.cpp's count of heap allocations

namespace {

struct Record {
    CapturedFrameHeader header;
    std::vector<std::uint8_t> bytes;
};

std::vector<Record> drain(CaptureRing& ring) {
    std::vector<Record> out;
    CapturedFrameHeader h;
    wire::ConstBytes b;
    while (ring.front(h, b)) {
        out.push_back({h, {b.begin(), b.end()}});
        ring.pop();
    }
    return out;
}

// The pipeline lab with one capture session on `watched`.
struct CaptureLab {
    test::PipelineLab lab;
    PacketCaptures captures;
    PacketCaptures::Session* session = nullptr;
    std::vector<std::uint8_t> scratch = std::vector<std::uint8_t>(pipeline_scratch_size);
    explicit CaptureLab(bool watch_public = true, std::uint32_t snap_length = 262144) {
        session = captures.start(watch_public ? lab.pub_host : lab.priv_host, snap_length, PacketCaptures::Clock::now());
        REQUIRE(session != nullptr);
    }
    // A frame through the pipeline as the forwarding worker sends it: recorded as received if its port is
    // watched, then through the capturing sink. The frame is rewritten in place, as on the data path.
    void send(FrameSink& inner, routing::PortIndex from, wire::Bytes frame) {
        if (captures.watching(from)) captures.record(CaptureKind::received, from, routing::no_port, DropReason{}, frame);
        CapturingSink sink(inner, captures, from);
        process_frame(*lab.snap, from, frame, scratch, sink, lab.flows);
    }
    void send(FrameSink& inner, routing::PortIndex from, std::vector<std::uint8_t> frame) { send(inner, from, wire::Bytes(frame)); }
};

}  // namespace

TEST_CASE("capture ring: what it takes comes out whole and in order; it loses only when full, and says so") {
    std::mt19937 random(29);
    for (const std::size_t capacity : {256u, 1000u, 4096u}) {
        CaptureRing ring(capacity);
        std::deque<Record> reference;  // what the ring holds, oldest first
        std::size_t pushes = 0, taken = 0;
        for (int step = 0; step < 20000; ++step) {
            if (random() % 2 == 0) {
                Record r;
                r.header.captured = r.header.original = random() % (capacity / 3);
                r.header.time_ns = static_cast<std::uint64_t>(step);
                r.bytes.resize(r.header.captured);
                for (auto& b : r.bytes) b = static_cast<std::uint8_t>(random());
                const bool was_empty = ring.empty();
                ++pushes;
                if (ring.push(r.header, r.bytes)) {
                    ++taken;
                    reference.push_back(std::move(r));
                } else {
                    // Refused only when it could not fit: never into an empty ring that has room for it.
                    CHECK_FALSE((was_empty && sizeof(CapturedFrameHeader) + r.bytes.size() + 8 <= capacity));
                }
            } else {
                CapturedFrameHeader h;
                wire::ConstBytes b;
                REQUIRE(ring.front(h, b) == !reference.empty());
                if (reference.empty()) continue;
                CHECK(h.time_ns == reference.front().header.time_ns);
                CHECK(std::vector<std::uint8_t>(b.begin(), b.end()) == reference.front().bytes);
                ring.pop();
                reference.pop_front();
            }
            CHECK(ring.empty() == reference.empty());
        }
        CHECK(ring.lost() == pushes - taken);
        INFO(capacity << ": " << taken << " of " << pushes << " taken");
        // As many taken as given back, each record a third of the ring at most: in a ring of a few records,
        // many are refused; in a larger one, few.
        CHECK(taken > pushes * (capacity < 1000 ? 1 : 3) / 4);
        const auto rest = drain(ring);
        REQUIRE(rest.size() == reference.size());
        for (std::size_t i = 0; i < rest.size(); ++i) CHECK(rest[i].bytes == reference[i].bytes);
    }
}

TEST_CASE("capture: a watched instance's frames before and after the decision, its drops, what it receives, nothing else") {
    CHECK_FALSE(PacketCaptures().any());
    CaptureLab c;
    auto& [lab, captures, session, scratch] = c;
    CHECK(captures.any());
    test::RecordingSink inner;

    const auto out = test::frame_of(lab.mac(lab.pub_host), test::build_packet({6, test::PipelineLab::pub_ip, test::PipelineLab::priv_ip, 40000, 80}));
    c.send(inner, lab.pub_host, out);
    REQUIRE(inner.sent.size() == 1);  // the capture changes nothing of forwarding
    const auto back = test::frame_of(lab.mac(lab.priv_host), test::build_packet({6, test::PipelineLab::priv_ip, test::PipelineLab::pub_ip, 80, 40000}));
    c.send(inner, lab.priv_host, back);
    REQUIRE(inner.sent.size() == 2);
    // Through the internet gateway to an address where no host of the region answers: dropped.
    const auto unroutable = test::frame_of(lab.mac(lab.pub_host), test::build_packet({17, test::PipelineLab::pub_ip, 0xac100001, 5000, 53}));
    c.send(inner, lab.pub_host, unroutable);
    // Another port's traffic that never meets the watched one: not recorded.
    c.send(inner, lab.priv_host,
           test::frame_of(lab.mac(lab.priv_host), test::build_packet({6, test::PipelineLab::priv_ip, test::PipelineLab::priv2_ip, 40001, 22})));

    const auto records = drain(session->ring);
    REQUIRE(records.size() == 5);
    CHECK(records[0].header.kind == CaptureKind::received);
    CHECK(records[0].bytes == std::vector<std::uint8_t>(out.begin() + 10, out.end()));  // the Ethernet frame, without the virtio-net header
    CHECK(records[1].header.kind == CaptureKind::forwarded);
    CHECK(records[1].header.other == lab.priv_host);
    CHECK(records[1].bytes == std::vector<std::uint8_t>(inner.sent[0].frame.begin() + 10, inner.sent[0].frame.end()));
    CHECK(records[2].header.kind == CaptureKind::delivered);
    CHECK(records[2].header.other == lab.priv_host);
    CHECK(records[3].header.kind == CaptureKind::received);
    CHECK(records[4].header.kind == CaptureKind::dropped);
    REQUIRE(inner.drops.size() == 1);
    CHECK(records[4].header.reason == inner.drops[0].second);  // the reason the pipeline gave (no host of the region answers there)
    CHECK(records[4].header.reason == DropReason::no_internet_host);
    for (const auto& r : records) {
        CHECK(r.header.port == lab.pub_host);
        CHECK(r.header.original == r.bytes.size());
        CHECK(r.header.time_ns > 0);
    }
    CHECK(session->frames == 5);

    captures.stop(*session);
    CHECK_FALSE(captures.any());
    CHECK_FALSE(captures.watching(lab.pub_host));
}

TEST_CASE("capture: the snapshot length cuts frames, the original length stays; sessions are bounded") {
    CaptureLab c(true, 64);
    auto& [lab, captures, session, scratch] = c;
    test::RecordingSink inner;
    c.send(inner, lab.pub_host, test::frame_of(lab.mac(lab.pub_host), test::build_packet({17, test::PipelineLab::pub_ip, test::PipelineLab::priv_ip, 5000, 53}, 500)));
    const auto records = drain(session->ring);
    REQUIRE(records.size() == 2);
    CHECK(records[0].bytes.size() == 64);
    CHECK(records[0].header.original == 14 + 20 + 8 + 500);
    for (std::size_t i = 1; i < PacketCaptures::max_sessions; ++i) CHECK(captures.start(lab.priv_host, 262144, PacketCaptures::Clock::now()) != nullptr);
    CHECK(captures.start(lab.priv_host, 262144, PacketCaptures::Clock::now()) == nullptr);
    // A port that is gone (its instance terminated): its sessions stop at once, the others go on.
    captures.expire(PacketCaptures::Clock::now(), [gone = lab.priv_host](routing::PortIndex port) { return port != gone; });
    CHECK(captures.watching(lab.pub_host));
    CHECK_FALSE(captures.watching(lab.priv_host));
    // Nobody polls: after the idle limit, every session stops and its ring's memory goes.
    captures.expire(PacketCaptures::Clock::now() + PacketCaptures::idle_limit + std::chrono::seconds(1), [](routing::PortIndex) { return true; });
    CHECK_FALSE(captures.any());
    CHECK(captures.find(session->id) == nullptr);
}

TEST_CASE("capture: no heap allocation per frame while a session runs, full ring or not") {
    CaptureLab c;
    auto& [lab, captures, session, scratch] = c;
    test::CountingSink inner;
    const test::PortFrames originals = {
        {lab.pub_host, test::frame_of(lab.mac(lab.pub_host), test::build_packet({6, test::PipelineLab::pub_ip, test::PipelineLab::priv_ip, 40000, 80}))},
        {lab.priv_host, test::frame_of(lab.mac(lab.priv_host), test::build_packet({6, test::PipelineLab::priv_ip, test::PipelineLab::pub_ip, 80, 40000}))},
        {lab.pub_host, test::frame_of(lab.mac(lab.pub_host), test::build_packet({17, test::PipelineLab::pub_ip, 0xac100001, 5000, 53}))},
    };
    auto frames = originals;
    const std::size_t before = allocations.load();
    for (int round = 0; round < 4000; ++round) {
        for (std::size_t k = 0; k < frames.size(); ++k) {
            std::memcpy(frames[k].second.data(), originals[k].second.data(), frames[k].second.size());
            c.send(inner, frames[k].first, wire::Bytes(frames[k].second));
        }
        if (round % 2 == 0) continue;  // polled now and then, a few frames at a time, as the control loop does
        CapturedFrameHeader h;
        wire::ConstBytes b;
        for (int i = 0; i < 3 && session->ring.front(h, b); ++i) session->ring.pop();
    }
    CHECK(allocations.load() - before == 0);
    CHECK(inner.sent == 4000u * 2);
    CHECK(session->frames > 0);
}

TEST_CASE("capture: what the router itself sends to a watched port (a load balancer's health check) is delivered to it") {
    CaptureLab c(false);
    auto& [lab, captures, session, scratch] = c;
    test::RecordingSink inner;
    // As EventLoop::check_health sends its probes: no ingress port, the frame built by the router.
    CapturingSink sink(inner, captures, routing::no_port);
    const auto probe = test::frame_of(lab.mac(lab.priv_host), test::build_packet({6, 0x0a0a0164, test::PipelineLab::priv_ip, 40000, 80}));
    sink.transmit(lab.priv_host, probe);
    sink.transmit(lab.pub_host, probe);  // not watched
    sink.drop(lab.priv_host, probe, DropReason::security_group_ingress);
    REQUIRE(inner.sent.size() == 2);
    const auto records = drain(session->ring);
    REQUIRE(records.size() == 2);
    CHECK(records[0].header.kind == CaptureKind::delivered);
    CHECK(records[0].header.other == routing::no_port);
    CHECK(records[1].header.kind == CaptureKind::dropped);
    CHECK(records[1].header.reason == DropReason::security_group_ingress);
}
