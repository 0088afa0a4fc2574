#pragma once
// GraphTopology: a network config's graph checked and put in execution order. Values are
// numbered graph inputs first (0 .. inputs-1), then vertices in execution order; every
// error names the vertices and inputs involved.
#include <vector>

#include "nn/network_config.h"

namespace gyre::nn {

struct GraphTopology {
  std::vector<int> order;                       // config index of each vertex, in execution order
  std::vector<std::vector<int>> vertex_inputs;  // per executed vertex: the values it reads
  std::vector<int> readers;                     // per value: how many vertex inputs read it
  std::vector<int> outputs;  // per graph output: the executed index of its vertex

  int input_count() const { return static_cast<int>(readers.size() - order.size()); }
  /// The value id of executed vertex k.
  int value_of(int k) const { return input_count() + k; }
  /// Whether value `value` is a graph input.
  bool is_input(int value) const { return value < input_count(); }

  /// The most liveness-pool slots a pass holds at once (nn/liveness_pool.h), counting every
  /// value in a slot of its own (a view shares its source's, so this is an upper bound):
  /// inference keeps each vertex's output until its last reader ran; backward keeps each
  /// gradient, in the slot of the vertex that gave it, until its vertex ran.
  int peak_slots(bool backward) const;

  /// Orders the graph stably (a vertex runs as soon as its inputs exist; among those ready,
  /// the first in the config), so a sequential config keeps its order. Throws
  /// InvalidArgumentError for duplicate or unknown names, cycles, vertices that lead to no
  /// output, unread inputs, and outputs that are not "output" layers or that feed others.
  static GraphTopology of(const NetworkConfig& config);
};

}  // namespace gyre::nn
