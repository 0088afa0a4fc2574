#pragma once
// `gyre bench prefetch [--json FILE]`: the standard MLP trained through fit()'s prefetcher
// from a source whose preparation is made cheaper, then dearer, than a training step; reports
// how long the training thread waited for data in each case.
namespace CLI {
class App;
}

namespace gyre::bench {

void add_prefetch_benchmark(CLI::App& bench);

}  // namespace gyre::bench
