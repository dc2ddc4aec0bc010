// Test helper: a traffic mirror session that copies everything an ENI sends and receives to another ENI (the
// benchmark's and the pipeline fuzzer's mirrored ports).
#pragma once

#include <optional>
#include <string>

#include "routing/vpc_model.hpp"

namespace vpclab::test {

// A target for `target_eni`, a filter accepting all traffic both ways (and the Amazon DNS server's), and
// session 1 on `source_eni`, cut to `packet_length` if given. Returns the session's ID.
inline std::string mirror_everything(routing::VpcModel& m, const std::string& source_eni, const std::string& target_eni,
                                     std::optional<int> packet_length = {}) {
    const std::string target = m.create_traffic_mirror_target("", target_eni, "", "", {}).id;
    const std::string filter = m.create_traffic_mirror_filter("", "", {"amazon-dns"}, {}).id;
    for (const char* direction : {"ingress", "egress"}) {
        routing::TrafficMirrorRuleSpec all;
        all.traffic_direction = direction;
        all.rule_number = 1;
        all.rule_action = "accept";
        all.source_cidr = all.destination_cidr = "0.0.0.0/0";
        m.create_traffic_mirror_filter_rule("", filter, all);
    }
    routing::TrafficMirrorSessionSpec s;
    s.network_interface_id = source_eni;
    s.target_id = target;
    s.filter_id = filter;
    s.session_number = 1;
    s.packet_length = packet_length;
    return m.create_traffic_mirror_session("", s, {}).id;
}

}  // namespace vpclab::test
