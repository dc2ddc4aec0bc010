// Flow logs' delivery: which ports are logged and in which windows (from the model's flow logs), closing
// each aggregation window when it is due, and its records rendered in each flow log's format to its
// destination: the lab's CloudWatch Logs (a stream per ENI, "eni-…-all") or S3 (a gzip object per window
// under the stack's directory, AWS's key layout). VPC User Guide, "Publish flow logs to CloudWatch Logs",
// "Publish flow logs to Amazon S3".
//
// Control-side work on the event loop's thread, once a second (it allocates; the data path only adds to
// the aggregators through FlowLogRecorder). A window is the flow log's MaxAggregationInterval divided by
// the lab's --flow-log-speedup (at least a second), so a class sees its records in seconds, not minutes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "router/flow_logs/flow_aggregator.hpp"
#include "router/flow_logs/log_store.hpp"
#include "routing/forwarding_snapshot.hpp"
#include "routing/vpc_model.hpp"

namespace vpclab::router {

// One record as a flow log's format prints it (fields in order, "-" where one does not apply). `status` is
// OK for a record, NODATA or SKIPDATA for an ENI's window without records (then `r` gives only the port
// and the window's start and end).
std::string render_flow_record(const routing::VpcModel& model, const routing::FlowLog& log, const routing::NetworkInterface& eni, const FlowRecord& r,
                               const char* status);
// "apne2-az1" for ap-northeast-2a: the zone's ID as AWS names them (region code, "-az", the zone's number).
std::string availability_zone_id(const std::string& availability_zone);

class FlowLogPublisher {
public:
    explicit FlowLogPublisher(std::size_t capacity = FlowAggregator::default_capacity);

    FlowAggregator minute, ten_minutes;
    FlowAggregator* const windows[2] = {&minute, &ten_minutes};
    std::vector<std::uint8_t> coverage;  // per port: flow_window_* bits

    bool active() const { return active_; }
    // Recomputes coverage after the model changed (control side).
    void refresh(const routing::VpcModel& model, const routing::ForwardingSnapshot& snapshot);
    // Closes the windows that are due at `now_ms` (epoch milliseconds) and publishes them: to `logs`, and
    // for S3 flow logs under `s3_root` (none: not written). Returns the records published.
    std::size_t tick(const routing::VpcModel& model, const routing::ForwardingSnapshot& snapshot, LogStore& logs, const std::filesystem::path& s3_root,
                     int speedup, std::int64_t now_ms);
    // The window length in seconds of `max_aggregation_interval` at `speedup`.
    static std::uint32_t window_seconds(int max_aggregation_interval, int speedup);
    // S3 objects one flow log writes at most (one per window; 10,000 is about three hours of one-second
    // windows): past that its records are dropped, so a lab left running cannot fill the disk.
    static constexpr std::size_t max_objects_per_flow_log = 10'000;

private:
    bool active_ = false;
    std::uint32_t window_start_[2] = {0, 0};  // epoch seconds; 0: not started
    std::map<std::string, std::size_t> objects_written_;  // per S3 flow log
    std::size_t publish(int window, const routing::VpcModel& model, const routing::ForwardingSnapshot& snapshot, LogStore& logs,
                        const std::filesystem::path& s3_root, std::uint32_t start, std::uint32_t end, std::int64_t now_ms);
};

}  // namespace vpclab::router
