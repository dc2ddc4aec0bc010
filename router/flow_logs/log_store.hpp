// The lab's CloudWatch Logs: log groups, their streams and events, as the CloudWatch Logs API shows them
// (DescribeLogGroups, DescribeLogStreams, GetLogEvents, FilterLogEvents). Flow logs publish here.
//
// Bounded: at most max_events events and max_bytes of messages in all (each message at most
// max_message_bytes); past either, the oldest event of the stream being written is dropped first, then of
// the largest stream, so a busy ENI cannot take the room the others' records need. At most max_groups
// groups of max_streams streams each.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>

namespace vpclab::router {

struct LogEvent {
    std::int64_t timestamp = 0, ingestion_time = 0;  // milliseconds since the epoch
    std::uint64_t id = 0;                            // per store, in ingestion order (FilterLogEvents' eventId)
    std::string message;
};

struct LogStream {
    std::string name;
    std::int64_t creation_time = 0, first_event = 0, last_event = 0, last_ingestion = 0;
    std::uint64_t stored_bytes = 0;
    std::deque<LogEvent> events;  // in ingestion order
};

struct LogGroup {
    std::string name;
    std::int64_t creation_time = 0;
    std::map<std::string, LogStream> streams;
    std::uint64_t stored_bytes() const;
};

class LogStore {
public:
    static constexpr std::size_t max_events = 200'000, max_bytes = 64u << 20, max_message_bytes = 4096, max_groups = 100, max_streams = 4096;
    // The group, created if new (false: the store holds max_groups already).
    LogGroup* ensure_group(const std::string& name, std::int64_t now_ms);
    const LogGroup* group(const std::string& name) const;
    // Appends to the stream (created if new); false when the group or stream cannot be made (bounds).
    bool put(const std::string& group, const std::string& stream, std::int64_t timestamp_ms, std::string message, std::int64_t now_ms);
    bool delete_group(const std::string& name);
    const std::map<std::string, LogGroup>& groups() const { return groups_; }
    std::size_t events() const { return events_; }
    std::size_t bytes() const { return bytes_; }
    std::uint64_t dropped() const { return dropped_; }  // events evicted to stay within max_events

private:
    void evict_one(LogStream& writing);
    std::map<std::string, LogGroup> groups_;
    std::size_t events_ = 0, bytes_ = 0;
    std::uint64_t dropped_ = 0, next_id_ = 1;
};

}  // namespace vpclab::router
