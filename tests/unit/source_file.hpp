// Test helper: a file of the source tree (VPCLAB_SOURCE_DIR), e.g. "labs/endpoints-lab.yaml", which must exist and not be empty.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

#include <doctest/doctest.h>

namespace vpclab::test {

inline std::string read_source(const std::string& path) {
    std::ifstream in(std::string(VPCLAB_SOURCE_DIR) + "/" + path);
    std::stringstream ss;
    ss << in.rdbuf();
    REQUIRE_MESSAGE(!ss.str().empty(), path);
    return ss.str();
}

}  // namespace vpclab::test
