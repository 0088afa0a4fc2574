#pragma once
// The device suite: scenarios written once, run on every accelerator kind present. A
// device-suite binary is registered twice with CTest: as NAME_sim (GYRE_TEST_DEVICE=sim, four
// simulated devices, label `sim`, run by CI) and as NAME_cuda (GYRE_TEST_DEVICE=cuda, label
// `cuda`, skipped without a GPU). Its tests ask for test_device() instead of naming one.
#include "runtime/device.h"

namespace gyre::testing {

/// The accelerator kind this binary runs on (GYRE_TEST_DEVICE: sim, the default, or cuda).
DeviceType device_kind();
/// Device `index` of that kind.
Device test_device(int index = 0);
/// How many devices of that kind exist.
int test_device_count();

}  // namespace gyre::testing
