#pragma once
// ConfigBuilder: the fluent builder of DL4J's ParallelWrapper.Builder and
// ParallelInference.Builder. Each option sets one field of a config; build() makes the
// object from the model and that config.
#include <memory>
#include <utility>

namespace gyre::parallel {

template <typename Builder, typename Model, typename Config, typename Built>
class ConfigBuilder {
 public:
  explicit ConfigBuilder(Model& model) : model_(model) {}
  std::unique_ptr<Built> build() const { return std::make_unique<Built>(model_, config_); }

 protected:
  template <typename Field, typename Value>
  Builder& set(Field& field, Value value) {
    field = std::move(value);
    return static_cast<Builder&>(*this);
  }
  Config config_;

 private:
  Model& model_;
};

}  // namespace gyre::parallel
