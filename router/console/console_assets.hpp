// The console's page, script and style sheet (router/console/web/), embedded in the binary at build time by
// embed_web.cmake: the console needs no files at run time and nothing from the network.
#pragma once

#include <string_view>

namespace vpclab::console {

extern const std::string_view console_html;  // with {{token}} where the token goes
extern const std::string_view console_js;
extern const std::string_view console_css;

}  // namespace vpclab::console
