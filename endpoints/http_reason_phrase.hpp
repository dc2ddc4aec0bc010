// The reason phrases of the HTTP statuses vpclab's servers answer with (RFC 9110 §15), shared by the
// instance metadata service and the lab's AWS endpoint.
#pragma once

namespace vpclab::endpoints {

inline const char* http_reason_phrase(int status) {
    switch (status) {
        case 200: return "OK";
        case 400: return "Bad Request";
        case 401: return "Unauthorized";
        case 403: return "Forbidden";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 411: return "Length Required";
        case 412: return "Precondition Failed";
        case 413: return "Content Too Large";
        case 500: return "Internal Server Error";
        case 501: return "Not Implemented";
        case 503: return "Service Unavailable";
        default: return "Error";
    }
}

}  // namespace vpclab::endpoints
