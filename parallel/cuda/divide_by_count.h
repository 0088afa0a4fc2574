#pragma once
// buffer[i] = sums[i] / sums[count], on `stream` (the summed contributor flags sit after the
// sums): the last step of NcclCommunicator::average.
#include <cstdint>

namespace gyre::parallel {

void divide_by_count(float* buffer, const float* sums, std::int64_t count, void* stream);

}  // namespace gyre::parallel
