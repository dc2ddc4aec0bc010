// Fuzzes the form-encoded body decoder (router/aws_api/form_fields.hpp) with what a client may send the
// lab's AWS endpoint. Checks: a body that decodes has at most max_form_fields named fields, and those
// fields, encoded again, decode to the same fields; a refused body says why.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "router/aws_api/form_fields.hpp"

using namespace vpclab::aws_api;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string body(reinterpret_cast<const char*>(data), size);
    std::vector<FormField> fields, again;
    std::string error;
    if (!decode_form(body, fields, error)) {
        if (error.empty()) std::abort();
        return 0;
    }
    if (fields.size() > max_form_fields) std::abort();
    for (const auto& field : fields)
        if (field.name.empty()) std::abort();
    if (!decode_form(encode_form(fields), again, error) || again != fields) std::abort();
    return 0;
}
