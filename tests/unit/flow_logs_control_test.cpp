// CreateFlowLogs, DescribeFlowLogs, DeleteFlowLogs and the CloudWatch Logs API over the lab's store:
// what they answer, what they refuse (changing nothing), and a flow log's records published end to end
// from frames through the data path to its log group.
#include <doctest/doctest.h>

#include "router/control/control_api.hpp"
#include "router/flow_logs/flow_log_publisher.hpp"
#include "router/flow_logs/flow_log_recorder.hpp"
#include "tests/unit/packet_builder.hpp"
#include "tests/unit/control_lab.hpp"
#include "tests/unit/pipeline_lab.hpp"
#include "tests/unit/recording_sink.hpp"

using namespace vpclab;
using namespace vpclab::router;
using nlohmann::json;

namespace {

using FlowLogLab = test::ControlLab;

}  // namespace

TEST_CASE("CreateFlowLogs: per resource, with the log group made; DescribeFlowLogs' Filter; DeleteFlowLogs") {
    FlowLogLab s;
    const json created = s.ok("CreateFlowLogs", {{"ResourceType", "VPC"}, {"ResourceIds", {s.lab.vpc, "vpc-00000000000000000"}}, {"TrafficType", "REJECT"},
                                                 {"LogGroupName", "class/flows"}, {"MaxAggregationInterval", "60"},
                                                 {"DeliverLogsPermissionArn", "arn:aws:iam::123456789012:role/flow-logs"}});
    REQUIRE(created["FlowLogIds"].size() == 1);
    const std::string id = created["FlowLogIds"][0];
    CHECK(id.rfind("fl-", 0) == 0);
    REQUIRE(created["Unsuccessful"].size() == 1);
    CHECK(created["Unsuccessful"][0]["ResourceId"] == "vpc-00000000000000000");
    CHECK(created["Unsuccessful"][0]["Error"]["Code"] == "InvalidVpcID.NotFound");
    CHECK(s.state.logs.group("class/flows") != nullptr);
    const json described = s.ok("DescribeFlowLogs", {{"FlowLogIds", {id}}})["FlowLogs"][0];
    CHECK(described["ResourceId"] == s.lab.vpc);
    CHECK(described["TrafficType"] == "REJECT");
    CHECK(described["FlowLogStatus"] == "ACTIVE");
    CHECK(described["DeliverLogsStatus"] == "SUCCESS");
    CHECK(described["LogDestinationType"] == "cloud-watch-logs");
    CHECK(described["LogDestination"] == "arn:aws:logs:ap-northeast-2:" + std::string(routing::lab_account_id) + ":log-group:class/flows");
    CHECK(described["LogFormat"] == routing::default_flow_log_format());
    CHECK(described["MaxAggregationInterval"] == 60);
    CHECK(s.ok("DescribeFlowLogs", {{"Filter", {{{"Name", "traffic-type"}, {"Values", {"REJECT"}}}}}})["FlowLogs"].size() == 1);
    CHECK(s.ok("DescribeFlowLogs", {{"Filter", {{{"Name", "traffic-type"}, {"Values", {"ACCEPT"}}}}}})["FlowLogs"].empty());
    CHECK(s.ok("DescribeFlowLogs", {{"Filter", {{{"Name", "deliver-log-status"}, {"Values", {"SUCCESS"}}}}}})["FlowLogs"].size() == 1);

    // The same flow log again: FlowLogAlreadyExists for that resource; an S3 one beside it is another.
    const json again = s.ok("CreateFlowLogs", {{"ResourceType", "VPC"}, {"ResourceIds", {s.lab.vpc}}, {"TrafficType", "REJECT"}, {"LogGroupName", "class/flows"}});
    CHECK(again["FlowLogIds"].empty());
    CHECK(again["Unsuccessful"][0]["Error"]["Code"] == "FlowLogAlreadyExists");
    const json s3 = s.ok("CreateFlowLogs", {{"ResourceType", "Subnet"}, {"ResourceIds", {s.lab.pub}}, {"LogDestinationType", "s3"},
                                            {"LogDestination", "arn:aws:s3:::lab-bucket/flows/"},
                                            {"LogFormat", "${version} ${interface-id} ${srcaddr} ${dstaddr} ${action}"}});
    REQUIRE(s3["FlowLogIds"].size() == 1);
    CHECK(s.ok("DescribeFlowLogs", {{"FlowLogIds", {s3["FlowLogIds"][0]}}})["FlowLogs"][0]["DestinationOptions"]["FileFormat"] == "plain-text");

    // Refusals change nothing.
    const json before = s.ok("DescribeFlowLogs", json::object());
    const std::size_t groups = s.state.logs.groups().size();
    for (const json& bad : {json{{"ResourceType", "Vpc"}, {"ResourceIds", {s.lab.vpc}}, {"LogGroupName", "g"}},
                            json{{"ResourceType", "VPC"}, {"ResourceIds", {s.lab.vpc}}, {"LogGroupName", "g"}, {"TrafficType", "SOME"}},
                            json{{"ResourceType", "VPC"}, {"ResourceIds", {s.lab.vpc}}},
                            json{{"ResourceType", "VPC"}, {"ResourceIds", {s.lab.vpc}}, {"LogGroupName", "bad name!"}},
                            json{{"ResourceType", "VPC"}, {"ResourceIds", {s.lab.vpc}}, {"LogGroupName", "g"}, {"LogFormat", "${version} ${nosuch}"}},
                            json{{"ResourceType", "VPC"}, {"ResourceIds", {s.lab.vpc}}, {"LogGroupName", "g"}, {"MaxAggregationInterval", "300"}},
                            json{{"ResourceType", "VPC"}, {"ResourceIds", {s.lab.vpc}}, {"LogDestinationType", "s3"}, {"LogDestination", "arn:aws:s3:::B"}},
                            json{{"ResourceType", "VPC"}, {"ResourceIds", {s.lab.vpc}}, {"LogDestinationType", "s3"}, {"LogDestination", "arn:aws:s3:::bucket/../../../etc/"}},
                            json{{"ResourceType", "VPC"}, {"ResourceIds", {s.lab.vpc}}, {"LogDestinationType", "s3"}, {"LogDestination", "arn:aws:s3:::bucket/a//b/"}},
                            json{{"ResourceType", "VPC"}, {"ResourceIds", {s.lab.vpc}}, {"LogGroupName", "g"}, {"LogFormat", "${srcaddr} ${srcaddr}"}},
                            json{{"ResourceType", "VPC"}, {"ResourceIds", {s.lab.vpc}}, {"LogDestinationType", "kinesis-data-firehose"}, {"LogDestination", "x"}}}) {
        CAPTURE(bad.dump());
        CHECK(s.refused("CreateFlowLogs", bad) == "InvalidParameter");
    }
    CHECK(s.ok("DescribeFlowLogs", json::object()) == before);
    CHECK(s.state.logs.groups().size() == groups);

    const json deleted = s.ok("DeleteFlowLogs", {{"FlowLogIds", {id, "fl-00000000000000000"}}});
    REQUIRE(deleted["Unsuccessful"].size() == 1);
    CHECK(deleted["Unsuccessful"][0]["Error"]["Code"] == "InvalidFlowLogId.NotFound");
    CHECK(s.ok("DescribeFlowLogs", json::object())["FlowLogs"].size() == 1);
    CHECK(s.refused("DescribeFlowLogs", {{"FlowLogIds", {id}}}) == "InvalidFlowLogId.NotFound");
}

