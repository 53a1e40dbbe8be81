/**
 * Latency benchmarks: JMH benchmarks of the SDK's overhead over bare ONNX Runtime and of
 * explanations, and a runner that measures alternatives side by side in one run and reports
 * ratios.
 */
package io.scaleprotoseg.bench;
