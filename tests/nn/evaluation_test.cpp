#include "nn/evaluation.h"

#include <catch2/catch.hpp>

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
