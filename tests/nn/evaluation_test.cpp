#include "nn/evaluation.h"

#include <catch2/catch.hpp>
#include <vector>

#include "nn/in_memory_iterator.h"
#include "nn/network.h"
#include "runtime/error.h"
#include "tests/support/allocation_counter.h"
#include "tests/support/kernel_testing.h"

using namespace gyre;
using namespace gyre::nn;

TEST_CASE("Evaluation computes accuracy, precision, recall and F1 from the confusion matrix",
          "[nn][evaluation]") {
  // actual:    0 0 1 1 2 2
  // predicted: 0 1 1 1 2 0
  const Tensor labels =
      testing::tensor_from({6, 3}, {1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1});
  const Tensor predictions = testing::tensor_from(
      {6, 3}, {.9, .1, 0, .2, .7, .1, .1, .8, .1, 0, .6, .4, .1, .2, .7, .5, .1, .4});
  Evaluation evaluation(3);
  evaluation.eval(labels, predictions);
  CHECK(evaluation.accuracy() == Approx(4.0 / 6.0));
  CHECK(evaluation.confusion(0, 1) == 1);
  CHECK(evaluation.confusion(2, 0) == 1);
  CHECK(evaluation.precision(1) == Approx(2.0 / 3.0));
  CHECK(evaluation.recall(1) == Approx(1.0));
  CHECK(evaluation.f1(1) == Approx(0.8));
  CHECK(evaluation.precision_macro() == Approx((0.5 + 2.0 / 3.0 + 1.0) / 3.0));
  CHECK(evaluation.f1_micro() == Approx(evaluation.accuracy()));
  CHECK_THAT(evaluation.stats(), Catch::Matchers::Contains("Accuracy: 0.6667") &&
                                     Catch::Matchers::Contains("Confusion matrix"));
  // Later batches allocate nothing.
  testing::HeapAllocationCounter counter;
  for (int i = 0; i < 10; ++i) evaluation.eval(labels, predictions);
  CHECK(counter.count() == 0);
  CHECK(evaluation.examples() == 66);
  CHECK_THROWS_AS(
      evaluation.eval(labels, testing::tensor_from({6, 2}, std::vector<double>(12, 0.0))),
      InvalidArgumentError);
}

TEST_CASE("ROC: perfect scores give AUC 1, reversed 0, uninformative 0.5", "[nn][evaluation]") {
  const Tensor labels = testing::tensor_from({4, 1}, {1, 1, 0, 0});
  Roc perfect(1), reversed(1), flat(1);
  perfect.eval(labels, testing::tensor_from({4, 1}, {0.9, 0.8, 0.2, 0.1}));
  reversed.eval(labels, testing::tensor_from({4, 1}, {0.1, 0.2, 0.8, 0.9}));
  flat.eval(labels, testing::tensor_from({4, 1}, {0.5, 0.5, 0.5, 0.5}));
  CHECK(perfect.auc() == Approx(1.0));
  CHECK(perfect.auprc() == Approx(1.0));
  CHECK(reversed.auc() == Approx(0.0));
  CHECK(flat.auc() == Approx(0.5));
  Roc one_vs_all(2);
  one_vs_all.eval(testing::tensor_from({2, 2}, {1, 0, 0, 1}),
                  testing::tensor_from({2, 2}, {0.8, 0.2, 0.3, 0.7}));
  CHECK(one_vs_all.average_auc() == Approx(1.0));
}

TEST_CASE(
    "Evaluation and ROC through evaluate() agree with output() and allocate nothing after "
    "the first pass",
    "[nn][evaluation]") {
  Network network(NetworkBuilder().input({8}).dense(16).output(3).seed(5).build());
  const Tensor features = testing::random_tensor({64, 8}, 31);
  Tensor labels = Tensor::empty_detached({64, 3}, DType::f32, Device::cpu());
  for (int r = 0; r < 64; ++r) {
    for (int c = 0; c < 3; ++c) labels.data<float>()[r * 3 + c] = (r * 7) % 3 == c ? 1.0f : 0.0f;
  }
  InMemoryIterator data(features, labels, 16, false, 0);
  Evaluation evaluation(3);
  Roc roc(3, 100);
  network.evaluate(data, {&evaluation, &roc});  // the first pass sizes the workspaces
  // The same numbers from the whole batch at once, evaluated by fresh evaluators.
  Evaluation expected_evaluation(3);
  Roc expected_roc(3, 100);
  const Tensor predictions = network.output(features);
  expected_evaluation.eval(labels, predictions);
  expected_roc.eval(labels, predictions);
  CHECK(evaluation.accuracy() == expected_evaluation.accuracy());
  for (int c = 0; c < 3; ++c) CHECK(roc.auc(c) == Approx(expected_roc.auc(c)).epsilon(1e-12));
  evaluation.reset();
  roc.reset();
  const std::vector<Evaluator*> evaluators{&evaluation, &roc};
  testing::HeapAllocationCounter counter;
  network.evaluate(data, evaluators);
  CHECK(counter.count() == 0);
  CHECK(evaluation.accuracy() == expected_evaluation.accuracy());
}
