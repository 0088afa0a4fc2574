#include "nn/evaluation.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "runtime/error.h"
#include "runtime/stream.h"
#include "runtime/tensor_copy.h"

namespace gyre::nn {

const float* Evaluator::host_values(const Tensor& tensor, std::vector<float>& buffer) {
  GYRE_CHECK(tensor.dtype() == DType::f32 && tensor.is_contiguous(), InvalidArgumentError,
             "evaluation needs contiguous f32 tensors, got ", tensor.description());
  if (tensor.device().is_cpu()) return tensor.data<float>();
  if (buffer.size() < static_cast<std::size_t>(tensor.numel()))
    buffer.resize(static_cast<std::size_t>(tensor.numel()));
  copy_tensor(tensor, Tensor::wrap(buffer.data(), tensor.shape(), DType::f32, Device::cpu()));
  Stream::current(tensor.device()).synchronize();
  return buffer.data();
}

void Evaluator::eval_time_steps(const Tensor& labels, const Tensor& predictions,
                                const Tensor& mask) {
  const Shape& shape = predictions.shape();
  GYRE_CHECK(shape.rank() == 3 && labels.shape() == shape, InvalidArgumentError,
             "evaluation per time step: labels ", labels.description(), " and predictions ",
             predictions.description(), " must both be [N, T, K]");
  const std::int64_t steps = shape.dim(0) * shape.dim(1), width = shape.dim(2);
  GYRE_CHECK(!mask.defined() || mask.shape() == Shape({shape.dim(0), shape.dim(1)}),
             InvalidArgumentError, "evaluation per time step: mask ", mask.description(),
             " must be [N, T] for predictions ", predictions.description());
  const float* truth = host_values(labels, step_labels_);
  const float* scores = host_values(predictions, step_predictions_);
  const float* present = mask.defined() ? host_values(mask, step_mask_) : nullptr;
  const auto size = static_cast<std::size_t>(steps * width);
  if (present_labels_.size() < size) {
    present_labels_.resize(size);
    present_predictions_.resize(size);
  }
  std::int64_t rows = 0;
  for (std::int64_t r = 0; r < steps; ++r) {
    if (present != nullptr && present[r] == 0.0f) continue;
    std::copy(truth + r * width, truth + (r + 1) * width, &present_labels_[rows * width]);
    std::copy(scores + r * width, scores + (r + 1) * width, &present_predictions_[rows * width]);
    ++rows;
  }
  if (rows == 0) return;
  eval(Tensor::wrap(present_labels_.data(), Shape({rows, width}), DType::f32, Device::cpu()),
       Tensor::wrap(present_predictions_.data(), Shape({rows, width}), DType::f32, Device::cpu()));
}

namespace {
void check_batch(const char* who, int classes, const Tensor& labels, const Tensor& predictions) {
  GYRE_CHECK(labels.shape() == predictions.shape() && labels.shape().rank() == 2 &&
                 labels.shape().dim(1) == std::max(classes, 1),
             InvalidArgumentError, who, ": labels ", labels.description(), " and predictions ",
             predictions.description(), " must both be [N, ", classes, "]");
}

int argmax_row(const float* row, int classes) {
  int best = 0;
  for (int c = 1; c < classes; ++c) {
    if (row[c] > row[best]) best = c;
  }
  return best;
}

double ratio(double numerator, double denominator) {
  return denominator == 0.0 ? 0.0 : numerator / denominator;
}
}  // namespace

// ---- Evaluation --------------------------------------------------------------------------

Evaluation::Evaluation(int classes)
    : classes_(classes), confusion_(static_cast<std::size_t>(classes * classes), 0) {
  GYRE_CHECK(classes >= 2, InvalidArgumentError, "Evaluation needs at least 2 classes, got ",
             classes);
}

void Evaluation::reset() {
  std::fill(confusion_.begin(), confusion_.end(), 0);
  examples_ = 0;
}

void Evaluation::eval(const Tensor& labels, const Tensor& predictions) {
  check_batch("Evaluation", classes_, labels, predictions);
  const float* truth = host_values(labels, labels_buffer_);
  const float* scores = host_values(predictions, predictions_buffer_);
  const std::int64_t rows = labels.shape().dim(0);
  for (std::int64_t r = 0; r < rows; ++r) {
    const int actual = argmax_row(truth + r * classes_, classes_);
    const int predicted = argmax_row(scores + r * classes_, classes_);
    ++confusion_[static_cast<std::size_t>(actual * classes_ + predicted)];
  }
  examples_ += rows;
}

std::int64_t Evaluation::confusion(int actual, int predicted) const {
  return confusion_[static_cast<std::size_t>(actual * classes_ + predicted)];
}

double Evaluation::accuracy() const {
  std::int64_t correct = 0;
  for (int c = 0; c < classes_; ++c) correct += confusion(c, c);
  return ratio(static_cast<double>(correct), static_cast<double>(examples_));
}

double Evaluation::precision(int c) const {
  std::int64_t predicted = 0;
  for (int a = 0; a < classes_; ++a) predicted += confusion(a, c);
  return ratio(static_cast<double>(confusion(c, c)), static_cast<double>(predicted));
}

double Evaluation::recall(int c) const {
  std::int64_t actual = 0;
  for (int p = 0; p < classes_; ++p) actual += confusion(c, p);
  return ratio(static_cast<double>(confusion(c, c)), static_cast<double>(actual));
}

double Evaluation::f1(int c) const {
  const double p = precision(c), r = recall(c);
  return ratio(2.0 * p * r, p + r);
}

double Evaluation::precision_macro() const {
  double total = 0.0;
  for (int c = 0; c < classes_; ++c) total += precision(c);
  return total / classes_;
}

double Evaluation::recall_macro() const {
  double total = 0.0;
  for (int c = 0; c < classes_; ++c) total += recall(c);
  return total / classes_;
}

double Evaluation::f1_macro() const {
  double total = 0.0;
  for (int c = 0; c < classes_; ++c) total += f1(c);
  return total / classes_;
}

double Evaluation::f1_micro() const {
  // Micro precision = micro recall = Σ TP / N for single-label data, so micro F1 = accuracy.
  return accuracy();
}

std::string Evaluation::stats() const {
  std::ostringstream out;
  char line[160];
  std::snprintf(
      line, sizeof(line),
      "Examples: %lld, classes: %d\nAccuracy: %.4f\nPrecision (macro): %.4f\nRecall (macro): %.4f\n"
      "F1 (macro): %.4f\nF1 (micro): %.4f\n",
      static_cast<long long>(examples_), classes_, accuracy(), precision_macro(), recall_macro(),
      f1_macro(), f1_micro());
  out << line << "\nPer class:  precision  recall      f1\n";
  for (int c = 0; c < classes_; ++c) {
    std::snprintf(line, sizeof(line), "  %6d    %9.4f %7.4f %7.4f\n", c, precision(c), recall(c),
                  f1(c));
    out << line;
  }
  out << "\nConfusion matrix (rows: actual, columns: predicted)\n       ";
  for (int p = 0; p < classes_; ++p) {
    std::snprintf(line, sizeof(line), "%6d", p);
    out << line;
  }
  out << "\n";
  for (int a = 0; a < classes_; ++a) {
    std::snprintf(line, sizeof(line), "  %4d ", a);
    out << line;
    for (int p = 0; p < classes_; ++p) {
      std::snprintf(line, sizeof(line), "%6lld", static_cast<long long>(confusion(a, p)));
      out << line;
    }
    out << "\n";
  }
  return out.str();
}

// ---- ROC ---------------------------------------------------------------------------------

Roc::Roc(int classes, int bins)
    : classes_(classes),
      bins_(bins),
      positives_(static_cast<std::size_t>(std::max(classes, 1) * bins), 0),
      negatives_(positives_.size(), 0) {
  GYRE_CHECK(classes >= 1 && bins >= 2, InvalidArgumentError,
             "Roc needs classes >= 1 and bins >= 2, got ", classes, " and ", bins);
}

void Roc::reset() {
  std::fill(positives_.begin(), positives_.end(), 0);
  std::fill(negatives_.begin(), negatives_.end(), 0);
}

void Roc::eval(const Tensor& labels, const Tensor& predictions) {
  check_batch("Roc", classes_, labels, predictions);
  const float* truth = host_values(labels, labels_buffer_);
  const float* scores = host_values(predictions, predictions_buffer_);
  const std::int64_t rows = labels.shape().dim(0);
  for (std::int64_t r = 0; r < rows; ++r) {
    for (int c = 0; c < classes_; ++c) {
      const float score = std::min(std::max(scores[r * classes_ + c], 0.0f), 1.0f);
      const int bin = std::min(static_cast<int>(score * static_cast<float>(bins_)), bins_ - 1);
      auto& counts = truth[r * classes_ + c] > 0.5f ? positives_ : negatives_;
      ++counts[static_cast<std::size_t>(c * bins_ + bin)];
    }
  }
}

double Roc::auc(int c) const {
  // Sweep the threshold from high to low; trapezoids over (false positive rate, true positive
  // rate).
  std::int64_t total_positive = 0, total_negative = 0;
  for (int b = 0; b < bins_; ++b) {
    total_positive += positives_[static_cast<std::size_t>(c * bins_ + b)];
    total_negative += negatives_[static_cast<std::size_t>(c * bins_ + b)];
  }
  if (total_positive == 0 || total_negative == 0) return 0.0;
  double area = 0.0, tpr = 0.0, fpr = 0.0;
  std::int64_t tp = 0, fp = 0;
  for (int b = bins_ - 1; b >= 0; --b) {
    tp += positives_[static_cast<std::size_t>(c * bins_ + b)];
    fp += negatives_[static_cast<std::size_t>(c * bins_ + b)];
    const double next_tpr = static_cast<double>(tp) / static_cast<double>(total_positive);
    const double next_fpr = static_cast<double>(fp) / static_cast<double>(total_negative);
    area += (next_fpr - fpr) * (next_tpr + tpr) / 2.0;
    tpr = next_tpr;
    fpr = next_fpr;
  }
  return area;
}

double Roc::auprc(int c) const {
  std::int64_t total_positive = 0;
  for (int b = 0; b < bins_; ++b)
    total_positive += positives_[static_cast<std::size_t>(c * bins_ + b)];
  if (total_positive == 0) return 0.0;
  double area = 0.0, recall = 0.0, precision = 1.0;
  std::int64_t tp = 0, fp = 0;
  for (int b = bins_ - 1; b >= 0; --b) {
    tp += positives_[static_cast<std::size_t>(c * bins_ + b)];
    fp += negatives_[static_cast<std::size_t>(c * bins_ + b)];
    if (tp + fp == 0) continue;
    const double next_recall = static_cast<double>(tp) / static_cast<double>(total_positive);
    const double next_precision = static_cast<double>(tp) / static_cast<double>(tp + fp);
    area += (next_recall - recall) * (next_precision + precision) / 2.0;
    recall = next_recall;
    precision = next_precision;
  }
  return area;
}

double Roc::average_auc() const {
  double total = 0.0;
  for (int c = 0; c < classes_; ++c) total += auc(c);
  return total / classes_;
}

}  // namespace gyre::nn
