// The flow log records of one aggregation window, as the data path adds to them (VPC User Guide, "Flow log
// records": "a flow log record represents a network flow … captured and aggregated within an aggregation
// interval"): one record per ENI, direction, action and 5-tuple, its packets, bytes, first and last
// seconds, and TCP flags ORed.
//
// Bounded, and allocated once: `capacity` records in a slot array twice that size (open addressing,
// linear probing; 56-byte slots), and per-port counts: 2.5 MiB at the default 16,384 (memory_bytes()). One ENI may hold at most a quarter of the
// records, so a flood from one instance cannot take the room the others' records need; a record that
// finds no room is counted as skipped for its ENI, and the window's records say SKIPDATA for it, as AWS
// does when "some flow log records were skipped during the aggregation interval". add() never allocates
// and never throws; take() (control side, when the window closes) hands out the records and empties it.
#pragma once

#include <cstdint>
#include <vector>

namespace vpclab::router {

enum class FlowDirection : std::uint8_t { ingress, egress };
enum class FlowAction : std::uint8_t { accept, reject };

struct FlowRecordKey {
    std::uint16_t port = 0;  // the ENI's router port
    FlowDirection direction = FlowDirection::ingress;
    FlowAction action = FlowAction::accept;
    std::uint8_t protocol = 0;
    std::uint32_t source = 0, destination = 0;
    std::uint16_t source_port = 0, destination_port = 0;
    friend bool operator==(const FlowRecordKey&, const FlowRecordKey&) = default;
};

struct FlowRecord {
    FlowRecordKey key;
    std::uint64_t packets = 0, bytes = 0;
    std::uint32_t first = 0, last = 0;  // seconds since the epoch
    std::uint8_t tcp_flags = 0;         // ORed over the window (VPC User Guide: "the bitmask value")
    std::uint8_t traffic_path = 0;      // egress: how it left (0: not known)
    bool used = false;
};

class FlowAggregator {
public:
    static constexpr std::size_t default_capacity = 16384;
    explicit FlowAggregator(std::size_t capacity = default_capacity);

    // Adds one frame's packets to its record (created if new). False: no room (full, or the ENI holds its
    // share): counted as skipped for the ENI.
    bool add(const FlowRecordKey& key, std::uint32_t packets, std::uint32_t bytes, std::uint8_t tcp_flags, std::uint8_t traffic_path,
             std::uint32_t now) noexcept;

    // The window's records (in slot order) and each ENI's skipped count, handed to `record(const FlowRecord&)`
    // and `skipped(std::uint16_t port, std::uint32_t count)`; the aggregator is empty after.
    template <class Record, class Skipped>
    void take(Record&& record, Skipped&& skipped) {
        for (auto& slot : slots_)
            if (slot.used) {
                record(static_cast<const FlowRecord&>(slot));
                held_[slot.key.port] = 0;
                slot = FlowRecord{};
            }
        for (std::uint32_t port : skipped_ports_) {
            skipped(static_cast<std::uint16_t>(port), skipped_[port]);
            skipped_[port] = 0;
        }
        skipped_ports_.clear();
        size_ = 0;
    }

    std::size_t size() const { return size_; }
    std::size_t capacity() const { return capacity_; }
    std::size_t per_port_limit() const { return capacity_ / 4; }
    std::size_t memory_bytes() const;

private:
    std::size_t capacity_, size_ = 0;
    std::vector<FlowRecord> slots_;            // 2 × capacity, a power of two
    std::vector<std::uint32_t> held_;          // records per port (65,536 ports)
    std::vector<std::uint32_t> skipped_;       // frames without room, per port
    std::vector<std::uint32_t> skipped_ports_; // the ports with skipped_ > 0 (reserved: never grows past 65,536)
};

}  // namespace vpclab::router
