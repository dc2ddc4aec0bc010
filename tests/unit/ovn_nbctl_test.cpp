// The OVN backend's reconciler commands (routing/ovn/nbctl_commands.hpp) without daemons: the first seed lab
// from nothing and back to nothing in the order OVN needs, nothing for no change, and a security group rule,
// a membership and a route change as the few commands they are.
#include <doctest/doctest.h>

#include <algorithm>

#include "routing/ovn/nbctl_commands.hpp"
#include "tests/unit/seed_lab_state.hpp"

using namespace vpclab;
using namespace vpclab::routing::ovn;

namespace {

// The commands of one invocation, split at "--".
std::vector<std::vector<std::string>> commands_of(const std::vector<std::string>& args) {
    std::vector<std::vector<std::string>> out(1);
    for (const auto& a : args) {
        if (a == "--") out.emplace_back();
        else out.back().push_back(a);
    }
    if (out.size() == 1 && out[0].empty()) out.clear();
    return out;
}

// The index of the first command whose words start with `prefix`, or -1.
int first(const std::vector<std::vector<std::string>>& cmds, const std::vector<std::string>& prefix) {
    for (std::size_t i = 0; i < cmds.size(); ++i)
        if (cmds[i].size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), cmds[i].begin())) return static_cast<int>(i);
    return -1;
}
int count(const std::vector<std::vector<std::string>>& cmds, const std::string& verb) {
    return static_cast<int>(std::count_if(cmds.begin(), cmds.end(), [&](const auto& c) {
        return std::find(c.begin(), c.end(), verb) != c.end();
    }));
}

const routing::Instance& instance_named(const routing::VpcModel& m, const std::string& name) {
    for (const auto& i : m.instances())
        if (i.display_name() == name) return i;
    FAIL("no instance " << name);
    throw;
}

}  // namespace

TEST_CASE("ovn nbctl: the first seed lab created from nothing, parents first, and removed children first") {
    router::RouterState state;
    test::load_seed_lab(state, "endpoints-lab.yaml", "jh-test");
    const routing::VpcModel& m = *state.model;
    const Northbound nb = compile_northbound(m, {});
    const auto create = commands_of(nbctl_arguments({}, nb));
    const std::string vpc = m.vpcs().front().id;
    const auto& eni = m.network_interface(instance_named(m, "jh-test-Public-EC2").network_interface_ids.front());
    const std::string subnet = eni.subnet_id;

    // Every row made: one command family per table, counted against the rows.
    const auto rows_of = [&](const std::string& table) {
        return static_cast<int>(std::count_if(nb.rows.begin(), nb.rows.end(), [&](const Row& r) { return r.table == table; }));
    };
    CHECK(count(create, "lr-add") == rows_of("Logical_Router"));
    CHECK(count(create, "ls-add") == rows_of("Logical_Switch"));
    CHECK(count(create, "lrp-add") == rows_of("Logical_Router_Port"));
    CHECK(count(create, "lsp-add") == rows_of("Logical_Switch_Port"));
    CHECK(count(create, "pg-add") == rows_of("Port_Group"));
    CHECK(first(create, {"add", "Port_Group"}) >= 0);
    const int acls = static_cast<int>(std::count_if(create.begin(), create.end(), [](const auto& c) { return c.size() > 2 && c[1] == "create" && c[2] == "ACL"; }));
    CHECK(acls == rows_of("ACL"));
    CHECK(count(create, "lr-del") + count(create, "ls-del") + count(create, "acl-del") == 0);

    // Parents before children: the router before its ports, the switch before the instance's port, the port
    // before the group holding it.
    CHECK(first(create, {"lr-add", vpc}) < first(create, {"lrp-add", vpc, "lrp-" + subnet}));
    CHECK(first(create, {"ls-add", subnet}) < first(create, {"lsp-add", subnet, eni.id}));
    CHECK(first(create, {"lsp-add", subnet, eni.id}) < first(create, {"pg-add"}));
    // Values as OVSDB atoms: quoted strings, bare integers; the instance's port security as one string.
    const std::string mac_ip = eni.mac.to_string() + " " + routing::format_ipv4(eni.private_ip);
    CHECK(first(create, {"lsp-set-port-security", eni.id, mac_ip}) >= 0);
    CHECK(first(create, {"lrp-set-gateway-chassis", "lrp-edge-" + vpc, chassis_name(1), "1"}) >= 0);
    const int route = first(create, {"--id=@row0"}) >= 0 ? 0 : -1;
    CHECK(route == 0);
    bool quoted_route_table = false, bare_priority = false;
    for (const auto& c : create)
        for (const auto& w : c) {
            quoted_route_table = quoted_route_table || w.rfind("options:\"route_table\"=\"rtb-", 0) == 0;
            bare_priority = bare_priority || w == "priority=1001";
        }
    CHECK(quoted_route_table);
    CHECK(bare_priority);

    // The same rows again: nothing to do.
    CHECK(nbctl_arguments(nb, nb).empty());

    // Back to nothing: ACLs, routes and NAT before ports, ports before switches and routers.
    const auto remove = commands_of(nbctl_arguments(nb, {}));
    CHECK(count(remove, "lr-del") == rows_of("Logical_Router"));
    CHECK(count(remove, "acl-del") == rows_of("ACL"));
    CHECK(count(remove, "lr-nat-del") == rows_of("NAT"));
    CHECK(first(remove, {"lsp-del", eni.id}) < first(remove, {"ls-del", subnet}));
    CHECK(first(remove, {"lrp-del", "lrp-" + subnet}) < first(remove, {"lr-del", vpc}));
    CHECK(first(remove, {"--type=port-group", "acl-del"}) < first(remove, {"pg-del"}));
    CHECK(first(remove, {"lr-nat-del", vpc, "dnat_and_snat"}) < first(remove, {"lr-del", vpc}));
    CHECK(count(remove, "lsp-add") + count(remove, "create") == 0);
}

