// The lab's CloudWatch Logs store, bounded in groups, streams and events.
#include "router/flow_logs/log_store.hpp"

namespace vpclab::router {

std::uint64_t LogGroup::stored_bytes() const {
    std::uint64_t total = 0;
    for (const auto& [name, s] : streams) total += s.stored_bytes;
    return total;
}

LogGroup* LogStore::ensure_group(const std::string& name, std::int64_t now_ms) {
    auto it = groups_.find(name);
    if (it != groups_.end()) return &it->second;
    if (groups_.size() >= max_groups) return nullptr;
    LogGroup& g = groups_[name];
    g.name = name;
    g.creation_time = now_ms;
    return &g;
}

const LogGroup* LogStore::group(const std::string& name) const {
    const auto it = groups_.find(name);
    return it == groups_.end() ? nullptr : &it->second;
}

bool LogStore::delete_group(const std::string& name) {
    const auto it = groups_.find(name);
    if (it == groups_.end()) return false;
    for (const auto& [n, s] : it->second.streams) {
        events_ -= s.events.size();
        bytes_ -= s.stored_bytes;
    }
    groups_.erase(it);
    return true;
}

void LogStore::evict_one(LogStream& writing) {
    LogStream* from = writing.events.empty() ? nullptr : &writing;
    if (!from)
        for (auto& [gn, g] : groups_)
            for (auto& [sn, s] : g.streams)
                if (!from || s.events.size() > from->events.size()) from = &s;
    if (!from || from->events.empty()) return;
    from->stored_bytes -= from->events.front().message.size();
    bytes_ -= from->events.front().message.size();
    from->events.pop_front();
    --events_;
    ++dropped_;
}

bool LogStore::put(const std::string& group, const std::string& stream, std::int64_t timestamp_ms, std::string message, std::int64_t now_ms) {
    LogGroup* g = ensure_group(group, now_ms);
    if (!g) return false;
    auto it = g->streams.find(stream);
    if (it == g->streams.end()) {
        if (g->streams.size() >= max_streams) return false;
        it = g->streams.emplace(stream, LogStream{}).first;
        it->second.name = stream;
        it->second.creation_time = now_ms;
    }
    LogStream& s = it->second;
    if (message.size() > max_message_bytes) message.resize(max_message_bytes);
    while (events_ > 0 && (events_ >= max_events || bytes_ + message.size() > max_bytes)) evict_one(s);
    s.stored_bytes += message.size();
    bytes_ += message.size();
    if (s.events.empty() || timestamp_ms < s.first_event) s.first_event = timestamp_ms;
    if (timestamp_ms > s.last_event) s.last_event = timestamp_ms;
    s.last_ingestion = now_ms;
    s.events.push_back({timestamp_ms, now_ms, next_id_++, std::move(message)});
    ++events_;
    return true;
}

}  // namespace vpclab::router
