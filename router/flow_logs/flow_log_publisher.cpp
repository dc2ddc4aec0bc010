// Closing aggregation windows and publishing their records, in each flow log's format, to its destination.
#include "router/flow_logs/flow_log_publisher.hpp"

#include <zlib.h>

#include <algorithm>
#include <ctime>
#include <map>

#include "router/flow_logs/flow_log_recorder.hpp"
#include "routing/aws_account.hpp"
#include "routing/resource_ids.hpp"

namespace vpclab::router {

using routing::FlowLogField;

std::string availability_zone_id(const std::string& zone) {
    // ap-northeast-2a → "ap" + "ne" (north-east) + "2" + "-az" + 1 (a).
    if (zone.size() < 2) return "-";
    const std::string region = zone.substr(0, zone.size() - 1);
    const char letter = zone.back();
    const auto first = region.find('-'), last = region.rfind('-');
    if (first == std::string::npos || last == first || letter < 'a' || letter > 'z') return "-";
    const std::string area = region.substr(first + 1, last - first - 1);
    std::string compass;
    for (const char* word : {"north", "south", "east", "west", "central"})
        if (area.find(word) != std::string::npos) compass.push_back(word[0]);
    // "northeast": n before e; "southeast": s before e.
    std::sort(compass.begin(), compass.end(), [&](char a, char b) { return area.find(a) < area.find(b); });
    return region.substr(0, first) + compass + region.substr(last + 1) + "-az" + std::to_string(letter - 'a' + 1);
}

namespace {

// The AWS service a public address belongs to (pkt-src-aws-service): S3 and DynamoDB by name, any other
// service of the region AMAZON; "-" for an address of no service.
std::string aws_service_of(const routing::VpcModel& m, std::uint32_t address) {
    for (const auto& offer : m.services())
        if (offer.block.contains(address)) {
            const std::string name = offer.service_name.substr(offer.service_name.rfind('.') + 1);
            if (name == "s3") return "S3";
            if (name == "dynamodb") return "DYNAMODB";
            return "AMAZON";
        }
    return "-";
}

std::string zone_of(const routing::VpcModel& m, const routing::NetworkInterface& eni) {
    for (const auto& s : m.subnets())
        if (s.id == eni.subnet_id) return s.availability_zone;
    return {};
}

}  // namespace

std::string render_flow_record(const routing::VpcModel& m, const routing::FlowLog& log, const routing::NetworkInterface& eni, const FlowRecord& r,
                               const char* status) {
    const bool ok = std::string_view(status) == "OK";
    int version = 2;
    for (FlowLogField f : log.fields) version = std::max(version, routing::version_of(f));
    const FlowRecordKey& k = r.key;
    const bool ports = k.protocol == 6 || k.protocol == 17;
    std::string out;
    for (FlowLogField f : log.fields) {
        std::string v = "-";
        switch (f) {
            case FlowLogField::version: v = std::to_string(version); break;
            case FlowLogField::account_id: v = routing::lab_account_id; break;
            case FlowLogField::interface_id: v = eni.id; break;
            case FlowLogField::start: v = std::to_string(r.first); break;
            case FlowLogField::end: v = std::to_string(r.last); break;
            case FlowLogField::log_status: v = status; break;
            default: break;
        }
        if (ok) switch (f) {
                case FlowLogField::srcaddr:
                case FlowLogField::pkt_srcaddr: v = routing::format_ipv4(k.source); break;
                case FlowLogField::dstaddr:
                case FlowLogField::pkt_dstaddr: v = routing::format_ipv4(k.destination); break;
                case FlowLogField::srcport: v = std::to_string(ports ? k.source_port : 0); break;
                case FlowLogField::dstport: v = std::to_string(ports ? k.destination_port : 0); break;
                case FlowLogField::protocol: v = std::to_string(k.protocol); break;
                case FlowLogField::packets: v = std::to_string(r.packets); break;
                case FlowLogField::bytes: v = std::to_string(r.bytes); break;
                case FlowLogField::action: v = k.action == FlowAction::accept ? "ACCEPT" : "REJECT"; break;
                case FlowLogField::vpc_id: v = eni.vpc_id; break;
                case FlowLogField::subnet_id: v = eni.subnet_id; break;
                case FlowLogField::instance_id: v = eni.instance_id.empty() ? "-" : eni.instance_id; break;
                case FlowLogField::tcp_flags: v = std::to_string(r.tcp_flags); break;
                case FlowLogField::type: v = "IPv4"; break;
                case FlowLogField::region: v = m.region(); break;
                case FlowLogField::az_id: v = availability_zone_id(zone_of(m, eni)); break;
                case FlowLogField::pkt_src_aws_service: v = aws_service_of(m, k.source); break;
                case FlowLogField::pkt_dst_aws_service: v = aws_service_of(m, k.destination); break;
                case FlowLogField::flow_direction: v = k.direction == FlowDirection::egress ? "egress" : "ingress"; break;
                case FlowLogField::traffic_path: v = r.traffic_path ? std::to_string(r.traffic_path) : "-"; break;
                default: break;
            }
        if (!out.empty()) out.push_back(' ');
        out += v;
    }
    return out;
}

FlowLogPublisher::FlowLogPublisher(std::size_t capacity) : minute(capacity), ten_minutes(capacity) {}

std::uint32_t FlowLogPublisher::window_seconds(int max_aggregation_interval, int speedup) {
    return static_cast<std::uint32_t>(std::max(1, max_aggregation_interval / std::max(1, speedup)));
}

void FlowLogPublisher::refresh(const routing::VpcModel& m, const routing::ForwardingSnapshot& snap) {
    std::vector<std::uint8_t> next(snap.port_limit(), 0);
    for (const auto& eni : m.network_interfaces()) {
        if (eni.port >= next.size() || !snap.is_eni(eni.port)) continue;
        for (const routing::FlowLog* f : m.flow_logs_of(eni)) next[eni.port] |= f->max_aggregation_interval == 60 ? flow_window_minute : flow_window_ten_minutes;
    }
    coverage.swap(next);
    active_ = !m.flow_logs().empty();
}

std::size_t FlowLogPublisher::tick(const routing::VpcModel& m, const routing::ForwardingSnapshot& snap, LogStore& logs, const std::filesystem::path& s3_root,
                                   int speedup, std::int64_t now_ms) {
    const auto now = static_cast<std::uint32_t>(now_ms / 1000);
    if (!active_) {  // the last flow log went: what was aggregated has nowhere to go, and the next one starts afresh
        for (FlowAggregator* w : windows) w->take([](const FlowRecord&) {}, [](std::uint16_t, std::uint32_t) {});
        window_start_[0] = window_start_[1] = 0;
        return 0;
    }
    std::size_t published = 0;
    for (int w = 0; w < 2; ++w) {
        const std::uint32_t length = window_seconds(w == 0 ? 60 : 600, speedup);
        if (window_start_[w] == 0) window_start_[w] = now;
        if (now - window_start_[w] < length) continue;
        published += publish(w, m, snap, logs, s3_root, window_start_[w], now, now_ms);
        window_start_[w] = now;
    }
    return published;
}

namespace {

// One S3 object per flow log per window: gzip, a header line of the format's field names, then the records
// (VPC User Guide, "Flow log files": bucket/prefix/AWSLogs/account/vpcflowlogs/region/yyyy/mm/dd/
// account_vpcflowlogs_region_flow-log-id_YYYYMMDDTHHmmZ_hash.log.gz).
void write_s3_object(const std::filesystem::path& root, const routing::VpcModel& m, const routing::FlowLog& log, const std::vector<std::string>& lines,
                     std::uint32_t end) {
    const std::string rest = log.log_destination.substr(std::string("arn:aws:s3:::").size());
    std::tm tm{};
    const std::time_t t = end;
    ::gmtime_r(&t, &tm);
    char day[16], stamp[32];
    std::strftime(day, sizeof day, "%Y/%m/%d", &tm);
    std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%MZ", &tm);
    std::string header;
    for (FlowLogField f : log.fields) header += (header.empty() ? "" : " ") + std::string(routing::name_of(f));
    std::string body = header + "\n";
    for (const auto& l : lines) body += l + "\n";
    char hash[16];
    std::snprintf(hash, sizeof hash, "%08x", static_cast<unsigned>(routing::stable_hash(body) & 0xffffffffu));
    const std::string account = routing::lab_account_id;
    std::filesystem::path dir = root / rest;  // bucket/prefix/ (checked when the flow log was made: no . or .. parts)
    dir /= "AWSLogs/" + account + "/vpcflowlogs/" + m.region() + "/" + day;
    const std::string normal = dir.lexically_normal().string(), under = root.lexically_normal().string() + "/";
    if (normal.rfind(under, 0) != 0) return;  // never outside the stack's directory, whatever the model holds
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return;
    const std::filesystem::path file = dir / (account + "_vpcflowlogs_" + m.region() + "_" + log.id + "_" + stamp + "_" + hash + ".log.gz");
    gzFile gz = ::gzopen(file.c_str(), "wb");
    if (!gz) return;
    ::gzwrite(gz, body.data(), static_cast<unsigned>(body.size()));
    ::gzclose(gz);
}

}  // namespace

std::size_t FlowLogPublisher::publish(int w, const routing::VpcModel& m, const routing::ForwardingSnapshot& snap, LogStore& logs,
                                      const std::filesystem::path& s3_root, std::uint32_t start, std::uint32_t end, std::int64_t now_ms) {
    const int interval = w == 0 ? 60 : 600;
    std::vector<const routing::FlowLog*> flow_logs;
    for (const auto& f : m.flow_logs())
        if (f.max_aggregation_interval == interval) flow_logs.push_back(&f);
    std::vector<bool> seen(snap.port_limit(), false);
    std::map<std::string, std::vector<std::string>> s3_lines;  // by flow log ID
    std::size_t published = 0;
    auto deliver = [&](const routing::FlowLog& f, const routing::NetworkInterface& eni, const FlowRecord& r, const char* status) {
        std::string line = render_flow_record(m, f, eni, r, status);
        if (f.log_destination_type == "s3") s3_lines[f.id].push_back(std::move(line));
        else logs.put(f.log_group_name, eni.id + "-all", std::int64_t{r.first} * 1000, std::move(line), now_ms);
        ++published;
    };
    auto window_record = [&](routing::PortIndex port) {
        FlowRecord r;
        r.key.port = static_cast<std::uint16_t>(port);
        r.first = start;
        r.last = end;
        return r;
    };
    windows[w]->take(
        [&](const FlowRecord& r) {
            const routing::NetworkInterface* eni = m.interface_on_port(r.key.port);
            if (!eni) return;
            if (r.key.port < seen.size()) seen[r.key.port] = true;
            for (const routing::FlowLog* f : flow_logs) {
                if (!f->covers(*eni)) continue;
                const bool accepted = r.key.action == FlowAction::accept;
                if ((f->traffic_type == "ACCEPT" && !accepted) || (f->traffic_type == "REJECT" && accepted)) continue;
                deliver(*f, *eni, r, "OK");
            }
        },
        [&](std::uint16_t port, std::uint32_t) {
            const routing::NetworkInterface* eni = m.interface_on_port(port);
            if (!eni) return;
            if (port < seen.size()) seen[port] = true;
            for (const routing::FlowLog* f : flow_logs)
                if (f->covers(*eni)) deliver(*f, *eni, window_record(port), "SKIPDATA");
        });
    // An ENI the flow log covers that had no traffic in the window: NODATA.
    for (const routing::FlowLog* f : flow_logs)
        for (const auto& eni : m.network_interfaces())
            if (snap.is_eni(eni.port) && eni.port < seen.size() && !seen[eni.port] && f->covers(eni))
                deliver(*f, eni, window_record(eni.port), "NODATA");
    if (!s3_root.empty())
        for (const auto& [id, lines] : s3_lines)
            for (const routing::FlowLog* f : flow_logs)
                if (f->id == id && objects_written_[id]++ < max_objects_per_flow_log) write_s3_object(s3_root, m, *f, lines, end);
    return published;
}

}  // namespace vpclab::router
