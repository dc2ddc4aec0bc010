// Flow-log recording around a pipeline test lab: what the flow logs tests and the handlers' tests read.
#pragma once

#include <algorithm>
#include <tuple>
#include <utility>
#include <vector>

#include "router/data_path/pipeline.hpp"
#include "router/flow_logs/flow_aggregator.hpp"
#include "router/flow_logs/flow_log_recorder.hpp"
#include "tests/unit/packet_builder.hpp"
#include "tests/unit/recording_sink.hpp"

namespace vpclab::test {

inline auto as_tuple(const router::FlowRecordKey& k) {
    return std::tuple(k.port, k.direction, k.action, k.protocol, k.source, k.destination, k.source_port, k.destination_port);
}

// A pipeline lab (`Lab`: test::PipelineLab or one built on it) with every port logged in the minute window;
// frames go through the flow-log recorder as the event loop sends them.
template <class Lab>
struct LoggedLab {
    Lab lab;
    template <class... Args>
    explicit LoggedLab(Args&&... args) : lab(std::forward<Args>(args)...) { coverage.assign(lab.port_limit() + 4, router::flow_window_minute); }
    router::FlowAggregator minute{256};
    router::FlowAggregator* windows[2] = {&minute, nullptr};
    std::vector<std::uint8_t> coverage;
    std::uint32_t now = 5000;
    // `failed`: the router's write to that port fails (the event loop then records a failed deliver step).
    test::RecordingSink send(routing::PortIndex from, const std::vector<std::uint8_t>& packet, routing::PortIndex failed = routing::no_port) {
        auto f = test::frame_of(lab.mac(from), packet);
        router::FlowLogRecorder recorder;
        recorder.begin(*lab.snap, from, f, coverage.data(), coverage.size());
        test::RecordingSink sink;
        std::vector<std::uint8_t> scratch(router::pipeline_scratch_size);
        router::process_frame(*lab.snap, from, f, scratch, sink, lab.flows, &recorder);
        if (failed != routing::no_port) {
            router::Step s;
            s.stage = router::Stage::deliver;
            s.verdict = router::Verdict::drop;
            s.reason = router::DropReason::transmit_failed;
            s.port = failed;
            recorder.record(s);
        }
        recorder.finish(windows, now);
        return sink;
    }
    std::vector<router::FlowRecord> records() {
        std::vector<router::FlowRecord> out;
        minute.take([&](const router::FlowRecord& r) { out.push_back(r); }, [](std::uint16_t, std::uint32_t) {});
        std::sort(out.begin(), out.end(), [](const router::FlowRecord& a, const router::FlowRecord& b) { return as_tuple(a.key) < as_tuple(b.key); });
        return out;
    }
};

}  // namespace vpclab::test
