// SigV4 verification: parsing the Authorization header, the canonical request, the derived key.
#include "router/aws_api/sigv4.hpp"

#include "router/aws_api/percent_encoding.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <cstdint>

namespace vpclab::aws_api {

namespace {

constexpr std::time_t allowed_skew = 15 * 60;  // RequestExpired: "more than 15 minutes" either way (AWS common errors)

std::string hex(const unsigned char* bytes, std::size_t n) {
    static const char digits[] = "0123456789abcdef";
    std::string out(n * 2, '0');
    for (std::size_t i = 0; i < n; ++i) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 0x0f];
    }
    return out;
}

std::string hmac(std::string_view key, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    ::HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &length);
    return std::string(reinterpret_cast<const char*>(out), length);
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool is_space(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

// A header's value in the canonical request: trimmed, inner runs of whitespace made one space; repeated
// headers joined by ',' in their order (botocore auth.py _header_value, canonical_headers).
bool header_value(const SignedRequest& request, std::string_view name, std::string& out) {
    bool found = false;
    out.clear();
    for (const auto& [key, value] : request.headers) {
        if (key.size() != name.size() || lower(key) != name) continue;
        if (found) out += ',';
        found = true;
        bool space = false;
        for (const char c : trim(value)) {
            if (is_space(c)) {
                space = true;
                continue;
            }
            if (space) out += ' ';
            space = false;
            out += c;
        }
    }
    return found;
}

std::string uri_encode(std::string_view s, bool keep_slash) {
    std::string out;
    percent_encode(s, out, keep_slash, false);
    return out;
}

// A query component decoded; one with a malformed escape is taken as it is (its signature cannot match).
std::string uri_decode(std::string_view s) {
    std::string out;
    std::size_t bad_at = 0;
    return percent_decode(s, false, out, bad_at) ? out : std::string(s);
}

// The query's parameters, each decoded then encoded again, sorted by name then value.
std::string canonical_query(std::string_view query) {
    std::vector<std::pair<std::string, std::string>> params;
    while (!query.empty()) {
        const std::size_t amp = query.find('&');
        const std::string_view param = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        if (param.empty()) continue;
        const std::size_t eq = param.find('=');
        params.emplace_back(uri_encode(uri_decode(param.substr(0, eq)), false),
                            eq == std::string_view::npos ? std::string() : uri_encode(uri_decode(param.substr(eq + 1)), false));
    }
    std::sort(params.begin(), params.end());
    std::string out;
    for (const auto& [name, value] : params) {
        if (!out.empty()) out += '&';
        out += name + '=' + value;
    }
    return out;
}

bool parse_amz_date(std::string_view s, std::time_t& out) {
    // YYYYMMDDTHHMMSSZ
    if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return false;
    for (std::size_t i = 0; i < 15; ++i)
        if (i != 8 && !std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    auto number = [&](std::size_t at, std::size_t n) {
        int v = 0;
        for (std::size_t i = 0; i < n; ++i) v = v * 10 + (s[at + i] - '0');
        return v;
    };
    std::tm t{};
    t.tm_year = number(0, 4) - 1900;
    t.tm_mon = number(4, 2) - 1;
    t.tm_mday = number(6, 2);
    t.tm_hour = number(9, 2);
    t.tm_min = number(11, 2);
    t.tm_sec = number(13, 2);
    if (t.tm_mon < 0 || t.tm_mon > 11 || t.tm_mday < 1 || t.tm_mday > 31 || t.tm_hour > 23 || t.tm_min > 59 || t.tm_sec > 60) return false;
    out = ::timegm(&t);
    return true;
}

SignatureVerdict refuse(SignatureFailure failure, std::string message) { return {failure, std::move(message), {}}; }

}  // namespace

std::string sha256_hex(std::string_view bytes) {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    ::SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
    return hex(digest, sizeof digest);
}

bool parse_authorization(std::string_view value, AuthorizationHeader& out) {
    constexpr std::string_view algorithm = "AWS4-HMAC-SHA256";
    value = trim(value);
    if (value.substr(0, algorithm.size()) != algorithm || value.size() == algorithm.size() || !is_space(value[algorithm.size()])) return false;
    value.remove_prefix(algorithm.size());
    bool credential = false, signed_headers = false, signature = false;
    while (!(value = trim(value)).empty()) {
        const std::size_t comma = value.find(',');
        const std::string_view part = trim(value.substr(0, comma));
        value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
        const std::size_t eq = part.find('=');
        if (eq == std::string_view::npos) return false;
        const std::string_view name = part.substr(0, eq), field = part.substr(eq + 1);
        if (name == "Credential" && !credential) {
            // AKID/YYYYMMDD/region/service/aws4_request
            std::vector<std::string_view> pieces;
            std::string_view rest = field;
            for (std::size_t slash; (slash = rest.find('/')) != std::string_view::npos; rest.remove_prefix(slash + 1)) pieces.push_back(rest.substr(0, slash));
            pieces.push_back(rest);
            if (pieces.size() != 5 || pieces[4] != "aws4_request") return false;
            for (const auto& piece : pieces)
                if (piece.empty()) return false;
            out.access_key_id = pieces[0];
            out.date = pieces[1];
            out.region = pieces[2];
            out.service = pieces[3];
            credential = true;
        } else if (name == "SignedHeaders" && !signed_headers) {
            out.signed_headers.clear();
            std::string_view rest = field;
            while (!rest.empty()) {
                const std::size_t semi = rest.find(';');
                const std::string_view header = rest.substr(0, semi);
                if (header.empty()) return false;
                out.signed_headers.push_back(lower(header));
                rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
            }
            if (out.signed_headers.empty()) return false;
            // Each header once (SigV4 lists unique names): a name repeated thousands of times would make a
            // canonical request thousands of times the request's size before the signature is compared.
            std::vector<std::string> sorted = out.signed_headers;
            std::sort(sorted.begin(), sorted.end());
            if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) return false;
            signed_headers = true;
        } else if (name == "Signature" && !signature) {
            if (field.size() != 64) return false;
            for (const char c : field)
                if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
            out.signature = lower(field);
            signature = true;
        } else {
            return false;
        }
    }
    return credential && signed_headers && signature;
}

