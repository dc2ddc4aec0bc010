// The AWS accounts the lab speaks as, in one place: the account that makes every call and owns every
// resource, and the account AWS's own services act from when they create resources in it.
#pragma once

namespace vpclab::routing {

constexpr const char* lab_account_id = "123456789012";
// An interface endpoint's ENIs are requested by AWS (RequesterId), not by the lab's account.
constexpr const char* aws_requester_account_id = "727180483921";

}  // namespace vpclab::routing
