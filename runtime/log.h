#pragma once
// Gyre's thin logging header: one named spdlog logger per layer ("gyre.runtime",
// "gyre.workspace", ...), kept out of this header so that no compile pays for spdlog.
// Levels come from GYRE_LOG_LEVEL, e.g. "warn" or "info,gyre.workspace=debug".
#include <cstdint>
#include <string_view>

#include "runtime/strcat.h"

namespace gyre::log {

enum class Layer { runtime, workspace, kernels, nn, parallel, tools };
enum class Level { trace, debug, info, warn, error, off };

bool enabled(Layer layer, Level level);
void write(Layer layer, Level level, std::string_view message);
/// Sets a layer's level from code (tests, the CLI's --verbose).
void set_level(Layer layer, Level level);
/// Parses "trace|debug|info|warn|error|off"; throws InvalidArgumentError otherwise.
Level parse_level(std::string_view text);
/// Messages at warn or above written since the process started (tests fail on new ones).
std::uint64_t warning_count();

}  // namespace gyre::log

/// Builds the message only when the level is enabled: GYRE_LOG(workspace, info, "grew to ", n).
#define GYRE_LOG(layer, level, ...)                                                 \
  do {                                                                              \
    if (::gyre::log::enabled(::gyre::log::Layer::layer, ::gyre::log::Level::level)) \
      ::gyre::log::write(::gyre::log::Layer::layer, ::gyre::log::Level::level,      \
                         ::gyre::strcat(__VA_ARGS__));                              \
  } while (false)
