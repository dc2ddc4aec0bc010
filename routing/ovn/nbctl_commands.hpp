// What to tell ovn-nbctl to turn the northbound rows the OVN backend last applied into the rows it wants now:
// one invocation, one OVSDB transaction (ovn-nbctl(8): commands separated by "--" commit together), so OVN
// never sees half a change. A pure function of the two row sets, tested without daemons.
#pragma once

#include <string>
#include <vector>

#include "routing/ovn/northbound.hpp"

namespace vpclab::routing::ovn {

// The arguments after `ovn-nbctl --db=…`: deletions children first (ACLs, routes, NAT, ports), then
// parents; creations parents first; a row whose identity stayed but whose columns changed is updated in
// place (`set`/`remove`, lsp-set-addresses, pg-set-ports) where the row is named, recreated where OVN names
// it by its content (ACLs, routes, NAT). Empty when nothing changed.
std::vector<std::string> nbctl_arguments(const Northbound& applied, const Northbound& wanted);

}  // namespace vpclab::routing::ovn
