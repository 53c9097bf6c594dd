// Telling operators by the token in a request's Authorization header.

#include <doctest/doctest.h>

#include "admin/operator_auth.hpp"

using namespace agent_runtime;

TEST_CASE("an operator is known by the Bearer token, the scheme in any case") {
  operator_auth auth;
  auth.add("ops", "s3cret-token");
  CHECK(auth.identify("Bearer s3cret-token") == "ops");
  CHECK(auth.identify("bearer s3cret-token") == "ops");
  CHECK(auth.identify("BEARER  s3cret-token ") == "ops");
  CHECK(auth.identify("s3cret-token") == "ops");
  CHECK_FALSE(auth.identify("Bearer s3cret-toke"));
  CHECK_FALSE(auth.identify("Bearer"));
  CHECK_FALSE(auth.identify("Basic s3cret-token"));
  CHECK_FALSE(auth.identify(""));
}
