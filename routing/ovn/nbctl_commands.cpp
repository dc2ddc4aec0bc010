// The difference between two northbound row sets as one ovn-nbctl transaction (see the header).
#include "routing/ovn/nbctl_commands.hpp"

#include <algorithm>
#include <map>
#include <sstream>

namespace vpclab::routing::ovn {

namespace {

// Columns that name a row's parent rather than hold a value (northbound.hpp's Row).
bool is_parent(const std::string& key) { return key == "router" || key == "switch" || key == "port_group"; }

// Rows OVN names itself (ovn-nbctl finds them by name) are updated in place; the others are known by their
// content and are replaced.
bool named_table(const std::string& table) {
    return table == "Logical_Router" || table == "Logical_Switch" || table == "Logical_Switch_Port" || table == "Logical_Router_Port" ||
           table == "Port_Group" || table == "Address_Set";
}

// Deletion goes children first, creation parents first (a port needs its switch; a port group its ports).
int delete_rank(const std::string& table) {
    if (table == "Logical_Switch_Port") return 1;
    if (table == "Logical_Router_Port") return 2;
    if (table == "Port_Group" || table == "Address_Set") return 3;
    if (table == "Logical_Switch" || table == "Logical_Router") return 4;
    return 0;  // ACL, Logical_Router_Static_Route, NAT
}
int create_rank(const std::string& table) {
    if (table == "Logical_Router" || table == "Logical_Switch") return 0;
    if (table == "Logical_Router_Port") return 1;
    if (table == "Logical_Switch_Port") return 2;
    if (table == "Port_Group" || table == "Address_Set") return 3;
    return 4;
}

std::string required(const Row& r, const std::string& key) {
    const std::string* v = r.value(key);
    return v ? *v : std::string();
}

std::vector<std::string> words(const std::string& s) {
    std::vector<std::string> out;
    std::istringstream in(s);
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

// "column=value" or "column:key=value" as ovn-nbctl's database commands take it. Sets of words (an address
// set's addresses) become [a,b]; integers stay bare.
std::string setting(const std::string& table, const std::string& key, const std::string& value) {
    const auto colon = key.find(':');
    if (colon != std::string::npos) return key.substr(0, colon) + ":" + ovsdb_string(key.substr(colon + 1)) + "=" + ovsdb_string(value);
    if (key == "priority") return key + "=" + value;
    if (table == "Address_Set" && key == "addresses") {
        std::string set = "[";
        for (const auto& w : words(value)) set += (set.size() > 1 ? "," : "") + ovsdb_string(w);
        return key + "=" + set + "]";
    }
    return key + "=" + ovsdb_string(value);
}

class Emitter {
public:
    std::vector<std::string> args;
    void command(std::vector<std::string> words) {
        if (!args.empty()) args.push_back("--");
        args.insert(args.end(), words.begin(), words.end());
    }
    // `set TABLE NAME column=value…` for the columns `keys` (none: nothing).
    void set(const Row& r, const std::vector<std::string>& keys) {
        if (keys.empty()) return;
        std::vector<std::string> c{"set", r.table, r.name};
        for (const auto& k : keys) c.push_back(setting(r.table, k, required(r, k)));
        command(std::move(c));
    }
    void create(const Row& r);
    void destroy(const Row& r);
    void update(const Row& was, const Row& now);

private:
    int next_id_ = 0;
    // A row OVN does not name: created with an id, then added to its parent's column.
    void create_child(const Row& r, const std::string& parent_table, const std::string& parent, const std::string& parent_column) {
        const std::string id = "@row" + std::to_string(next_id_++);
        std::vector<std::string> c{"--id=" + id, "create", r.table};
        for (const auto& [k, v] : r.columns)
            if (!is_parent(k)) c.push_back(setting(r.table, k, v));
        command(std::move(c));
        command({"add", parent_table, parent, parent_column, id});
    }
};

void Emitter::create(const Row& r) {
    std::vector<std::string> rest;  // columns left for a `set`
    auto rest_except = [&](std::initializer_list<const char*> handled) {
        for (const auto& column : r.columns) {
            const std::string& k = column.first;
            if (!is_parent(k) && std::none_of(handled.begin(), handled.end(), [&k](const char* h) { return k == h; })) rest.push_back(k);
        }
    };
    if (r.table == "Logical_Router") {
        command({"lr-add", r.name});
        rest_except({});
    } else if (r.table == "Logical_Switch") {
        command({"ls-add", r.name});
        rest_except({});
    } else if (r.table == "Logical_Router_Port") {
        command({"lrp-add", required(r, "router"), r.name, required(r, "mac"), required(r, "networks")});
        if (const std::string* chassis = r.value("gateway_chassis")) command({"lrp-set-gateway-chassis", r.name, *chassis, "1"});
        rest_except({"mac", "networks", "gateway_chassis"});
    } else if (r.table == "Logical_Switch_Port") {
        command({"lsp-add", required(r, "switch"), r.name});
        if (const std::string* a = r.value("addresses")) command({"lsp-set-addresses", r.name, *a});
        if (const std::string* p = r.value("port_security")) command({"lsp-set-port-security", r.name, *p});
        rest_except({"addresses", "port_security"});
    } else if (r.table == "Port_Group") {
        std::vector<std::string> c{"pg-add", r.name};
        for (const auto& p : words(required(r, "ports"))) c.push_back(p);
        command(std::move(c));
        rest_except({"ports"});
    } else if (r.table == "Address_Set") {
        std::vector<std::string> c{"create", "Address_Set", "name=" + ovsdb_string(r.name)};
        for (const auto& [k, v] : r.columns) c.push_back(setting(r.table, k, v));
        command(std::move(c));
    } else if (r.table == "ACL") {
        const std::string* group = r.value("port_group");
        create_child(r, group ? "Port_Group" : "Logical_Switch", group ? *group : required(r, "switch"), "acls");
    } else if (r.table == "Logical_Router_Static_Route") {
        create_child(r, "Logical_Router", required(r, "router"), "static_routes");
    } else if (r.table == "NAT") {
        create_child(r, "Logical_Router", required(r, "router"), "nat");
    } else {
        throw std::logic_error("nbctl_arguments: no way to create a " + r.table + " row");
    }
    set(r, rest);
}

void Emitter::destroy(const Row& r) {
    if (r.table == "Logical_Router") command({"lr-del", r.name});
    else if (r.table == "Logical_Switch") command({"ls-del", r.name});
    else if (r.table == "Logical_Router_Port") command({"lrp-del", r.name});
    else if (r.table == "Logical_Switch_Port") command({"lsp-del", r.name});
    else if (r.table == "Port_Group") command({"pg-del", r.name});
    else if (r.table == "Address_Set") command({"destroy", "Address_Set", r.name});
    else if (r.table == "ACL") {
        const std::string* group = r.value("port_group");
        command({group ? "--type=port-group" : "--type=switch", "acl-del", group ? *group : required(r, "switch"), required(r, "direction"),
                 required(r, "priority"), required(r, "match")});
    } else if (r.table == "Logical_Router_Static_Route")
        command({"--route-table=" + required(r, "route_table"), "lr-route-del", required(r, "router"), required(r, "ip_prefix")});
    else if (r.table == "NAT")
        command({"lr-nat-del", required(r, "router"), required(r, "type"), required(r, "external_ip")});
    else
        throw std::logic_error("nbctl_arguments: no way to delete a " + r.table + " row");
}

// A named row whose columns changed (its parent cannot: an ENI stays in its subnet).
void Emitter::update(const Row& was, const Row& now) {
    std::vector<std::string> changed;
    for (const auto& [k, v] : now.columns) {
        const std::string* before = was.value(k);
        if (before && *before == v) continue;
        if (now.table == "Logical_Switch_Port" && k == "addresses") command({"lsp-set-addresses", now.name, v});
        else if (now.table == "Logical_Switch_Port" && k == "port_security") command({"lsp-set-port-security", now.name, v});
        else if (now.table == "Logical_Router_Port" && k == "gateway_chassis") {
            if (before) command({"lrp-del-gateway-chassis", now.name, *before});  // one gateway chassis, not two
            command({"lrp-set-gateway-chassis", now.name, v, "1"});
        }
        else if (now.table == "Port_Group" && k == "ports") {
            if (words(v).empty()) command({"clear", "Port_Group", now.name, "ports"});
            else {
                std::vector<std::string> c{"pg-set-ports", now.name};
                for (const auto& p : words(v)) c.push_back(p);
                command(std::move(c));
            }
        } else changed.push_back(k);
    }
    set(now, changed);
    for (const auto& [k, v] : was.columns) {
        if (now.value(k)) continue;
        const auto colon = k.find(':');
        if (colon != std::string::npos) command({"remove", now.table, now.name, k.substr(0, colon), ovsdb_string(k.substr(colon + 1))});
        else if (now.table == "Logical_Switch_Port" && k == "port_security") command({"lsp-set-port-security", now.name});
        else if (now.table == "Logical_Router_Port" && k == "gateway_chassis") command({"lrp-del-gateway-chassis", now.name, v});
        else command({"clear", now.table, now.name, k});
    }
}

}  // namespace

std::vector<std::string> nbctl_arguments(const Northbound& applied, const Northbound& wanted) {
    std::map<std::pair<std::string, std::string>, const Row*> before, after;
    for (const auto& r : applied.rows) before[{r.table, r.name}] = &r;
    for (const auto& r : wanted.rows) after[{r.table, r.name}] = &r;
    std::vector<const Row*> removed, added;
    std::vector<std::pair<const Row*, const Row*>> updated;
    for (const auto& [key, r] : before) {
        const auto it = after.find(key);
        if (it == after.end()) removed.push_back(r);
        else if (*it->second == *r) continue;
        else if (named_table(r->table) && required(*r, "router") == required(*it->second, "router") &&
                 required(*r, "switch") == required(*it->second, "switch"))
            updated.emplace_back(r, it->second);
        else {
            removed.push_back(r);
            added.push_back(it->second);
        }
    }
    for (const auto& [key, r] : after)
        if (!before.count(key)) added.push_back(r);
    std::stable_sort(removed.begin(), removed.end(), [](const Row* a, const Row* b) { return delete_rank(a->table) < delete_rank(b->table); });
    std::stable_sort(added.begin(), added.end(), [](const Row* a, const Row* b) { return create_rank(a->table) < create_rank(b->table); });
    Emitter out;
    for (const Row* r : removed) out.destroy(*r);
    for (const Row* r : added) out.create(*r);
    for (const auto& [was, now] : updated) out.update(*was, *now);
    return out.args;
}

}  // namespace vpclab::routing::ovn
