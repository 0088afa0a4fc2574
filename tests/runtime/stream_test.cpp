#include "runtime/stream.h"

#include <catch2/catch.hpp>

using namespace gyre;

TEST_CASE("the CPU stream is synchronous and its events complete when recorded",
          "[runtime][stream]") {
  const Stream stream = Stream::current(Device::cpu());
  CHECK(stream.device() == Device::cpu());
  CHECK(stream.handle() == nullptr);
  stream.synchronize();
  Event event(Device::cpu());
  event.record(stream);
  CHECK(event.completed());
  event.wait(stream);
  event.synchronize();
}

TEST_CASE("a stream guard sets the current stream and restores it", "[runtime][stream]") {
  OwnedStream owned(Device::cpu());
  int marker = 0;
  const Stream fake(Device::cpu(), &marker);  // any handle: the CPU ignores it
  {
    StreamGuard guard(fake);
    CHECK(Stream::current(Device::cpu()) == fake);
  }
  CHECK(Stream::current(Device::cpu()) == Stream(Device::cpu(), nullptr));
  CHECK(owned.view().device() == Device::cpu());
}
