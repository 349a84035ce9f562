/**
 * Reading ONNX models (protobuf wire format, no generated code) and translating the standard CNN operator set into
 * SameDiff graphs with logits and input gradients (DESIGN.md §8: DL4J's own ONNX import fails on PyTorch exports).
 */
package io.noiselens.model.onnx;
