// Test helper: output compared with a file of tests/expected/, which VPCLAB_UPDATE_EXPECTED=1 rewrites instead
// (then read the diff before committing it).
#pragma once

#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace vpclab::test {

inline void check_expected(const std::string& name, const std::string& actual) {
    const std::string path = std::string(VPCLAB_SOURCE_DIR) + "/tests/expected/" + name;
    if (const char* update = std::getenv("VPCLAB_UPDATE_EXPECTED"); update && std::string(update) == "1") {
        std::ofstream(path, std::ios::binary) << actual;
        return;
    }
    std::ifstream in(path, std::ios::binary);
    std::stringstream expected;
    expected << in.rdbuf();
    REQUIRE_MESSAGE(!expected.str().empty(), path << " is missing (VPCLAB_UPDATE_EXPECTED=1 writes it)");
    CHECK_MESSAGE(actual == expected.str(), name << " differs from " << path << "; got:\n" << actual);
}

}  // namespace vpclab::test
