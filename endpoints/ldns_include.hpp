// Includes ldns safely from C++: ldns/common.h defines `bool` as a macro unless stdbool.h came first,
// which breaks standard headers included after it.
#pragma once

#include <stdbool.h>

#include <ldns/ldns.h>