TEST_CASE("a flow log end to end: frames through the data path, the window closed, records in the ENIs' streams") {
    FlowLogLab s;
    s.ok("CreateFlowLogs", {{"ResourceType", "VPC"}, {"ResourceIds", {s.lab.vpc}}, {"LogGroupName", "flows"}, {"MaxAggregationInterval", "60"}});
    s.ok("CreateFlowLogs", {{"ResourceType", "NetworkInterface"}, {"ResourceIds", {s.state.model->interface_on_port(s.lab.pub_host)->id}},
                            {"TrafficType", "REJECT"}, {"LogGroupName", "rejects"}, {"MaxAggregationInterval", "60"},
                            {"LogFormat", "${interface-id} ${flow-direction} ${srcaddr} ${dstaddr} ${action}"}});
    FlowLogPublisher publisher(1024);
    publisher.refresh(*s.state.model, *s.state.snapshot);
    REQUIRE(publisher.active());
    const std::int64_t t0 = 1'800'000'000'000;
    CHECK(publisher.tick(*s.state.model, *s.state.snapshot, s.state.logs, {}, 60, t0) == 0);  // the first window opens
    FlowLogRecorder recorder;
    FlowState flows{256, 4096};
    auto send = [&](routing::PortIndex from, const std::vector<std::uint8_t>& packet) {
        auto f = test::frame_of(s.lab.mac(from), packet);
        recorder.begin(*s.state.snapshot, from, f, publisher.coverage.data(), publisher.coverage.size());
        test::RecordingSink sink;
        std::vector<std::uint8_t> scratch(pipeline_scratch_size);
        process_frame(*s.state.snapshot, from, f, scratch, sink, flows, &recorder);
        recorder.finish(publisher.windows, static_cast<std::uint32_t>(t0 / 1000));
    };
    send(s.lab.pub_host, test::build_packet({6, test::PipelineLab::pub_ip, test::PipelineLab::priv_ip, 40000, 22}, 10));
    // 60 / 60: a one-second window; half a second on, it is not due yet.
    CHECK(publisher.tick(*s.state.model, *s.state.snapshot, s.state.logs, {}, 60, t0 + 500) == 0);
    const std::size_t published = publisher.tick(*s.state.model, *s.state.snapshot, s.state.logs, {}, 60, t0 + 1000);
    const std::string pub_eni = s.state.model->interface_on_port(s.lab.pub_host)->id, priv_eni = s.state.model->interface_on_port(s.lab.priv_host)->id;
    const json streams = s.ok("DescribeLogStreams", {{"logGroupName", "flows"}})["logStreams"];
    std::vector<std::string> names;
    for (const auto& st : streams) names.push_back(st["logStreamName"]);
    CHECK(std::find(names.begin(), names.end(), pub_eni + "-all") != names.end());
    CHECK(std::find(names.begin(), names.end(), priv_eni + "-all") != names.end());
    const json events = s.ok("GetLogEvents", {{"logGroupName", "flows"}, {"logStreamName", pub_eni + "-all"}})["events"];
    REQUIRE(events.size() == 1);
    CHECK(events[0]["message"].get<std::string>().find(pub_eni + " 10.10.0.4 10.10.1.4 40000 22 6 1 50 ") != std::string::npos);
    CHECK(events[0]["message"].get<std::string>().find(" ACCEPT OK") != std::string::npos);
    CHECK(events[0]["timestamp"] == t0);
    // The other ENIs of the VPC had no traffic: NODATA. The REJECT-only log had nothing to say.
    const json nodata = s.ok("FilterLogEvents", {{"logGroupName", "flows"}, {"filterPattern", "NODATA"}})["events"];
    CHECK(nodata.size() + 2 == published);  // every record published is the two ACCEPTs or a NODATA
    CHECK(!nodata.empty());
    CHECK(s.ok("FilterLogEvents", {{"logGroupName", "rejects"}, {"filterPattern", "REJECT"}})["events"].empty());
}