std::string canonical_request(const SignedRequest& request, const std::vector<std::string>& signed_headers) {
    std::string out(request.method);
    out += '\n';
    out += request.path.empty() ? std::string("/") : uri_encode(request.path, true);
    out += '\n';
    out += canonical_query(request.query);
    out += '\n';
    std::vector<std::string> names = signed_headers;
    std::sort(names.begin(), names.end());
    std::string value, list;
    for (const auto& name : names) {
        header_value(request, name, value);
        out += name + ':' + value + '\n';
        if (!list.empty()) list += ';';
        list += name;
    }
    out += '\n';
    out += list;
    out += '\n';
    out += sha256_hex(request.body);
    return out;
}

std::string string_to_sign(std::string_view amz_date, std::string_view scope, std::string_view canonical) {
    std::string out = "AWS4-HMAC-SHA256\n";
    out += amz_date;
    out += '\n';
    out += scope;
    out += '\n';
    out += sha256_hex(canonical);
    return out;
}

std::string signature_of(std::string_view secret, std::string_view date, std::string_view region, std::string_view service,
                         std::string_view to_sign) {
    const std::string signing_key = hmac(hmac(hmac(hmac("AWS4" + std::string(secret), date), region), service), "aws4_request");
    const std::string raw = hmac(signing_key, to_sign);
    return hex(reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
}

SignatureVerdict verify_signature(const SignedRequest& request, const Credentials& lab, std::string_view region, std::time_t now) {
    std::string authorization;
    if (!header_value(request, "authorization", authorization))
        return refuse(SignatureFailure::missing, "Request is missing Authentication Token");
    AuthorizationHeader auth;
    if (!parse_authorization(authorization, auth))
        return refuse(SignatureFailure::malformed,
                      "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters in the form "
                      "AWS4-HMAC-SHA256 Credential=KEY/YYYYMMDD/REGION/SERVICE/aws4_request, SignedHeaders=…, Signature=….");
    if (auth.access_key_id.size() != lab.access_key_id.size() ||
        CRYPTO_memcmp(auth.access_key_id.data(), lab.access_key_id.data(), lab.access_key_id.size()) != 0)
        return refuse(SignatureFailure::unknown_key, "The security token included in the request is invalid.");
    std::string amz_date;
    std::time_t signed_at = 0;
    if (!header_value(request, "x-amz-date", amz_date))
        return refuse(SignatureFailure::malformed, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
    if (!parse_amz_date(amz_date, signed_at))
        return refuse(SignatureFailure::malformed, "X-Amz-Date '" + amz_date + "' is not of the form YYYYMMDDTHHMMSSZ.");
    const auto signs = [&](std::string_view name) { return std::find(auth.signed_headers.begin(), auth.signed_headers.end(), name) != auth.signed_headers.end(); };
    if (!signs("host") || !signs("x-amz-date"))
        return refuse(SignatureFailure::malformed, "SignedHeaders must include 'host' and 'x-amz-date'.");
    if (auth.date != std::string_view(amz_date).substr(0, 8))
        return refuse(SignatureFailure::wrong_scope, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '" +
                                                         auth.date + "' != '" + amz_date.substr(0, 8) + "', from '" + amz_date + "'.");
    if (auth.region != region)
        return refuse(SignatureFailure::wrong_scope, "Credential should be scoped to a valid region, not '" + auth.region + "'. ");
    if (signed_at < now - allowed_skew)
        return refuse(SignatureFailure::expired, "Signature expired: " + amz_date + " is now earlier than " + amz_date_of(now - allowed_skew) + " (" +
                                                     amz_date_of(now) + " - 15 min.)");
    if (signed_at > now + allowed_skew)
        return refuse(SignatureFailure::not_yet_current, "Signature not yet current: " + amz_date + " is still later than " +
                                                             amz_date_of(now + allowed_skew) + " (" + amz_date_of(now) + " + 15 min.)");
    std::string unused;
    for (const auto& name : auth.signed_headers)
        if (!header_value(request, name, unused))
            return refuse(SignatureFailure::mismatch, "The request signature we calculated does not match the signature you provided: signed header '" +
                                                          name + "' is not in the request.");
    const std::string scope = auth.date + '/' + auth.region + '/' + auth.service + "/aws4_request";
    const std::string expected =
        signature_of(lab.secret_access_key, auth.date, auth.region, auth.service, string_to_sign(amz_date, scope, canonical_request(request, auth.signed_headers)));
    if (CRYPTO_memcmp(expected.data(), auth.signature.data(), expected.size()) != 0)
        return refuse(SignatureFailure::mismatch,
                      "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and "
                      "signing method. Consult the service documentation for details.");
    return {SignatureFailure::none, {}, auth.service};
}

std::string amz_date_of(std::time_t when) {
    std::tm t{};
    ::gmtime_r(&when, &t);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y%m%dT%H%M%SZ", &t);
    return buffer;
}

}  // namespace vpclab::aws_api
