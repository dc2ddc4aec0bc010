// Capture sessions, their rings, and the sink that copies a frame's sends and drops into them.
#include "router/data_path/packet_capture.hpp"

#include <time.h>

#include <cstring>

#include "wire/vnet_header.hpp"

namespace vpclab::router {

const char* name_of(CaptureKind kind) {
    switch (kind) {
        case CaptureKind::received: return "received";
        case CaptureKind::forwarded: return "forwarded";
        case CaptureKind::dropped: return "dropped";
        case CaptureKind::delivered: return "delivered";
    }
    return "?";
}

bool CaptureRing::push(const CapturedFrameHeader& header, wire::ConstBytes frame) noexcept {
    const std::size_t need = record_size(header.captured);
    const std::size_t capacity = bytes_.size();
    if (used_ == 0) head_ = tail_ = wrap_at_ = 0;  // empty: all of it is one free stretch
    std::size_t at;
    if (wrap_at_ == 0 && capacity - tail_ >= need) {
        at = tail_;  // after the newest record
    } else if (wrap_at_ == 0 && head_ >= need && tail_ > 0) {
        at = 0;  // at the start, before the oldest: the end's rest is a gap until the reader passes it
        wrap_at_ = tail_;
        used_ += capacity - tail_;
    } else if (wrap_at_ != 0 && head_ - tail_ >= need) {
        at = tail_;  // wrapped: between the newest and the oldest
    } else {
        ++lost_;
        return false;
    }
    std::memcpy(bytes_.data() + at, &header, sizeof header);
    if (header.captured > 0) std::memcpy(bytes_.data() + at + sizeof header, frame.data(), header.captured);  // an empty span's data() may be null
    tail_ = at + need;
    used_ += need;
    return true;
}

bool CaptureRing::front(CapturedFrameHeader& header, wire::ConstBytes& frame) const noexcept {
    if (used_ == 0) return false;
    std::memcpy(&header, bytes_.data() + head_, sizeof header);
    frame = wire::ConstBytes(bytes_.data() + head_ + sizeof header, header.captured);
    return true;
}

void CaptureRing::pop() noexcept {
    CapturedFrameHeader header;
    wire::ConstBytes frame;
    if (!front(header, frame)) return;
    const std::size_t size = record_size(header.captured);
    head_ += size;
    used_ -= size;
    if (wrap_at_ != 0 && head_ == wrap_at_) {  // the records at the end are read: the gap goes, reading goes on at 0
        used_ -= bytes_.size() - wrap_at_;
        head_ = 0;
        wrap_at_ = 0;
    }
    if (used_ == 0) head_ = tail_ = wrap_at_ = 0;
}

PacketCaptures::Session* PacketCaptures::start(routing::PortIndex port, std::uint32_t snap_length, Clock::time_point now) {
    for (auto& s : sessions_) {
        if (s.active) continue;
        s.ring = CaptureRing(ring_bytes);  // may throw: nothing changed yet
        s.active = true;
        s.id = ++last_id_;
        s.port = port;
        s.snap_length = snap_length;
        s.last_poll = now;
        s.frames = 0;
        ++active_;
        return &s;
    }
    return nullptr;
}

PacketCaptures::Session* PacketCaptures::find(std::uint64_t id) noexcept {
    for (auto& s : sessions_)
        if (s.active && s.id == id) return &s;
    return nullptr;
}

void PacketCaptures::stop(Session& session) noexcept {
    if (!session.active) return;
    session.active = false;
    session.port = routing::no_port;
    session.ring = CaptureRing();  // its memory goes back
    --active_;
}

bool PacketCaptures::watching(routing::PortIndex port) const noexcept {
    if (active_ == 0) return false;
    for (const auto& s : sessions_)
        if (s.active && s.port == port) return true;
    return false;
}

void PacketCaptures::record(CaptureKind kind, routing::PortIndex port, routing::PortIndex other, DropReason reason, wire::ConstBytes frame) noexcept {
    // What a TAP carries starts with the virtio-net header; a capture shows the Ethernet frame.
    const wire::ConstBytes ethernet = frame.size() >= wire::VnetHeader::length ? frame.subspan(wire::VnetHeader::length) : wire::ConstBytes();
    timespec now{};
    ::clock_gettime(CLOCK_REALTIME, &now);
    for (auto& s : sessions_) {
        if (!s.active || s.port != port) continue;
        CapturedFrameHeader header;
        header.time_ns = static_cast<std::uint64_t>(now.tv_sec) * 1'000'000'000ULL + static_cast<std::uint64_t>(now.tv_nsec);
        header.original = static_cast<std::uint32_t>(ethernet.size());
        header.captured = std::min<std::uint32_t>(header.original, s.snap_length);
        header.port = port;
        header.other = other;
        header.kind = kind;
        header.reason = reason;
        if (s.ring.push(header, ethernet)) ++s.frames;
    }
}

void CapturingSink::transmit(routing::PortIndex port, wire::ConstBytes frame) noexcept {
    if (captures_.watching(port)) captures_.record(CaptureKind::delivered, port, ingress_, DropReason{}, frame);
    if (port != ingress_ && captures_.watching(ingress_)) captures_.record(CaptureKind::forwarded, ingress_, port, DropReason{}, frame);
    inner_.transmit(port, frame);
}

void CapturingSink::drop(routing::PortIndex port, wire::ConstBytes frame, DropReason reason) noexcept {
    if (captures_.watching(ingress_)) captures_.record(CaptureKind::dropped, ingress_, routing::no_port, reason, frame);
    // Dropped on its way in to a watched ENI (its network ACL or security groups): what it never received.
    if (port != ingress_ && captures_.watching(port)) captures_.record(CaptureKind::dropped, port, ingress_, reason, frame);
    inner_.drop(port, frame, reason);
}

void CapturingSink::drop_by_network_acl(routing::PortIndex port, wire::ConstBytes frame, DropReason reason, std::uint32_t acl,
                                        std::uint16_t rule_number) noexcept {
    if (captures_.watching(ingress_)) captures_.record(CaptureKind::dropped, ingress_, routing::no_port, reason, frame);
    if (port != ingress_ && captures_.watching(port)) captures_.record(CaptureKind::dropped, port, ingress_, reason, frame);
    inner_.drop_by_network_acl(port, frame, reason, acl, rule_number);
}

}  // namespace vpclab::router