TEST_CASE("the CloudWatch Logs API over the lab's store: groups, streams, events, patterns, tokens; refusals") {
    FlowLogLab s;
    const std::int64_t t = 1'800'000'000'000;
    for (int i = 0; i < 30; ++i)
        s.state.logs.put("flows", i % 2 ? "eni-a-all" : "eni-b-all", t + i * 1000,
                         "2 123456789012 eni-x 10.0.0.4 10.0.1.4 40000 " + std::to_string(i % 3 ? 22 : 80) + " 6 1 40 1 2 " + (i % 5 ? "ACCEPT" : "REJECT") + " OK", t + 60'000);
    s.state.logs.ensure_group("other", t);
    CHECK(s.ok("DescribeLogGroups", json::object())["logGroups"].size() == 2);
    const json flows = s.ok("DescribeLogGroups", {{"logGroupNamePrefix", "fl"}})["logGroups"];
    REQUIRE(flows.size() == 1);
    CHECK(flows[0]["logGroupName"] == "flows");
    CHECK(flows[0]["arn"].get<std::string>().find(":log-group:flows:*") != std::string::npos);
    CHECK(s.ok("DescribeLogStreams", {{"logGroupName", "flows"}})["logStreams"].size() == 2);
    CHECK(s.ok("DescribeLogStreams", {{"logGroupName", "flows"}, {"orderBy", "LastEventTime"}, {"descending", true}})["logStreams"][0]["logStreamName"] == "eni-a-all");

    // GetLogEvents: the most recent by default; from the head with the token to go on.
    const json last = s.ok("GetLogEvents", {{"logGroupName", "flows"}, {"logStreamName", "eni-a-all"}, {"limit", "4"}});
    REQUIRE(last["events"].size() == 4);
    CHECK(last["events"][3]["timestamp"] == t + 29'000);
    const json head = s.ok("GetLogEvents", {{"logGroupName", "flows"}, {"logStreamName", "eni-a-all"}, {"limit", "10"}, {"startFromHead", true}});
    REQUIRE(head["events"].size() == 10);
    CHECK(head["events"][0]["timestamp"] == t + 1000);
    const json rest = s.ok("GetLogEvents", {{"logGroupName", "flows"}, {"logStreamName", "eni-a-all"}, {"nextToken", head["nextForwardToken"]}});
    CHECK(rest["events"].size() == 5);
    const json end = s.ok("GetLogEvents", {{"logGroupName", "flows"}, {"logStreamName", "eni-a-all"}, {"nextToken", rest["nextForwardToken"]}});
    CHECK(end["events"].empty());
    CHECK(end["nextForwardToken"] == rest["nextForwardToken"]);  // at the end: the same token

    // FilterLogEvents: the guide's bracket pattern across streams, in time order, paged.
    const json rejects = s.ok("FilterLogEvents", {{"logGroupName", "flows"}, {"filterPattern", "[v, account, eni, src, dst, sport, dport=\"22\", protocol=\"6\", "
                                                                                            "packets, bytes, start, end, action=\"REJECT\", status]"}});
    std::size_t expected = 0;
    for (int i = 0; i < 30; ++i) expected += i % 3 != 0 && i % 5 == 0;
    CHECK(rejects["events"].size() == expected);
    const json page = s.ok("FilterLogEvents", {{"logGroupName", "flows"}, {"limit", "7"}});
    REQUIRE(page["events"].size() == 7);
    CHECK(page["events"][0]["logStreamName"] == "eni-b-all");
    CHECK(page["events"][1]["logStreamName"] == "eni-a-all");
    const json next = s.ok("FilterLogEvents", {{"logGroupName", "flows"}, {"limit", "100"}, {"nextToken", page["nextToken"]}});
    CHECK(next["events"].size() == 23);
    CHECK(!next.contains("nextToken"));
    CHECK(s.ok("FilterLogEvents", {{"logGroupName", "flows"}, {"logStreamNames", {"eni-a-all"}}, {"startTime", std::to_string(t + 20'000)}})["events"].size() == 5);

    CHECK(s.refused("GetLogEvents", {{"logGroupName", "nosuch"}, {"logStreamName", "x"}}) == "ResourceNotFoundException");
    CHECK(s.refused("GetLogEvents", {{"logGroupName", "flows"}, {"logStreamName", "nosuch"}}) == "ResourceNotFoundException");
    CHECK(s.refused("FilterLogEvents", {{"logGroupName", "flows"}, {"filterPattern", "[a, b"}}) == "InvalidParameterException");
    CHECK(s.refused("FilterLogEvents", {{"logGroupName", "flows"}, {"limit", "0"}}) == "InvalidParameterException");
    CHECK(s.refused("GetLogEvents", {{"logGroupName", "flows"}, {"logStreamName", "eni-a-all"}, {"nextToken", "zz"}}) == "InvalidParameterException");
    CHECK(s.refused("DescribeLogStreams", {{"logGroupName", "flows"}, {"orderBy", "LastEventTime"}, {"logStreamNamePrefix", "eni"}}) == "InvalidParameterException");
    CHECK(s.state.logs.events() == 30);
    s.ok("DeleteLogGroup", {{"logGroupName", "flows"}});
    CHECK(s.state.logs.events() == 0);
    CHECK(s.refused("DeleteLogGroup", {{"logGroupName", "flows"}}) == "ResourceNotFoundException");
}

TEST_CASE("the log store stays within its bounds: the oldest events of the stream written go first") {
    LogStore store;
    for (std::size_t i = 0; i < LogStore::max_events + 10; ++i) store.put("g", "s", static_cast<std::int64_t>(i), "m" + std::to_string(i), 0);
    CHECK(store.events() == LogStore::max_events);
    CHECK(store.dropped() == 10);
    CHECK(store.group("g")->streams.at("s").events.front().message == "m10");
    store.put("g", "t", 0, std::string(10'000, 'x'), 0);
    CHECK(store.group("g")->streams.at("t").events.front().message.size() == LogStore::max_message_bytes);
}