TEST_CASE("ovn nbctl: a change is the few commands it takes") {
    router::RouterState state;
    test::load_seed_lab(state, "endpoints-lab.yaml", "jh-test");
    routing::VpcModel& m = *state.model;
    const Northbound before = compile_northbound(m, {});
    const auto& eni = m.network_interface(instance_named(m, "jh-test-Public-EC2").network_interface_ids.front());
    const std::string group = eni.security_group_ids.front();

    SUBCASE("an ingress rule: one ACL created and added to the group's port group, nothing removed") {
        routing::SecurityGroupRule icmp;
        icmp.ip_protocol = "icmp";
        icmp.from_port = -1;
        icmp.to_port = -1;
        icmp.cidr = routing::Cidr{0x0a0a0000, 16};
        m.authorize_security_group(group, true, {icmp});
        const auto cmds = commands_of(nbctl_arguments(before, compile_northbound(m, {})));
        REQUIRE(cmds.size() == 2);
        CHECK(cmds[0][0].rfind("--id=@row", 0) == 0);
        CHECK(cmds[0][2] == "ACL");
        CHECK(std::find(cmds[0].begin(), cmds[0].end(), "match=\"outport == @" + ovn_identifier(group) + " && ip4 && ip4.src == 10.10.0.0/16 && icmp4\"") !=
              cmds[0].end());
        CHECK(cmds[1] == std::vector<std::string>{"add", "Port_Group", ovn_identifier(group), "acls", cmds[0][0].substr(5)});
    }
    SUBCASE("the source/destination check off: the port's security is its MAC alone, set in place") {
        m.modify_source_dest_check(eni.id, false);
        const auto cmds = commands_of(nbctl_arguments(before, compile_northbound(m, {})));
        CHECK(cmds == std::vector<std::vector<std::string>>{{"lsp-set-port-security", eni.id, eni.mac.to_string()}});
    }
    SUBCASE("a route's target changed: the route replaced, in its table") {
        const std::string table = m.effective_route_table(m.subnet(eni.subnet_id)).id;
        routing::VpcModel::RouteTarget target;
        target.network_interface_id = eni.id;
        m.replace_route(table, "0.0.0.0/0", target);
        const auto cmds = commands_of(nbctl_arguments(before, compile_northbound(m, {})));
        REQUIRE(cmds.size() == 3);
        CHECK(cmds[0] == std::vector<std::string>{"--route-table=" + table, "lr-route-del", eni.vpc_id, "0.0.0.0/0"});
        CHECK(std::find(cmds[1].begin(), cmds[1].end(), "nexthop=\"" + routing::format_ipv4(eni.private_ip) + "\"") != cmds[1].end());
        CHECK(cmds[2][0] == "add");
        CHECK(cmds[2][3] == "static_routes");
    }
    SUBCASE("an instance stopped and started: its port goes and comes back, and its groups name it again each time") {
        const auto& inst = instance_named(m, "jh-test-Public-EC2");
        const std::string pg = ovn_identifier(group);
        m.set_instance_state(inst.id, routing::InstanceState::stopped);
        const Northbound stopped = compile_northbound(m, {});
        const auto stop = commands_of(nbctl_arguments(before, stopped));
        CHECK(first(stop, {"lsp-del", eni.id}) >= 0);
        const int set_ports = first(stop, {"pg-set-ports", pg});
        REQUIRE(set_ports >= 0);
        CHECK(std::find(stop[set_ports].begin(), stop[set_ports].end(), eni.id) == stop[set_ports].end());
        m.set_instance_state(inst.id, routing::InstanceState::running);
        const auto start = commands_of(nbctl_arguments(stopped, compile_northbound(m, {})));
        CHECK(first(start, {"lsp-add", eni.subnet_id, eni.id}) >= 0);
        // After the port is made again: a port group holds its ports by weak reference, so the old one is gone.
        const int again = first(start, {"pg-set-ports", pg});
        REQUIRE(again >= 0);
        CHECK(first(start, {"lsp-add", eni.subnet_id, eni.id}) < again);
        CHECK(std::find(start[again].begin(), start[again].end(), eni.id) != start[again].end());
    }
    SUBCASE("a key gone from a map column is removed, a whole column cleared") {
        Northbound after = before;
        for (auto& r : after.rows)
            if (r.table == "Logical_Router") std::erase_if(r.columns, [](const auto& c) { return c.first == "external_ids:cidr"; });
        const auto cmds = commands_of(nbctl_arguments(before, after));
        REQUIRE(cmds.size() == 1);
        CHECK(cmds[0] == std::vector<std::string>{"remove", "Logical_Router", m.vpcs().front().id, "external_ids", "\"cidr\""});
    }
}
