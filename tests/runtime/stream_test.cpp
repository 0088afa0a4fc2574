#include "runtime/stream.h"

#include <catch2/catch.hpp>
#include <memory>

#include "runtime/event_pool.h"

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

TEST_CASE("an event pool hands out idle events before it makes new ones", "[runtime][stream]") {
  EventPool pool(Device::cpu());
  CHECK(pool.created() == 0);
  std::unique_ptr<Event> first = pool.acquire(), second = pool.acquire();
  CHECK(pool.created() == 2);
  Event* reused = first.get();
  pool.release(std::move(first));
  std::unique_ptr<Event> third = pool.acquire();
  CHECK(third.get() == reused);  // the idle one, not a new one
  CHECK(pool.created() == 2);
  for (int i = 0; i < 100; ++i) {  // a steady load: acquire, record, release
    std::unique_ptr<Event> event = pool.acquire();
    event->record(Stream::current(Device::cpu()));
    pool.release(std::move(event));
  }
  CHECK(pool.created() == 3);
  pool.release(nullptr);  // ignored
  pool.release(std::move(second));
  pool.release(std::move(third));
}
