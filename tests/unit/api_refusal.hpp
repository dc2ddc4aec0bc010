// Test helper: the ApiError code a call is refused with, or "no error".
#pragma once

#include <functional>
#include <string>

#include "routing/api_error.hpp"

namespace vpclab::test {

inline std::string refusal(const std::function<void()>& call) {
    try {
        call();
    } catch (const routing::ApiError& e) {
        return e.code();
    }
    return "no error";
}

}  // namespace vpclab::test
