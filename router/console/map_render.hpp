// The resource map rendered: Graphviz dot (for `dot -Tpng` and for tests against expected graphs), text for
// a terminal (a tree of boxes and lines), and SVG laid out here, column by column as the AWS console's
// resource map is (VPC with its zones and subnets | route tables | gateways and endpoints | what VPCs share),
// for handouts and for the console, which marks a trace's path on it by the IDs each element carries.
#pragma once

#include <string>

#include "router/console/resource_map.hpp"

namespace vpclab::console {

std::string render_dot(const ResourceMap& map);
std::string render_text(const ResourceMap& map);
std::string render_svg(const ResourceMap& map);

}  // namespace vpclab::console
