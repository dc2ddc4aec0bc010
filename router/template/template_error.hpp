// The one error a template can produce: it names the file, line, resource and property at fault.
#pragma once

#include <stdexcept>
#include <string>

namespace vpclab::cfn {

class TemplateError : public std::runtime_error {
public:
    TemplateError(const std::string& file, int line, const std::string& resource, const std::string& property,
                  const std::string& message)
        : std::runtime_error(format(file, line, resource, property, message)), line_(line) {}
    int line() const { return line_; }

private:
    static std::string format(const std::string& file, int line, const std::string& resource,
                              const std::string& property, const std::string& message) {
        std::string s = file;
        if (line > 0) s += ":" + std::to_string(line);
        s += ": ";
        if (!resource.empty()) s += "resource " + resource + ": ";
        if (!property.empty()) s += "property " + property + ": ";
        return s + message;
    }
    int line_;
};

}  // namespace vpclab::cfn
