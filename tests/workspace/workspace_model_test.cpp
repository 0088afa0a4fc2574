// A randomized model-based test: thousands of seeded random sequences of activate /
// allocate / leave (in any order) / detach / leverage / scope_out over nested workspaces,
// checked after every step against a simple reference model of the contract.
#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "runtime/error.h"
#include "runtime/tensor.h"
#include "tests/support/strict_logging.h"
#include "workspace/workspace_manager.h"

using namespace gyre;

namespace {

const char* const kIds[] = {"A", "B", "C"};

struct ModelScope {
  std::string id;  // "" for scope_out
  WorkspaceScope scope;
};

struct ModelWorkspace {
  int depth = 0;
  std::uint64_t cycle = 0;
};

struct ModelTensor {
  Tensor tensor;
  std::string owner;  // "" when detached
  std::uint64_t cycle = 0;
  float value = 0;
};

class Model {
 public:
  explicit Model(std::uint32_t seed) : random_(seed) {
    // Small and varied arenas, so that spills, learning and resizes all happen.
    for (const char* id : kIds) {
      WorkspaceConfig config;
      config.initial_size = pick(0, 3) * 1024;
      config.learning = static_cast<LearningPolicy>(pick(0, 2));
      config.spill = pick(0, 1) == 0 ? SpillPolicy::EXTERNAL : SpillPolicy::REALLOCATE;
      configs_[id] = config;
    }
  }

  void step() {
    switch (pick(0, 9)) {
      case 0:
      case 1:
        activate(kIds[pick(0, 2)]);
        break;
      case 2:
        scope_out();
        break;
      case 3:
      case 4:
        close_any();
        break;
      case 5:
      case 6:
      case 7:
        allocate();
        break;
      case 8:
        detach();
        break;
      case 9:
        leverage(kIds[pick(0, 2)]);
        break;
    }
    check();
  }

  void finish() {
    while (!scopes_.empty()) close_at(scopes_.size() - 1);
    check();
    tensors_.clear();
    WorkspaceManager::destroy_all_for_current_thread();
  }

 private:
  int pick(int low, int high) { return std::uniform_int_distribution<int>(low, high)(random_); }
  WorkspaceManager& manager() { return WorkspaceManager::current(); }
  std::string top() const { return scopes_.empty() ? std::string() : scopes_.back().id; }

  void activate(const std::string& id) {
    scopes_.push_back({id, manager().activate(id, configs_[id])});
    ++workspaces_[id].depth;  // the first entry opens cycle `cycle`; others borrow it
  }

  void scope_out() { scopes_.push_back({"", manager().scope_out()}); }

  void close_any() {
    if (scopes_.empty()) return;
    close_at(static_cast<std::size_t>(pick(0, static_cast<int>(scopes_.size()) - 1)));
  }

  void close_at(std::size_t index) {
    const std::string id = scopes_[index].id;
    scopes_[index].scope.close();
    scopes_.erase(scopes_.begin() + static_cast<std::ptrdiff_t>(index));
    if (!id.empty() && --workspaces_[id].depth == 0) ++workspaces_[id].cycle;
  }

  void remember(Tensor tensor, const std::string& owner) {
    const float value = static_cast<float>(next_value_++);
    float* data = tensor.data<float>();
    for (std::int64_t i = 0; i < tensor.numel(); ++i) data[i] = value;
    tensors_.push_back(
        {std::move(tensor), owner, owner.empty() ? 0 : workspaces_[owner].cycle, value});
  }

  void allocate() {
    const std::int64_t elements = pick(1, 700);
    remember(Tensor::empty({elements}), top());
  }

  ModelTensor* any_valid_tensor() {
    std::vector<ModelTensor*> valid;
    for (ModelTensor& tensor : tensors_) {
      if (expected_valid(tensor)) valid.push_back(&tensor);
    }
    return valid.empty()
               ? nullptr
               : valid[static_cast<std::size_t>(pick(0, static_cast<int>(valid.size()) - 1))];
  }

  void detach() {
    ModelTensor* source = any_valid_tensor();
    if (source == nullptr) return;
    Tensor copy = source->tensor.detach();
    REQUIRE(copy.is_detached());
    REQUIRE(copy.data<float>()[0] == source->value);
    tensors_.push_back({copy, "", 0, source->value});
  }

  void leverage(const std::string& id) {
    ModelTensor* source = any_valid_tensor();
    if (source == nullptr) return;
    Tensor copy = source->tensor.leverage_to(id);
    // Detached stays as is; else the named workspace if open; else detached.
    const std::string owner = !source->owner.empty() && workspaces_[id].depth > 0 ? id : "";
    if (source->owner.empty() || source->owner == id) {
      REQUIRE(copy.unchecked_data() == source->tensor.unchecked_data());
    }
    REQUIRE(copy.is_attached() == !owner.empty());
    REQUIRE(copy.data<float>()[copy.numel() - 1] == source->value);
    tensors_.push_back({copy, owner, owner.empty() ? 0 : workspaces_[owner].cycle, source->value});
  }

  bool expected_valid(const ModelTensor& tensor) {
    if (tensor.owner.empty()) return true;
    const ModelWorkspace& workspace = workspaces_[tensor.owner];
    return workspace.depth > 0 && workspace.cycle == tensor.cycle;
  }

  void check() {
    Workspace* current = manager().current_workspace();
    const std::string expected = top();
    REQUIRE((current == nullptr ? std::string() : current->id()) == expected);
    for (const char* id : kIds) {
      Workspace* workspace = manager().get(id);
      if (workspace == nullptr) continue;
      REQUIRE(workspace->depth() == workspaces_[id].depth);
      REQUIRE(workspace->cycle() == workspaces_[id].cycle);
    }
    for (ModelTensor& tensor : tensors_) {
      const bool valid = expected_valid(tensor);
      REQUIRE(tensor.tensor.is_valid() == valid);
      if (valid) {
        // No two live tensors share memory: each still holds its own value.
        const float* data = tensor.tensor.data<float>();
        REQUIRE(data[0] == tensor.value);
        REQUIRE(data[tensor.tensor.numel() - 1] == tensor.value);
      } else {
        REQUIRE_THROWS_AS(tensor.tensor.data_ptr(), WorkspaceError);
      }
    }
  }

  std::mt19937 random_;
  std::map<std::string, WorkspaceConfig> configs_;
  std::map<std::string, ModelWorkspace> workspaces_;
  std::vector<ModelScope> scopes_;
  std::vector<ModelTensor> tensors_;
  int next_value_ = 1;
};

}  // namespace

TEST_CASE("random scope sequences agree with the reference model", "[workspace][model]") {
  WorkspaceManager::destroy_all_for_current_thread();
  constexpr std::uint32_t kSequences = 2000;
  constexpr int kSteps = 60;
  // Random configs include arenas that spill every cycle, which rightly warn.
  testing::allow_warnings(3 * kSequences);
  for (std::uint32_t seed = 1; seed <= kSequences; ++seed) {
    INFO("seed " << seed);
    Model model(seed);
    for (int step = 0; step < kSteps; ++step) model.step();
    model.finish();
  }
}
