#pragma once
// Evaluation (DL4J's names): classification metrics and ROC curves, filled batch by batch
// in one pass with no allocation per batch (host buffers are sized at the first batch).
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/tensor.h"

namespace gyre::nn {

/// Something evaluate() feeds with every batch's labels and network outputs ([N, C] f32).
class Evaluator {
 public:
  virtual ~Evaluator() = default;
  virtual void eval(const Tensor& labels, const Tensor& predictions) = 0;
  virtual void reset() = 0;
  /// Labels and predictions per time step [N, T, K]: eval() on the rows [R, K] of the steps
  /// the mask [N, T] marks present (undefined: every step), as DL4J evaluates an RNN.
  void eval_time_steps(const Tensor& labels, const Tensor& predictions, const Tensor& mask);

 protected:
  /// The tensor's values on the host: the tensor itself on the CPU, else a copy into
  /// `buffer` (grown only when a batch is larger than any before).
  static const float* host_values(const Tensor& tensor, std::vector<float>& buffer);

 private:
  // eval_time_steps' host copies and present rows (grown, never shrunk).
  std::vector<float> step_labels_, step_predictions_, step_mask_, present_labels_,
      present_predictions_;
};

/// Accuracy, precision, recall and F1 (macro and micro), and the confusion matrix.
class Evaluation final : public Evaluator {
 public:
  explicit Evaluation(int classes);
  void eval(const Tensor& labels, const Tensor& predictions) override;
  void reset() override;

  int classes() const { return classes_; }
  std::int64_t examples() const { return examples_; }
  double accuracy() const;
  double precision(int c) const;
  double recall(int c) const;
  double f1(int c) const;
  double precision_macro() const;
  double recall_macro() const;
  double f1_macro() const;
  /// Micro-averaged F1 over classes (equals accuracy for single-label classification).
  double f1_micro() const;
  /// confusion(actual, predicted).
  std::int64_t confusion(int actual, int predicted) const;
  /// A readable report: the metrics and the confusion matrix.
  std::string stats() const;

 private:
  int classes_;
  std::int64_t examples_ = 0;
  std::vector<std::int64_t> confusion_;  // classes × classes
  std::vector<float> labels_buffer_, predictions_buffer_;
};

/// ROC and precision-recall curves from score histograms with `bins` thresholds (DL4J's
/// thresholded mode): binary (one output column, or column 1 of two) or one-vs-all.
class Roc final : public Evaluator {
 public:
  /// classes = 1: binary on the single output column; classes >= 2: one curve per class.
  explicit Roc(int classes, int bins = 1000);
  void eval(const Tensor& labels, const Tensor& predictions) override;
  void reset() override;

  /// Area under the ROC curve of class c (one-vs-all) or of the binary problem (c = 0).
  double auc(int c = 0) const;
  /// Area under the precision-recall curve.
  double auprc(int c = 0) const;
  double average_auc() const;

 private:
  int classes_, bins_;
  // Per class: counts of positives and negatives whose score falls in each bin.
  std::vector<std::int64_t> positives_, negatives_;
  std::vector<float> labels_buffer_, predictions_buffer_;
};

}  // namespace gyre::nn
