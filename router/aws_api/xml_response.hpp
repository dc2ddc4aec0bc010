// The XML replies of the EC2 and Query protocols, written by walking the operation's output shape over the
// control API's JSON result, as botocore's parsers (parsers.py EC2QueryParser, QueryParser) read them:
// elements named by locationName (else the member's name), lists wrapped with items named by the item's
// locationName (EC2's `item`, Query's `member`) unless flattened, EC2's <requestId> first, Query's result
// inside <ActionResult> with <ResponseMetadata><RequestId>. The error envelopes of both protocols.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "router/aws_api/service_model.hpp"

namespace vpclab::aws_api {

// The reply to `op`. Members of `result` that the output shape does not have (or of another kind: a list for
// a structure) are left out and named in `unmapped` ("Vpcs.Foo."); scalars of another JSON type than the
// shape's (a string for an integer) are written and named too, so that a test can insist on none.
std::string encode_xml_response(const ServiceModel& model, const Operation& op, const nlohmann::ordered_json& result,
                                std::string_view request_id, std::vector<std::string>* unmapped = nullptr);

// EC2: <Response><Errors><Error><Code>…</Code><Message>…</Message></Error></Errors><RequestID>…</RequestID></Response>
// Query: <ErrorResponse xmlns=…><Error><Type>Sender|Receiver</Type><Code>…</Code><Message>…</Message></Error><RequestId>…
std::string encode_xml_error(const ServiceModel& model, std::string_view code, std::string_view message, std::string_view request_id,
                             bool server_fault = false);

// Appends `text` with &, <, >, " and ' escaped; characters XML 1.0 cannot carry (controls but tab, LF, CR)
// and bytes that are not UTF-8 become U+FFFD.
void append_xml_text(std::string& out, std::string_view text);

}  // namespace vpclab::aws_api
