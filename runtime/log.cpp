#include "runtime/log.h"

#include <spdlog/cfg/helpers.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <mutex>

#include "runtime/error.h"

namespace gyre::log {
namespace {

const char* logger_name(Layer layer) {
  switch (layer) {
    case Layer::runtime:
      return "gyre.runtime";
    case Layer::workspace:
      return "gyre.workspace";
    case Layer::kernels:
      return "gyre.kernels";
    case Layer::nn:
      return "gyre.nn";
    case Layer::parallel:
      return "gyre.parallel";
    case Layer::tools:
      return "gyre.tools";
  }
  return "gyre";
}

std::atomic<std::uint64_t> warnings{0};

// Counts warnings and errors so that tests can fail on any they did not expect.
class CountingSink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& message) override {
    if (message.level >= spdlog::level::warn) warnings.fetch_add(1, std::memory_order_relaxed);
  }
  void flush_() override {}
};

constexpr int kLayerCount = 6;

struct Loggers {
  std::shared_ptr<spdlog::logger> by_layer[kLayerCount];

  Loggers() {
    auto console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    auto counter = std::make_shared<CountingSink>();
    for (int i = 0; i < kLayerCount; ++i) {
      const char* name = logger_name(static_cast<Layer>(i));
      by_layer[i] = spdlog::get(name);
      if (!by_layer[i]) {
        by_layer[i] =
            std::make_shared<spdlog::logger>(name, spdlog::sinks_init_list{console, counter});
        by_layer[i]->set_level(spdlog::level::info);
        by_layer[i]->set_pattern("[%H:%M:%S.%e] [%n] [%^%l%$] %v");
        spdlog::register_logger(by_layer[i]);
      }
    }
    if (const char* levels = std::getenv("GYRE_LOG_LEVEL"))
      spdlog::cfg::helpers::load_levels(levels);
  }
};

Loggers& loggers() {
  static Loggers instance;
  return instance;
}

spdlog::logger& logger(Layer layer) {
  return *loggers().by_layer[static_cast<int>(layer)];
}

spdlog::level::level_enum to_spdlog(Level level) {
  switch (level) {
    case Level::trace:
      return spdlog::level::trace;
    case Level::debug:
      return spdlog::level::debug;
    case Level::info:
      return spdlog::level::info;
    case Level::warn:
      return spdlog::level::warn;
    case Level::error:
      return spdlog::level::err;
    case Level::off:
      return spdlog::level::off;
  }
  return spdlog::level::info;
}

}  // namespace

bool enabled(Layer layer, Level level) {
  return logger(layer).should_log(to_spdlog(level));
}

void write(Layer layer, Level level, std::string_view message) {
  logger(layer).log(to_spdlog(level), "{}", message);
}

void set_level(Layer layer, Level level) {
  logger(layer).set_level(to_spdlog(level));
}

Level parse_level(std::string_view text) {
  constexpr std::string_view names[] = {"trace", "debug", "info", "warn", "error", "off"};
  for (int i = 0; i < 6; ++i) {
    if (names[i] == text) return static_cast<Level>(i);
  }
  throw InvalidArgumentError(
      strcat("unknown log level '", text, "'; expected trace, debug, info, warn, error or off"));
}

std::uint64_t warning_count() {
  return warnings.load(std::memory_order_relaxed);
}

}  // namespace gyre::log
